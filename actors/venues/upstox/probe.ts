/**
 * @module Live connectivity checks for `volguard validate` (SAFETY_MODE=live): token present and unexpired, profile
 * reachable, funds readable, option contracts' lot size / freeze quantity equal to our data (actors/domain/
 * instruments.ts), market status from the feed's market_info frame. Read-only; the token never appears in a detail.
 */
import type { UpstoxConfig } from './config.ts';
import { createUpstoxMarketData, createUpstoxVenue } from './index.ts';
import { UNDERLYING_SPECS } from '../../domain/instruments.ts';
import { redact } from './redact.ts';

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

    for (const spec of Object.values(UNDERLYING_SPECS)) {
      try {
        const contracts = await venue.rest.optionContracts(spec.indexKey);
        const relevant = contracts.filter((c) => c.expiry >= spec.validFromExpiry);
        const bad = relevant.filter((c) => c.lot_size !== spec.lotSize || c.freeze_quantity !== spec.freezeQty);
        const first = bad[0];
        checks.push({
          name: `instruments ${spec.underlying}`, ok: relevant.length > 0 && first === undefined,
          detail: relevant.length === 0 ? `expected option contracts for ${spec.indexKey}, was none`
            : first !== undefined ? `expected lot ${spec.lotSize} / freeze ${spec.freezeQty} (our data), was lot ${first.lot_size} / freeze ${first.freeze_quantity} for ${first.expiry} (${bad.length} of ${relevant.length} contracts differ)`
            : `${relevant.length} contracts: lot ${spec.lotSize}, freeze ${spec.freezeQty} match our data`,
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

