/**
 * @module `volguard validate --phase SHADOW|SEMI_AUTO|FULL_AUTO`: the deployment pre-flight as a checklist.
 *
 * Checks, in order: config parses → DATA_DIR writable → journal verifies → kill switch not latched (HALTED /
 * EMERGENCY / SHUTDOWN) → clock sanity → market calendar covers today → venue reachable → history and governance for
 * the phase (this venue's only: the FULL_AUTO rule of actors/domain/phase-governance.ts, the one the kill switch applies). Every check prints ✓ or ✗ with its reason as soon as
 * it is known; the exit code is 0 only when all pass (1 otherwise, 2 for a usage error). Read-only towards the journal
 * (LMDB read transactions), so it is safe to run next to a live system. The live probe has a deadline: a venue that
 * does not answer is a ✗, never a silent exit.
 *
 * The live-venue check is the Upstox adapter's probe (`actors/venues/upstox/probe.ts`, `probeUpstox(cfg)`).
 */
import { mkdirSync, writeFileSync, rmSync, existsSync, openSync, fsyncSync, closeSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { argsError, EXIT, type CliIo } from './io.ts';
import { loadConfig, type Config } from '../main/config.ts';
import { PHASES, type Phase } from '../../actors/domain/phase.ts';
import { fullAutoAdmission, governanceRulesFromEnv, venueOf, type GovernanceRecord, type PhaseCheck, type Venue } from '../../actors/domain/phase-governance.ts';
const USAGE = 'usage: volguard validate --phase SHADOW|SEMI_AUTO|FULL_AUTO';
/** Where the executor latches the governance decision (engine.ts PHASE_KEY). */
export const GOVERNANCE_KV_KEY = 'executor.phase';
/** Journal event the executor writes once per trading day spent in SHADOW / SEMI_AUTO (with its venue). */
const TRADING_DAY_EVENT = 'executor.tradingDay';
/** Where the kill switch latches its state (actors/killswitch/service.ts LATCH_KEY). */
const KILLSWITCH_LATCH_KEY = 'killswitch.latch';
/** The live probe's whole budget: several REST calls and a WebSocket, each with its own timeout and retries. */
export const PROBE_DEADLINE_MS = 60_000;
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
  readonly probeDeadlineMs?: number;
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
  const deadlineMs = deps.probeDeadlineMs ?? PROBE_DEADLINE_MS;
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${deadlineMs} ms`)), deadlineMs);
    });
    const r = await Promise.race([probe(cfg), deadline]);
    if (r.checks !== undefined && r.checks.length > 0) return r.checks.map((c) => ({ name: c.name, ok: c.ok, detail: c.detail, connectivity: true }));
    return [{ name: 'venue', ok: r.ok, detail: r.detail, connectivity: true }];
  } catch (err) {
    return [{ name: 'venue', ok: false, detail: `expected Upstox reachable, was an error (${errText(err)})`, connectivity: true }];
  } finally {
    clearTimeout(timer);
  }
}

interface JournalFacts {
  readonly governance: GovernanceRecord | null;
  /** Trading days per phase, per venue (days journaled without a venue count as paper). */
  readonly days: Readonly<Record<Venue, { readonly SHADOW: number; readonly SEMI_AUTO: number }>>;
  readonly latch: { readonly state?: unknown; readonly since?: unknown; readonly cause?: { readonly code?: unknown; readonly message?: unknown } | null } | null;
}

const NO_HISTORY: JournalFacts = { governance: null, days: { paper: { SHADOW: 0, SEMI_AUTO: 0 }, live: { SHADOW: 0, SEMI_AUTO: 0 } }, latch: null };

/** Reads the governance and kill-switch latches and the trading days per phase and venue straight from the journal, read-only. */
async function readHistory(journalDir: string): Promise<JournalFacts> {
  if (!existsSync(path.join(journalDir, 'journal.mdb'))) return NO_HISTORY;
  const { LmdbBackend } = await import('../../actors/journal/lmdb-store.ts');
  const { decodeFrame } = await import('../../actors/journal/frame.ts');
  const db = new LmdbBackend(journalDir, { readOnly: true });
  try {
    const kv = (key: string) => {
      const v = (db.get('kv', key) as { value?: unknown } | undefined)?.value;
      return typeof v === 'object' && v !== null ? v : null;
    };
    const days = { paper: { SHADOW: new Set<string>(), SEMI_AUTO: new Set<string>() }, live: { SHADOW: new Set<string>(), SEMI_AUTO: new Set<string>() } };
    for (const { key, value } of db.range('events')) {
      const e = decodeFrame(value as Uint8Array, key as number, false).entry as { type: string; body: { date?: unknown; phase?: unknown; venue?: Venue } };
      if (e.type !== TRADING_DAY_EVENT) continue;
      const { date, phase } = e.body;
      // Days journaled without a venue (or with one we do not know) count as paper: never toward live.
      const venue: Venue = e.body.venue === 'live' ? 'live' : 'paper';
      if (typeof date === 'string' && (phase === 'SHADOW' || phase === 'SEMI_AUTO')) days[venue][phase].add(date);
    }
    const count = (v: Venue) => ({ SHADOW: days[v].SHADOW.size, SEMI_AUTO: days[v].SEMI_AUTO.size });
    return { governance: kv(GOVERNANCE_KV_KEY) as GovernanceRecord | null, days: { paper: count('paper'), live: count('live') }, latch: kv(KILLSWITCH_LATCH_KEY) as JournalFacts['latch'] };
  } finally {
    await db.close();
  }
}

/** A kill switch latched HALTED, EMERGENCY or SHUTDOWN trades nothing until a person resets it. */
function checkKillSwitch(h: JournalFacts): CheckResult {
  const l = h.latch;
  if (l === null) return { name: 'kill switch', ok: true, detail: 'no latched state (NORMAL at start)' };
  const state = String(l.state);
  const since = typeof l.since === 'number' ? ` since ${new Date(l.since).toISOString()}` : '';
  const cause = l.cause ? ` (${String(l.cause.code)}: ${String(l.cause.message)})` : '';
  if (state === 'HALTED' || state === 'EMERGENCY' || state === 'SHUTDOWN') {
    return { name: 'kill switch', ok: false, detail: `expected NORMAL, was ${state}${since}${cause}; once the cause is cleared, reset it (POST /api/v1/killswitch/reset with a reason)` };
  }
  return { name: 'kill switch', ok: true, detail: `${state}${since}${cause}` };
}

const asResult = (c: PhaseCheck): CheckResult => ({ name: c.name, ok: c.ok, detail: c.detail, ...(c.waived === true ? { waived: true } : {}) });

function checkPhase(phase: Phase, cfg: Config, h: JournalFacts): CheckResult[] {
  if (phase !== 'FULL_AUTO') {
    return [{ name: 'phase', ok: true, detail: `${phase} needs no governance approval or history` }];
  }
  const venue = venueOf(cfg.SAFETY_MODE === 'live');
  // The kill switch's rule on the journal's facts (data quality is judged by the running system: the kill switch's
  // gate, and the executor when FULL_AUTO is asked for).
  return fullAutoAdmission({ venue, governance: h.governance, days: h.days[venue] }, venue, governanceRulesFromEnv(cfg)).checks.map(asResult);
}

/**
 * Runs every check, handing each result to `report` as soon as it is known; never throws for a failing check (each
 * becomes a ✗ line).
 */
export async function validate(phase: Phase, io: CliIo, deps: ValidateDeps = {}, report: (r: CheckResult) => void = () => {}): Promise<CheckResult[]> {
  const now = deps.now ?? Date.now;
  const monotonic = deps.monotonic ?? (() => performance.now());
  const results: CheckResult[] = [];
  const add = (...rs: CheckResult[]) => {
    for (const r of rs) {
      results.push(r);
      report(r);
    }
  };
  let cfg: Config;
  try {
    cfg = loadConfig(io.env, io.cwd);
    add({ name: 'config', ok: true, detail: `parsed (SAFETY_MODE=${cfg.SAFETY_MODE}, FEED=${cfg.FEED}, PHASE=${cfg.PHASE})` });
  } catch (err) {
    add({ name: 'config', ok: false, detail: errText(err).replace(/\n\s*/g, '; ') });
    add(...await checkClockAndCalendar(now, monotonic));
    add({ name: 'rest', ok: false, detail: 'data dir, journal, venue and phase checks need a valid config' });
    return results;
  }
  const dataDir = path.resolve(io.cwd, cfg.DATA_DIR);
  const journalDir = path.join(dataDir, 'journal');
  add(checkDataDir(dataDir));
  add(await checkJournal(journalDir));
  let history: JournalFacts | null = null;
  try {
    history = await readHistory(journalDir);
    add(checkKillSwitch(history));
  } catch (err) {
    add({ name: 'kill switch', ok: false, detail: `cannot read the kill-switch latch, governance and history from the journal (${errText(err)})` });
  }
  add(...await checkClockAndCalendar(now, monotonic));
  add(await checkCharges(dataDir, now()));
  add(...await checkVenue(cfg, dataDir, deps));
  if (history !== null) add(...checkPhase(phase, cfg, history));
  else if (phase === 'FULL_AUTO') add({ name: 'governance', ok: false, detail: 'cannot read governance and history from the journal' });
  return results;
}

/** Check names are at most this wide in the printed list (longer ones push their detail right). */
const NAME_WIDTH = 16;

export async function run(argv: readonly string[], io: CliIo, deps: ValidateDeps = {}): Promise<number> {
  const phase = parsePhase(argv);
  if (!PHASES.includes(phase as Phase)) {
    io.stderr.write(`volguard validate: ${phase}\n${USAGE}\n`);
    return EXIT.usage;
  }
  io.stdout.write(`volguard validate --phase ${phase}\n`);
  // Some clients (the Upstox REST retry backoff) use unref'd timers: without a handle of our own, a probe waiting on
  // one would let the process exit 0 with nothing printed. This keeps it alive until every check has answered.
  const keepAlive = setInterval(() => {}, 60_000);
  let results: CheckResult[];
  try {
    results = await validate(phase as Phase, io, deps, (r) => {
      io.stdout.write(`  ${r.ok ? '✓' : '✗'} ${r.name.padEnd(NAME_WIDTH)}  ${r.detail}${r.waived ? '  [WAIVED]' : ''}\n`);
    });
  } finally {
    clearInterval(keepAlive);
  }
  const failed = results.filter((r) => !r.ok).length;
  const live = results.filter((r) => r.connectivity === true);
  if (live.length > 0 && live.every((r) => r.ok)) io.stdout.write('CONNECTIVITY VERIFIED\n');
  io.stdout.write(failed === 0
    ? `ready for ${phase}: all ${results.length} checks passed\n`
    : `NOT ready for ${phase}: ${failed} of ${results.length} checks failed\n`);
  return failed === 0 ? EXIT.ok : EXIT.failure;
}
