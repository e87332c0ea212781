/**
 * @module Live connectivity checks for `volguard validate` (SAFETY_MODE=live): token present and unexpired, profile
 * reachable, funds readable (v3), order writes allowed from this machine (static-IP pre-flight: registered IPs vs the
 * egress address where it can be known — static-ip.ts), the instruments master fresh (built today, IST, by its
 * Last-Modified; no expired index options in it), option contracts' lot size equal to our data (freeze quantities
 * are the master's to say: reported, not demanded), market status from the feed's market_info frame. Read-only; the
 * token never appears in a detail.
 */
import type { UpstoxConfig } from './config.ts';
import { createUpstoxMarketData, createUpstoxVenue } from './index.ts';
import { UNDERLYING_SPECS } from '../../domain/instruments.ts';
import { istDate } from '../../domain/calendar.ts';
import { redact } from './redact.ts';
import { runStaticIpCheck, type StaticIpCheck } from './static-ip.ts';

export interface ProbeCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface ProbeResult {
  readonly ok: boolean;
  readonly detail: string;
  readonly checks: readonly ProbeCheck[];
}

export async function probeUpstox(cfg: UpstoxConfig): Promise<ProbeResult> {
  const venue = createUpstoxVenue(cfg);
  const secret = venue.tokens.current();
  const clean = (err: unknown) => redact(err instanceof Error ? err.message : String(err), [secret]);
  const checks: ProbeCheck[] = [];
  try {
    const t = venue.tokens.inspect();
    const usable = t.state === 'valid' || t.state === 'expiring';
    checks.push({
      name: 'upstox token', ok: usable,
      detail: usable ? `${t.fingerprint} ${t.state}, expires ${new Date(t.expiresAt).toISOString()}`
        : t.state === 'absent' ? 'expected an access token (UPSTOX_ACCESS_TOKEN or `volguard token`), was none'
        : `expected an unexpired token, was ${t.state} (${t.fingerprint ?? 'none'}); run \`volguard token\``,
    });
    if (!usable) return done(checks);

    try {
      const p = await venue.rest.profile();
      checks.push({ name: 'upstox profile', ok: true, detail: `user ${p.user_id} reachable at ${cfg.UPSTOX_BASE_URL ?? cfg.UPSTOX_ENV}` });
    } catch (err) {
      checks.push({ name: 'upstox profile', ok: false, detail: `expected the profile, was an error (${clean(err)})` });
      return done(checks);
    }

    try {
      const f = await venue.rest.fundsV3();
      checks.push({ name: 'upstox funds', ok: true, detail: `available to trade ₹${f.available_to_trade.total.toFixed(2)}` });
    } catch (err) {
      checks.push({ name: 'upstox funds', ok: false, detail: `expected funds readable, was an error (${clean(err)})` });
    }

    const ip = await staticIpCheck(venue);
    checks.push({ name: ip.name, ok: ip.ok, detail: ip.warning ? `(unverified) ${ip.detail}` : ip.detail });

    checks.push(await masterFreshness(venue, clean));

    for (const spec of Object.values(UNDERLYING_SPECS)) {
      try {
        const contracts = await venue.rest.optionContracts(spec.indexKey);
        const relevant = contracts.filter((c) => c.expiry >= spec.validFromExpiry);
        const bad = relevant.filter((c) => c.lot_size !== spec.lotSize);
        const first = bad[0];
        const freezes = [...new Set(relevant.map((c) => c.freeze_quantity))].sort((a, b) => a - b);
        const freeze = freezes.join('/');
        checks.push({
          name: `instruments ${spec.underlying}`, ok: relevant.length > 0 && first === undefined,
          detail: relevant.length === 0 ? `expected option contracts for ${spec.indexKey}, was none`
            : first !== undefined ? `expected lot ${spec.lotSize} (our data), was lot ${first.lot_size} for ${first.expiry} (${bad.length} of ${relevant.length} contracts differ)`
            : `${relevant.length} contracts: lot ${spec.lotSize} matches our data; freeze ${freeze} from the master${freezes.length === 1 && freezes[0] === spec.freezeQty ? '' : ` (shipped default ${spec.freezeQty}: the master's value is the one to slice by)`}`,
        });
      } catch (err) {
        checks.push({ name: `instruments ${spec.underlying}`, ok: false, detail: `expected option contracts, was an error (${clean(err)})` });
      }
    }

    checks.push(await marketStatus(cfg, venue));
    return done(checks);
  } finally {
    venue.tokens.close();
  }
}

/** Static-IP pre-flight (static-ip.ts) through the venue's REST client and egress finder. */
export async function staticIpCheck(venue: ReturnType<typeof createUpstoxVenue>): Promise<StaticIpCheck> {
  return runStaticIpCheck(async () => {
    const r = await venue.rest.userIps();
    return { primary: r.primary_ip ?? null, secondary: r.secondary_ip ?? null };
  }, venue.egress);
}

/**
 * The daily instruments master (NSE.json.gz) is fresh when its host dates it today (IST) — `Last-Modified`, with the
 * ETag shown to tell builds apart — and it lists NIFTY/BANKNIFTY options, none of them already expired.
 */
async function masterFreshness(venue: ReturnType<typeof createUpstoxVenue>, clean: (err: unknown) => string): Promise<ProbeCheck> {
  const name = 'instruments master';
  let file: Awaited<ReturnType<typeof venue.rest.instrumentsMasterFile>>;
  try {
    file = await venue.rest.instrumentsMasterFile('NSE');
  } catch (err) {
    return { name, ok: false, detail: `expected the NSE instruments master, was an error (${clean(err)})` };
  }
  const today = istDate(Date.now());
  const etag = file.etag === undefined ? 'no ETag' : `ETag ${file.etag.replace(/"/g, '').slice(0, 12)}`;
  if (file.lastModified === undefined) return { name, ok: false, detail: `expected a Last-Modified date on the master to check it is today's (${today} IST), was none (${etag})` };
  const built = istDate(file.lastModified);
  if (built !== today) return { name, ok: false, detail: `expected today's master (${today} IST), was built ${built} IST (${new Date(file.lastModified).toISOString()}, ${etag})` };
  const underlyings = new Set<string>(Object.keys(UNDERLYING_SPECS));
  const options = file.rows.filter((r) => (r.instrument_type === 'CE' || r.instrument_type === 'PE') && underlyings.has(r.underlying_symbol ?? r.name ?? ''));
  if (options.length === 0) return { name, ok: false, detail: `expected NIFTY/BANKNIFTY options in the master built ${built} IST, was none (${file.rows.length} rows, ${etag})` };
  const expired = options.filter((r) => r.expiry !== undefined && istDate(r.expiry) < today);
  if (expired.length > 0) {
    return { name, ok: false, detail: `expected no expired contracts in today's master, was ${expired.length} (first ${expired[0]!.trading_symbol}, expiry ${istDate(expired[0]!.expiry!)}; ${etag})` };
  }
  return { name, ok: true, detail: `NSE master built ${built} IST (${etag}): ${file.rows.length} rows, ${options.length} NIFTY/BANKNIFTY options, none expired` };
}

/** Connects the market feed (authorize → WebSocket) and reads the first market_info frame. */
async function marketStatus(cfg: UpstoxConfig, venue: ReturnType<typeof createUpstoxVenue>): Promise<ProbeCheck> {
  const feed = createUpstoxMarketData(cfg, undefined, venue);
  let timer: NodeJS.Timeout | undefined;
  try {
    const status = await new Promise<{ open: boolean } | string>((resolve) => {
      timer = setTimeout(() => resolve(`no market_info within ${cfg.UPSTOX_TIMEOUT_MS} ms`), cfg.UPSTOX_TIMEOUT_MS);
      feed.onStatus((s) => {
        if (s.kind === 'market') resolve({ open: s.open });
      });
      feed.start().catch((err: unknown) => resolve(err instanceof Error ? err.message : String(err)));
    });
    if (typeof status === 'string') return { name: 'market status', ok: false, detail: `expected the market feed to report market status, was ${redact(status, [venue.tokens.current()])}` };
    return { name: 'market status', ok: true, detail: `market feed connected; NSE F&O ${status.open ? 'open' : 'closed'}` };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    await feed.stop();
  }
}

function done(checks: readonly ProbeCheck[]): ProbeResult {
  const failed = checks.filter((c) => !c.ok);
  return {
    ok: failed.length === 0,
    detail: failed.length === 0 ? `${checks.length} Upstox checks passed` : failed.map((c) => `${c.name}: ${c.detail}`).join('; '),
    checks,
  };
}

