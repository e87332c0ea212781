/**
 * @module `npm run bench -- backtest`: a month of 1-minute NIFTY and BANKNIFTY chains (4 expiries each, ±30 strikes),
 * backtested through the whole production tree (DESIGN §7: ≤ 3 minutes on the 2-core machine).
 *
 * The data set is synthesised deterministically (seeded), never committed: a random walk of each index a minute, ±30
 * strikes around each day's open listed and kept listed until their expiry, every contract priced by Black-76 on a
 * skewed smile, with volumes, turned into frames by the importer's own chain builder
 * and written by its writer (actors/venues/replay/import/) exactly as an imported Upstox minute-candle month is (an hour
 * a chunk, as the importer writes minute data). Its
 * generation and import are not timed. Figures: `days_per_min` (trading days backtested per wall minute, start-up to
 * report included) and `cycle_us` (one simulated cycle, all actors, the mean over the run's cycles).
 */
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { mkdtempSync } from 'node:fs';
import { black76Price } from '../../actors/domain/black76.ts';
import { isTradingDay, istInstant, istMinuteOfDay, upcomingExpiries, sessionCloseMs, sessionOpenMs } from '../../actors/domain/calendar.ts';
import { UNDERLYING_SPECS } from '../../actors/domain/instruments.ts';
import type { Underlying } from '../../actors/domain/underlying.ts';
import type { Frame, OptionObservation, TradingDay } from '../../actors/venues/replay/import/observations.ts';
import { writeRecording } from '../../actors/venues/replay/import/write.ts';
import { backtestConfig } from '../../runtime/main/replay/config.ts';
import { runBacktest, runDirOf } from '../../runtime/main/replay/backtest.ts';
import { mulberry32 } from '../fixtures/mulberry32.ts';
import { realClock } from '../../runtime/clock.ts';
import { Journal } from '../../actors/journal/journal.ts';
import { LmdbBackend } from '../../actors/journal/lmdb-store.ts';
import type { Settlement } from '../../actors/venues/replay/format.ts';
import type { Figure } from './main.ts';

const FROM = process.env['BENCH_BACKTEST_FROM'] ?? '2026-02-02';
const TO = process.env['BENCH_BACKTEST_TO'] ?? '2026-02-27';
const STRIKES = 30;
const EXPIRIES = 4;
const YEAR_MS = 365 * 86_400_000;

interface Contract { key: string; underlying: Underlying; expiry: string; expiryTs: number; strike: number; right: 'CE' | 'PE'; lot: number }

function* days(seed: number): Generator<TradingDay> {
  const rnd = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const spot: Record<Underlying, number> = { NIFTY: 25_700, BANKNIFTY: 59_500 };
  const step: Record<Underlying, number> = { NIFTY: 50, BANKNIFTY: 100 };
  const lot: Record<Underlying, number> = { NIFTY: 65, BANKNIFTY: 30 };
  let id = 100_000;
  // Listed contracts by name: a strike stays listed until its expiry, as on NSE (a position held in a strike the
  // index has moved away from keeps its quotes; a window re-cut each day left held contracts unquoted, and the run
  // spent its days re-sending exits that could not fill).
  const listed = new Map<string, Contract>();
  for (let d = new Date(`${FROM}T00:00:00Z`); d.toISOString().slice(0, 10) <= TO; d = new Date(d.getTime() + 86_400_000)) {
    const date = d.toISOString().slice(0, 10);
    if (!isTradingDay(date)) continue;
    const open = sessionOpenMs(date);
    // The day's contracts: 4 expiries, strikes ±30 steps around the open, and whatever earlier days listed in them.
    for (const [name, c] of listed) if (c.expiry < date) listed.delete(name);
    for (const u of ['NIFTY', 'BANKNIFTY'] as const) {
      const atm = Math.round(spot[u] / step[u]) * step[u];
      for (const e of upcomingExpiries(u, open, EXPIRIES)) {
        for (let k = -STRIKES; k <= STRIKES; k++) {
          for (const right of ['CE', 'PE'] as const) {
            const strike = atm + k * step[u];
            const name = `${u}:${e.expiry}:${strike}:${right}`;
            if (!listed.has(name)) listed.set(name, { key: `NSE_FO|${id++}`, underlying: u, expiry: e.expiry, expiryTs: e.expiryTs, strike, right, lot: lot[u] });
          }
        }
      }
    }
    const contracts = [...listed.values()];
    const frames: Frame[] = [];
    for (let m = istMinuteOfDay(open) + 1; m <= istMinuteOfDay(sessionCloseMs(date)); m++) {
      const ts = istInstant(date, m);
      for (const u of ['NIFTY', 'BANKNIFTY'] as const) spot[u] *= Math.exp(0.12 / Math.sqrt(252 * 375) * gauss());
      const options: OptionObservation[] = contracts.map((c) => {
        const t = Math.max(60_000, c.expiryTs - ts) / YEAR_MS;
        const q = UNDERLYING_SPECS[c.underlying].dividendYield;
        const f = spot[c.underlying] * Math.exp((0.0525 - q) * t);
        const z = Math.log(c.strike / f) / Math.sqrt(t);
        const vol = Math.max(0.05, 0.13 - 0.25 * z * 0.1 + 0.5 * (z * 0.1) ** 2);
        const close = Math.max(0.05, Math.round(black76Price(c.right === 'CE' ? 'call' : 'put', f, c.strike, t, 0.0525, vol) * 20) / 20);
        return { instrumentKey: c.key, underlying: c.underlying, expiry: c.expiry, strike: c.strike, right: c.right, lotSize: c.lot, close, settle: Number.NaN, volume: 1 + Math.floor(rnd() * 400), oi: 100_000 };
      });
      frames.push({ ts, minutes: 1, spots: (['NIFTY', 'BANKNIFTY'] as const).map((u) => ({ underlying: u, price: Math.round(spot[u] * 100) / 100, derived: false })), options });
    }
    // An expiry day's final settlement price (entry kind 3), as an imported day of minute candles carries it: the index's
    // last close that day, flagged derived (actors/venues/replay/import/upstox-candles.ts does the same).
    const settlements: Settlement[] = [];
    for (const u of ['NIFTY', 'BANKNIFTY'] as const) {
      if (!contracts.some((c) => c.underlying === u && c.expiry === date)) continue;
      const close = Math.round(spot[u] * 100) / 100;
      settlements.push({ kind: 'final', underlying: u, expiry: date, price: close, underlyingClose: close, source: 'derived' });
    }
    yield { date, frames, closeTs: sessionCloseMs(date), settlements };
  }
}

/** Mean wall ms a cycle spent in each stage, and in all (`total`), from the run's journaled cycle records. */
function stageMeans(runDir: string): Record<string, number> {
  const backend = new LmdbBackend(path.join(runDir, 'journal'), { readOnly: true });
  try {
    const journal = new Journal(backend, { clock: realClock, maxBytes: Number.MAX_SAFE_INTEGER });
    const sum: Record<string, number> = {};
    let n = 0;
    for (const e of journal.read({ type: 'journal.cycle' })) {
      const b = e.body as { durationMs: number; stages: Record<string, number> };
      for (const [k, v] of Object.entries(b.stages)) sum[k] = (sum[k] ?? 0) + v;
      sum['total'] = (sum['total'] ?? 0) + b.durationMs;
      n++;
    }
    for (const k of Object.keys(sum)) sum[k] = sum[k]! / Math.max(1, n);
    return sum;
  } finally {
    void backend.close();
  }
}

export async function run(): Promise<Figure[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-bench-bt-'));
  try {
    const recording = path.join(dir, 'rec');
    const t0 = performance.now();
    writeRecording(days(20260202), { out: recording, kind: 'upstox-candles', chunkMs: 3_600_000, createdAt: '2026-02-02T00:00:00.000Z', inputs: [], frames: 'bench: synthetic 1-minute frames' });
    process.stderr.write(`bench backtest: data set written in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    const out = path.join(dir, 'out');
    const cfg = backtestConfig({ LOG_LEVEL: 'error' }, { runDir: runDirOf(out), recording });
    let firstCycleAt = Number.NaN;
    let lastCycleAt = Number.NaN;
    let cycles = 0;
    const started = performance.now();
    const cpu0 = process.cpuUsage();
    const r = await runBacktest({
      cfg, recording, from: FROM, to: TO, out, cyclesPerFrame: 3,
      onProgress: (p) => {
        const now = performance.now();
        if (cycles === 0) firstCycleAt = now;
        lastCycleAt = now;
        cycles++;
        if (p.step % 5000 === 0) process.stderr.write(`bench backtest: ${p.step}/${p.steps} cycles, day ${p.day}/${p.days}, ${((now - started) / 1000).toFixed(0)} s\n`);
      },
    });
    const wallMin = (performance.now() - started) / 60_000;
    const cpu = process.cpuUsage(cpu0);
    const perCycleUs = cycles > 1 ? ((lastCycleAt - firstCycleAt) / (cycles - 1)) * 1000 : Number.NaN;
    const stages = stageMeans(runDirOf(out));
    process.stderr.write(`bench backtest: ${r.days.length} days, ${r.steps} cycles, ${(wallMin * 60).toFixed(1)} s, ${r.report.fills.length} fills, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
    process.stderr.write(`bench backtest: mean wall ms a cycle by stage (cycle records): ${Object.entries(stages).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}\n`);
    return [
      { suite: 'backtest', metric: 'days_per_min', value: r.days.length / wallMin, unit: 'days/min', budget: `≥ ${(r.days.length / 3).toFixed(1)} (a month in ≤ 3 min)` },
      { suite: 'backtest', metric: 'cycle_us', value: perCycleUs, unit: 'µs' },
      // CPU of every thread of the process (main and actors) per cycle: less sensitive to a loaded machine than wall.
      { suite: 'backtest', metric: 'cycle_cpu_us', value: cycles > 0 ? (cpu.user + cpu.system) / cycles : Number.NaN, unit: 'µs' },
      { suite: 'backtest', metric: 'month_s', value: wallMin * 60, unit: 's', budget: '≤ 180' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
