/**
 * @module `volguard validate --phase SHADOW|SEMI_AUTO|FULL_AUTO`: the deployment pre-flight as a checklist.
 *
 * Checks, in order: config parses → DATA_DIR writable → journal verifies → clock sanity → market calendar covers
 * today → venue reachable → history and governance for the phase. Every check prints ✓ or ✗ with its reason; the
 * exit code is 0 only when all pass (1 otherwise, 2 for a usage error). Read-only towards the journal (LMDB read
 * transactions), so it is safe to run next to a live system.
 *
 * The live-venue check is the Upstox adapter's probe (`actors/venues/upstox/probe.ts`, `probeUpstox(cfg)`).
 */
import { mkdirSync, writeFileSync, rmSync, existsSync, openSync, fsyncSync, closeSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { argsError, EXIT, type CliIo } from './io.ts';
import { loadConfig, type Config } from '../main/config.ts';
import { PHASES, type Phase } from '../../actors/domain/phase.ts';
const USAGE = 'usage: volguard validate --phase SHADOW|SEMI_AUTO|FULL_AUTO';
/** Where the executor latches the governance decision (engine.ts PHASE_KEY). */
export const GOVERNANCE_KV_KEY = 'executor.phase';
/** Journal event the executor writes once per trading day spent in SHADOW / SEMI_AUTO. */
const TRADING_DAY_EVENT = 'executor.tradingDay';
/** Largest tolerated disagreement between the wall clock and the monotonic clock over one check, ms. */
const CLOCK_SKEW_TOLERANCE_MS = 1000;

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** Passed only because a paper-mode waiver applied: printed with a flag. */
  readonly waived?: boolean;
  /** A live connectivity check (the Upstox probe). */
  readonly connectivity?: boolean;
}

/** `checks`, when given, are printed one per line (token, profile, funds, instruments master freshness, lot sizes,
 *  market status). */
export type VenueProbe = (cfg: Config) => Promise<{ ok: boolean; detail: string; checks?: readonly { name: string; ok: boolean; detail: string }[] }>;

/** Injected for tests; production uses the real clocks and the modules in the tree. */
export interface ValidateDeps {
  readonly now?: () => number;
  readonly monotonic?: () => number;
  readonly liveVenueProbe?: VenueProbe;
}

function parsePhase(argv: readonly string[]): Phase | string {
  let phase: string | undefined;
  try {
    phase = parseArgs({ args: [...argv], options: { phase: { type: 'string' } }, strict: true, allowPositionals: false }).values.phase;
  } catch (err) {
    const why = argsError(err);
    if (why === null) throw err;
    return why;
  }
  if (phase === undefined) return 'expected --phase, was missing';
  if (!PHASES.includes(phase as Phase)) return `expected --phase ${PHASES.join('|')}, was ${JSON.stringify(phase)}`;
  return phase as Phase;
}

const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function checkDataDir(dataDir: string): CheckResult {
  try {
    mkdirSync(dataDir, { recursive: true });
    const probe = path.join(dataDir, `.validate-${process.pid}.tmp`);
    writeFileSync(probe, 'ok');
    const fd = openSync(probe, 'r+');
    fsyncSync(fd);
    closeSync(fd);
    rmSync(probe);
    return { name: 'data dir', ok: true, detail: `${dataDir} is writable` };
  } catch (err) {
    return { name: 'data dir', ok: false, detail: `expected ${dataDir} to be writable, was not (${errText(err)})` };
  }
}

async function checkJournal(journalDir: string): Promise<CheckResult> {
  if (!existsSync(path.join(journalDir, 'journal.mdb'))) {
    return { name: 'journal', ok: true, detail: `no journal yet at ${journalDir} (a fresh data dir; created on first run)` };
  }
  let verify: ((dir: string) => Promise<{ ok: boolean; entries: number; lastSeq: number | null; problems: readonly { seq: number; kind: string; message: string }[] }>) | undefined;
  try {
    verify = ((await import('../../actors/journal/verify.ts')) as { verifyJournal?: typeof verify }).verifyJournal;
  } catch (err) {
    return { name: 'journal', ok: false, detail: `journal verification not available (${errText(err)})` };
  }
  if (typeof verify !== 'function') return { name: 'journal', ok: false, detail: 'journal verification not available (actors/journal has no verifyJournal)' };
  try {
    const r = await verify(journalDir);
    if (r.ok) return { name: 'journal', ok: true, detail: `${r.entries} entries verified (last seq ${r.lastSeq ?? 0}), hash chain intact` };
    const p = r.problems[0];
    return { name: 'journal', ok: false, detail: `${r.problems.length} problem(s); first at seq ${p?.seq} (${p?.kind}): ${p?.message}` };
  } catch (err) {
    return { name: 'journal', ok: false, detail: `expected a readable journal, was an error (${errText(err)})` };
  }
}

async function checkClockAndCalendar(now: () => number, monotonic: () => number): Promise<CheckResult[]> {
  const w0 = now(); const m0 = monotonic();
  const w1 = now(); const m1 = monotonic();
  const skew = Math.abs((w1 - w0) - (m1 - m0));
  const results: CheckResult[] = [];
  const clockOk = Number.isFinite(w0) && w1 >= w0 && skew <= CLOCK_SKEW_TOLERANCE_MS;
  let cal: typeof import('../../actors/domain/calendar.ts');
  try {
    cal = await import('../../actors/domain/calendar.ts');
  } catch (err) {
    return [
      { name: 'clock', ok: false, detail: `cannot check the year: calendar not available (${errText(err)})` },
      { name: 'calendar', ok: false, detail: `market calendar not available (${errText(err)})` },
    ];
  }
  const today = cal.istDate(w1);
  // An uncovered holiday year is not an error for the calendar (weekdays count as trading days), but a system date
  // there means the clock is wrong or data/nse-holidays.ts is out of date: the pre-flight fails.
  let yearCovered = true;
  try { cal.requireHolidayCoverage(today); } catch { yearCovered = false; }
  results.push({
    name: 'clock',
    ok: clockOk && yearCovered,
    detail: !clockOk ? `expected the wall clock to move with the monotonic clock, was ${skew.toFixed(0)} ms apart (or backwards)`
      : !yearCovered ? `expected the system date (${today} IST) within the calendar's years, was outside: is the clock wrong?`
      : `system time ${new Date(w1).toISOString()} (${today} IST), monotonic agrees`,
  });
  try {
    const trading = cal.isTradingDay(today);
    const next = cal.nextTradingDay(today);
    const expiries = cal.upcomingExpiries('NIFTY', w1, 2).map((e) => e.expiry);
    const coverage = cal.holidayCoverage(today);
    const close = cal.sessionTimes(today).closeMin;
    const provisional = coverage === 'official' ? '' : ` (holiday list ${coverage})`;
    results.push({
      name: 'calendar', ok: coverage !== 'none',
      detail: `${today} is ${trading ? 'a trading day' : 'not a trading day'}; session closes ${String(Math.floor(close / 60)).padStart(2, '0')}:${String(close % 60).padStart(2, '0')} IST; next ${next}; NIFTY expiries ${expiries.join(', ')}${provisional}`,
    });
  } catch (err) {
    results.push({ name: 'calendar', ok: false, detail: `expected the market calendar to cover ${today}, was not (${errText(err)})` });
  }
  return results;
}

/** The charges schedule the run would load (DATA_DIR/charges.csv or the shipped one) parses and covers today. */
async function checkCharges(dataDir: string, nowMs: number): Promise<CheckResult> {
  try {
    const { loadChargesSchedule, chargesOverridePath } = await import('../main/charges-schedule.ts');
    const { istDate } = await import('../../actors/domain/calendar.ts');
    const schedule = loadChargesSchedule(dataDir, istDate(nowMs));
    const from = chargesOverridePath(dataDir) === null ? 'shipped schedule' : schedule.file;
    return { name: 'charges', ok: true, detail: `${from}: ${schedule.rows.length} rates, in force today` };
  } catch (err) {
    return { name: 'charges', ok: false, detail: errText(err).replace(/\n\s*/g, '; ') };
  }
}

async function checkVenue(cfg: Config, dataDir: string, deps: ValidateDeps): Promise<CheckResult[]> {
  if (cfg.SAFETY_MODE === 'paper') {
    const dir = path.join(dataDir, 'paper');
    const r = checkDataDir(dir);
    return [{ name: 'venue', ok: r.ok, detail: r.ok ? `paper exchange state dir ${dir} usable` : r.detail }];
  }
  // A literal specifier, so the single binary bundles the probe too (a computed one resolved only from source).
  const probe: VenueProbe = deps.liveVenueProbe ?? (await import('../../actors/venues/upstox/probe.ts')).probeUpstox;
  try {
    const r = await probe(cfg);
    if (r.checks !== undefined && r.checks.length > 0) return r.checks.map((c) => ({ name: c.name, ok: c.ok, detail: c.detail, connectivity: true }));
    return [{ name: 'venue', ok: r.ok, detail: r.detail, connectivity: true }];
  } catch (err) {
    return [{ name: 'venue', ok: false, detail: `expected Upstox reachable, was an error (${errText(err)})`, connectivity: true }];
  }
}

interface PhaseHistory {
  readonly governance: { phase?: unknown; approver?: unknown; reason?: unknown } | null;
  readonly days: { readonly SHADOW: number; readonly SEMI_AUTO: number };
}

/** Reads the governance latch and the trading days per phase straight from the journal, read-only. */
async function readHistory(journalDir: string): Promise<PhaseHistory> {
  if (!existsSync(path.join(journalDir, 'journal.mdb'))) return { governance: null, days: { SHADOW: 0, SEMI_AUTO: 0 } };
  const { LmdbBackend } = await import('../../actors/journal/lmdb-store.ts');
  const { decodeFrame } = await import('../../actors/journal/frame.ts');
  const db = new LmdbBackend(journalDir, { readOnly: true });
  try {
    const kv = db.get('kv', GOVERNANCE_KV_KEY) as { value?: unknown } | undefined;
    const governance = kv && typeof kv.value === 'object' && kv.value !== null ? kv.value as PhaseHistory['governance'] : null;
    const days = { SHADOW: new Set<string>(), SEMI_AUTO: new Set<string>() };
    for (const { key, value } of db.range('events')) {
      const e = decodeFrame(value as Uint8Array, key as number, false).entry as { type: string; body: { date?: unknown; phase?: unknown } };
      if (e.type !== TRADING_DAY_EVENT) continue;
      const { date, phase } = e.body;
      if (typeof date === 'string' && (phase === 'SHADOW' || phase === 'SEMI_AUTO')) days[phase].add(date);
    }
    return { governance, days: { SHADOW: days.SHADOW.size, SEMI_AUTO: days.SEMI_AUTO.size } };
  } finally {
    await db.close();
  }
}

async function checkPhase(phase: Phase, cfg: Config, journalDir: string): Promise<CheckResult[]> {
  if (phase !== 'FULL_AUTO') {
    return [{ name: 'phase', ok: true, detail: `${phase} needs no governance approval or history` }];
  }
  let h: PhaseHistory;
  try {
    h = await readHistory(journalDir);
  } catch (err) {
    return [{ name: 'governance', ok: false, detail: `cannot read governance and history from the journal (${errText(err)})` }];
  }
  const live = cfg.SAFETY_MODE === 'live';
  const approved = h.governance?.phase === 'FULL_AUTO';
  const who = approved ? ` by ${String(h.governance?.approver)} ("${String(h.governance?.reason)}")` : '';
  const governance: CheckResult = approved
    ? { name: 'governance', ok: true, detail: `FULL_AUTO approved in the journal${who}` }
    : live
      ? { name: 'governance', ok: false, detail: `expected a journaled FULL_AUTO approval (POST /api/v1/phase), was ${h.governance ? `phase ${String(h.governance.phase)}` : 'none'}` }
      : { name: 'governance', ok: true, waived: true, detail: 'no FULL_AUTO approval journaled; not required on paper' };
  const need = { SHADOW: cfg.FULL_AUTO_MIN_SHADOW_DAYS, SEMI_AUTO: cfg.FULL_AUTO_MIN_SEMI_AUTO_DAYS };
  const enough = h.days.SHADOW >= need.SHADOW && h.days.SEMI_AUTO >= need.SEMI_AUTO;
  const counts = `${h.days.SHADOW}/${need.SHADOW} SHADOW and ${h.days.SEMI_AUTO}/${need.SEMI_AUTO} SEMI_AUTO trading days`;
  const history: CheckResult = enough
    ? { name: 'history', ok: true, detail: counts }
    : !live && cfg.PAPER_WAIVE_PHASE_HISTORY
      ? { name: 'history', ok: true, waived: true, detail: `${counts}: waived on paper (PAPER_WAIVE_PHASE_HISTORY)` }
      : { name: 'history', ok: false, detail: `expected at least ${need.SHADOW} SHADOW and ${need.SEMI_AUTO} SEMI_AUTO trading days, was ${counts}` };
  return [governance, history];
}

/** Runs every check; never throws for a failing check (each becomes a ✗ line). */
export async function validate(phase: Phase, io: CliIo, deps: ValidateDeps = {}): Promise<CheckResult[]> {
  const now = deps.now ?? Date.now;
  const monotonic = deps.monotonic ?? (() => performance.now());
  const results: CheckResult[] = [];
  let cfg: Config;
  try {
    cfg = loadConfig(io.env, io.cwd);
    results.push({ name: 'config', ok: true, detail: `parsed (SAFETY_MODE=${cfg.SAFETY_MODE}, FEED=${cfg.FEED}, PHASE=${cfg.PHASE})` });
  } catch (err) {
    results.push({ name: 'config', ok: false, detail: errText(err).replace(/\n\s*/g, '; ') });
    results.push(...await checkClockAndCalendar(now, monotonic));
    results.push({ name: 'rest', ok: false, detail: 'data dir, journal, venue and phase checks need a valid config' });
    return results;
  }
  const dataDir = path.resolve(io.cwd, cfg.DATA_DIR);
  const journalDir = path.join(dataDir, 'journal');
  results.push(checkDataDir(dataDir));
  results.push(await checkJournal(journalDir));
  results.push(...await checkClockAndCalendar(now, monotonic));
  results.push(await checkCharges(dataDir, now()));
  results.push(...await checkVenue(cfg, dataDir, deps));
  results.push(...await checkPhase(phase, cfg, journalDir));
  return results;
}

export async function run(argv: readonly string[], io: CliIo, deps: ValidateDeps = {}): Promise<number> {
  const phase = parsePhase(argv);
  if (!PHASES.includes(phase as Phase)) {
    io.stderr.write(`volguard validate: ${phase}\n${USAGE}\n`);
    return EXIT.usage;
  }
  const results = await validate(phase as Phase, io, deps);
  const width = Math.max(...results.map((r) => r.name.length));
  io.stdout.write(`volguard validate --phase ${phase}\n`);
  for (const r of results) {
    io.stdout.write(`  ${r.ok ? '✓' : '✗'} ${r.name.padEnd(width)}  ${r.detail}${r.waived ? '  [WAIVED]' : ''}\n`);
  }
  const failed = results.filter((r) => !r.ok).length;
  const live = results.filter((r) => r.connectivity === true);
  if (live.length > 0 && live.every((r) => r.ok)) io.stdout.write('CONNECTIVITY VERIFIED\n');
  io.stdout.write(failed === 0
    ? `ready for ${phase}: all ${results.length} checks passed\n`
    : `NOT ready for ${phase}: ${failed} of ${results.length} checks failed\n`);
  return failed === 0 ? EXIT.ok : EXIT.failure;
}
