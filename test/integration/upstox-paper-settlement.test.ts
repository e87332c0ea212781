/**
 * Issue 14 "Expiry settlement" on paper with the Upstox feed: the executor as SAFETY_MODE=paper FEED=upstox builds it
 * (brokers.ts `paperBroker`: the paper exchange matching the feed's snapshots; the final settlement price is the
 * index's day-candle close for the expiry date read from Upstox — here the fake on loopback — without a token: the
 * paper executor holds none) holds a NIFTY iron condor into its expiry. While the day candle is not out
 * (`settlementLate`) the legs wait, listed, never ₹0; once it is, the executor books each leg once at the index close
 * and the paper exchange settles its own positions at the same price (its cash moves by the same ₹), nothing waits
 * afterwards, and more reconciliations and a restart book nothing again.
 *
 * Before the fix the paper factory had no settlement source on FEED=upstox: the legs waited for a price forever (and
 * were escalated SETTLEMENT_OVERDUE 18 h after every expiry), the paper exchange kept them for good.
 */
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { ManualClock } from '../../runtime/clock.ts';
import { parseConfig } from '../../runtime/main/config.ts';
import { DeterministicMarket } from '../../actors/venues/upstox/fake/market.ts';
import { startFakeUpstox, type FakeUpstox } from '../../actors/venues/upstox/fake/server.ts';
import { ExecutorEngine, type EngineConfig } from '../../actors/executor/engine.ts';
import { paperBroker, type BrokerHandle } from '../../actors/executor/brokers.ts';
import { executorSection } from '../../actors/executor/config.ts';
import type { ExecEvent } from '../../actors/executor/state.ts';
import type { ExecutionReport } from '../../actors/executor/messages.ts';
import type { ExpiryChain, MarketSnapshot } from '../../actors/domain/market-snapshot.ts';
import type { Proposal } from '../../actors/domain/proposal.ts';
import { sessionCloseMs } from '../../actors/domain/calendar.ts';
import { CFG } from './executor-harness.ts';

const CAPITAL = 10_000_000;
/** The strikes the snapshots chain and each one's quotes (bid, ask) — the paper exchange fills at these. */
const QUOTES: Record<number, { CE: [number, number]; PE: [number, number] }> = {
  25_600: { CE: [402, 404], PE: [3.5, 4] },
  25_700: { CE: [305, 307], PE: [6, 6.5] },
  25_800: { CE: [212, 214], PE: [20, 20.5] },
  25_900: { CE: [130, 131], PE: [38, 39] },
  26_000: { CE: [62, 63], PE: [70, 71] },
  26_100: { CE: [22, 23], PE: [130, 131] },
  26_200: { CE: [4.5, 5], PE: [205, 207] },
};

let fake: FakeUpstox;
let dataDir: string;
/** The market clock the fake and the executor share: 2 h before the close of the fake's nearest NIFTY expiry. */
let clock: ManualClock;
let expiry: string;
beforeEach(async () => {
  expiry = new DeterministicMarket({ nowMs: Date.now(), calm: true }).instruments().filter((i) => i.underlying === 'NIFTY' && i.kind !== 'INDEX').map((i) => i.expiry!).sort()[0]!;
  clock = new ManualClock(sessionCloseMs(expiry) - 2 * 3_600_000);
  // No token configured anywhere on our side: the fake serves day candles without one, as Upstox does.
  fake = await startFakeUpstox({ port: 0, token: 'tok-not-given-to-the-paper-executor', market: new DeterministicMarket({ nowMs: clock.now(), calm: true }), now: () => clock.now() });
  dataDir = mkdtempSync(path.join(tmpdir(), 'vg-paper-upstox-settle-'));
});
afterEach(async () => {
  await fake.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function chainOf(ts: number): ExpiryChain {
  const opts = fake.state.market.instruments().filter((i) => i.underlying === 'NIFTY' && i.kind !== 'INDEX' && i.expiry === expiry);
  const strikes = Object.keys(QUOTES).map(Number);
  const key = (k: number, kind: 'CE' | 'PE') => opts.find((i) => i.strike === k && i.kind === kind)!.instrumentKey;
  const callKeys = strikes.map((k) => key(k, 'CE'));
  const putKeys = strikes.map((k) => key(k, 'PE'));
  const f = (g: (k: number) => number) => Float64Array.from(strikes.map(g));
  return {
    underlying: 'NIFTY', expiry, expiryTs: sessionCloseMs(expiry), kind: 'weekly', lotSize: opts[0]!.lotSize!, freezeQty: opts[0]!.freezeQty!,
    strikes: Float64Array.from(strikes), callKeys, putKeys,
    callBid: f((k) => QUOTES[k]!.CE[0]), callAsk: f((k) => QUOTES[k]!.CE[1]), callLtp: f(() => Number.NaN), callOi: f(() => 0), callTs: f(() => ts),
    putBid: f((k) => QUOTES[k]!.PE[0]), putAsk: f((k) => QUOTES[k]!.PE[1]), putLtp: f(() => Number.NaN), putOi: f(() => 0), putTs: f(() => ts),
  };
}

/** What the Upstox feed publishes: the chain while it trades; after the close the expired chain is gone. */
function snapshotOf(ts: number, id: string): MarketSnapshot {
  const open = ts < sessionCloseMs(expiry);
  return {
    cycleId: id, ts, marketOpen: open, vix: 13,
    spots: [{ underlying: 'NIFTY', instrumentKey: 'NSE_INDEX|Nifty 50', spot: 26_000, ts }],
    expiries: open ? [chainOf(ts)] : [],
    quality: { score: 0.95, components: { staleness: 1, crossed: 1, missingStrikes: 1, spread: 1, forwardConsistency: 1, silence: 1 } },
    source: 'upstox',
  };
}

interface Paper {
  readonly engine: ExecutorEngine;
  readonly handle: BrokerHandle;
  readonly journal: ExecEvent[];
  cycle(proposals?: Proposal[]): Promise<ExecutionReport>;
}

/** The paper executor as the worker builds it on FEED=upstox (brokers.ts `paperBroker`, the handle's wiring into the engine). */
async function paper(journaled: readonly ExecEvent[] = []): Promise<Paper> {
  const cfg = executorSection(parseConfig({ FEED: 'upstox', SAFETY_MODE: 'paper', UPSTOX_BASE_URL: fake.url, UPSTOX_TIMEOUT_MS: '2000', DATA_DIR: dataDir, BASE_CAPITAL: String(CAPITAL) }));
  assert.equal(cfg.UPSTOX_ACCESS_TOKEN, undefined, 'the paper executor holds no Upstox credential');
  // Every ask answered (no minute's backoff between two asks while the candle is not out).
  const handle = await paperBroker(cfg, clock, pino({ level: 'silent' }), undefined, { settlementRetryMs: 0 });
  const journal: ExecEvent[] = [...journaled];
  const engine = new ExecutorEngine({
    broker: handle.broker,
    journal: { append: async (_t, body) => journal.push(structuredClone(body) as ExecEvent), kvPut: async () => 0 },
    preTrade: async () => ({ allowed: true }),
    emergency: () => true,
    clock,
    sleep: async (ms) => clock.advance(ms),
    ...(handle.onSnapshot !== undefined ? { onMarket: handle.onSnapshot } : {}),
    ...(handle.rules !== undefined ? { rules: handle.rules } : {}),
    multiOrder: handle.multiOrder === true,
    ...(handle.settlementPrice !== undefined ? { settlementPrice: handle.settlementPrice } : {}),
    ...(handle.brokerBooksSettlement === true ? { brokerBooksSettlement: true } : {}),
  }, { ...CFG, fullAutoMinShadowDays: 0, fullAutoMinSemiAutoDays: 0, isMarketOpen: () => true, settlementOverdueMs: 18 * 3_600_000, capital: CAPITAL } as EngineConfig, journaled);
  let n = 0;
  return {
    engine, handle, journal,
    cycle: async (proposals = []) => {
      n++;
      const ts = clock.now();
      const id = `p${n}`;
      const report = await engine.execute({
        cycleId: id, proposals, snapshot: snapshotOf(ts, id), surface: { cycleId: id, ts, expiries: [], computeMs: 0 },
        killswitch: { state: 'NORMAL', effectivePhase: 'FULL_AUTO' }, phase: 'FULL_AUTO',
      });
      handle.onTick?.();
      await engine.tick();
      return report;
    },
  };
}

/** One lot a leg: short 25,900 CE (in the money at 26,000), short 25,800 PE, long 26,200 CE, long 25,600 PE. */
function condor(): Proposal {
  const c = chainOf(clock.now());
  const leg = (strike: number, right: 'CE' | 'PE', side: 'BUY' | 'SELL') => {
    const i = [...c.strikes].indexOf(strike);
    return { instrumentKey: right === 'CE' ? c.callKeys[i]! : c.putKeys[i]!, underlying: 'NIFTY' as const, expiry, strike, right, side, quantity: c.lotSize };
  };
  return {
    id: 'ic-paper-settle', action: 'open', kind: 'iron_condor', bucket: 'weekly', underlying: 'NIFTY', expiry,
    legs: [leg(25_900, 'CE', 'SELL'), leg(25_800, 'PE', 'SELL'), leg(26_200, 'CE', 'BUY'), leg(25_600, 'PE', 'BUY')],
    reason: 'issue 14: paper on the Upstox feed held into expiry', rationale: { test: true }, riskIncreasing: true,
  };
}

const r2 = (x: number) => Math.round(x * 100) / 100;
const settlements = (j: readonly ExecEvent[]) => j.filter((e): e is Extract<ExecEvent, { type: 'money.settlement' }> => e.type === 'money.settlement');
const cash = async (h: BrokerHandle) => {
  const f = await h.broker.getFunds();
  return r2(f.availableMargin + f.usedMargin);
};

test('paper on the Upstox feed: a condor held into expiry waits while the index close is not out (never ₹0), then both the executor and the paper exchange settle it once at the fake\'s index close; nothing pending afterwards, nothing again after a restart', { timeout: 60_000 }, async () => {
  const p = await paper();
  assert.equal(typeof p.handle.settlementPrice, 'function', 'FEED=upstox paper has a settlement price source');
  const proposal = condor();
  const [sc, sp, lc, lp] = proposal.legs.map((l) => l.instrumentKey) as [string, string, string, string];
  const first = await p.cycle([proposal]);
  assert.deepEqual(first.denied, []);
  for (let i = 0; i < 20 && p.engine.state.sagas[first.sagasStarted[0]!]?.status !== 'done'; i++) {
    clock.advance(1_000);
    await p.cycle();
  }
  const st = Object.values(p.engine.state.structures)[0]!;
  assert.equal(st.status, 'open', JSON.stringify(st));
  // The paper exchange filled each leg at the touch of the snapshot: SELLs at the bid, BUYs at the ask.
  assert.deepEqual([sc, sp, lc, lp].map((k) => p.engine.state.positions[k]!.averagePrice), [130, 20, 5, 4]);
  const q = proposal.legs[0]!.quantity;
  assert.equal(q, 65, 'one NIFTY lot');

  // The expiry's session closes; Upstox has not closed out the day (no day candle for the date yet).
  await fetch(`${fake.url}/__fake/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ settlementLate: true }) });
  clock.set(sessionCloseMs(expiry) + 60_000);
  const waiting = await p.cycle();
  assert.equal(waiting.reconciliation.settlementPending, 4);
  assert.deepEqual(p.engine.book().settlementPending?.map((x) => [x.instrumentKey, x.waitingFor]).sort(), [sc, sp, lc, lp].map((k) => [k, 'price']).sort());
  assert.deepEqual(settlements(p.journal), [], 'not booked at ₹0');
  assert.equal((await p.handle.broker.getPositions()).filter((x) => x.quantity !== 0).length, 4, 'the paper exchange still holds them');
  const cashBefore = await cash(p.handle);

  // The day is closed out: the index's day candle for the expiry date is served (calm market: NIFTY at 26,000).
  await fetch(`${fake.url}/__fake/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ settlementLate: false }) });
  clock.advance(60_000);
  const booked = await p.cycle();
  assert.equal(booked.reconciliation.settlementPending, undefined);
  const s = settlements(p.journal);
  assert.equal(s.length, 4);
  const byKey = Object.fromEntries(s.map((e) => [e.instrumentKey, e]));
  // Intrinsic at 26,000: 25,900 CE → 100; 25,800 PE, 26,200 CE, 25,600 PE → 0. P&L = (intrinsic − average) × signed
  // quantity, 65 a leg:
  //   short 25,900 CE: (100 − 130) × −65 = +1,950.00
  //   short 25,800 PE: (0 − 20) × −65    = +1,300.00
  //   long 26,200 CE:  (0 − 5) × 65      =   −325.00
  //   long 25,600 PE:  (0 − 4) × 65      =   −260.00
  //   total                              = +2,665.00; no exercise STT (the one leg in the money is short).
  assert.deepEqual([sc, sp, lc, lp].map((k) => byKey[k]!.pnl), [1950, 1300, -325, -260]);
  assert.ok(s.every((e) => e.settlementPrice === 26_000 && e.charges.total === 0 && e.date === expiry && e.structureId === st.id && !e.shadow));
  assert.equal(r2(p.engine.state.money.live.settlement), 2665);
  const closed = p.engine.state.structures[st.id]!;
  assert.deepEqual([closed.status, closed.closeReason], ['closed', 'settled']);
  assert.ok(!p.journal.some((e) => e.type === 'executor.positionExternallyClosed' || e.type === 'executor.positionAdopted'), 'no ₹0 external close, no adoption');

  // The paper exchange settled its own positions at the same price: flat, each leg's realised P&L the same ₹, its
  // cash up by 2,665.00.
  const rows = await p.handle.broker.getPositions();
  for (const k of [sc, sp, lc, lp]) {
    const row = rows.find((b) => b.instrumentKey === k)!;
    assert.deepEqual([row.quantity, r2(row.realisedPnl)], [0, byKey[k]!.pnl], k);
  }
  assert.equal(r2((await cash(p.handle)) - cashBefore), 2665);

  // More reconciliations, then a restart on the same data dir (the paper books reopened, the engine from its
  // journal): nothing is pending and nothing is booked again.
  for (let i = 0; i < 3; i++) {
    clock.advance(15_000);
    const r = await p.cycle();
    assert.equal(r.reconciliation.settlementPending, undefined);
  }
  const cashSettled = await cash(p.handle);
  await p.handle.broker.close();
  const again = await paper(p.journal);
  for (let i = 0; i < 3; i++) {
    clock.advance(15_000);
    const r = await again.cycle();
    assert.equal(r.reconciliation.settlementPending, undefined);
    assert.equal(r.reconciliation.settlementOverdue, undefined);
  }
  assert.equal(settlements(again.journal).length, 4, 'settled once across reconciliations and a restart');
  assert.deepEqual(again.engine.state.money, p.engine.state.money);
  assert.deepEqual((await again.handle.broker.getPositions()).filter((x) => x.quantity !== 0), []);
  assert.equal(await cash(again.handle), cashSettled);
  await again.handle.broker.close();
});
