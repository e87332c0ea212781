/**
 * Issue 14 "Expiry settlement" on live and issue 15's settlement fault switch: the executor as SAFETY_MODE=live builds
 * it (the Upstox broker over real loopback HTTP to the fake; the live handle's settlement wiring: the index's
 * official close from the day candle, booked once the broker has booked the expiry) holds a NIFTY iron condor into
 * its expiry. The fake books the expiry as Upstox does (positions settled at intrinsic off the index close, the rows
 * left flat with the realised P&L). Before the fix the executor saw the contracts leave the broker's book and booked
 * them "closed outside VolGuard" for ₹0.
 *
 * With the `settlementLate` fault (the broker books the expiry overnight; the day candle is not out) the positions
 * wait — counted, listed in the book, never ₹0 — and are escalated once SETTLEMENT_OVERDUE_MIN has passed; when the
 * broker books, VolGuard books each leg once at the same price, the condor closes as settled, a restart (the engine
 * rebuilt from its journal) books nothing again, and Σ daily net = the change in equity.
 */
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../runtime/clock.ts';
import { DeterministicMarket } from '../../actors/venues/upstox/fake/market.ts';
import { UpstoxBroker } from '../../actors/venues/upstox/broker.ts';
import { ExecutorEngine, type EngineConfig } from '../../actors/executor/engine.ts';
import type { ExecEvent } from '../../actors/executor/state.ts';
import type { ExecutionReport } from '../../actors/executor/messages.ts';
import type { ExpiryChain, MarketSnapshot } from '../../actors/domain/market-snapshot.ts';
import type { Proposal } from '../../actors/domain/proposal.ts';
import { istDate, sessionCloseMs } from '../../actors/domain/calendar.ts';
import { CFG } from './executor-harness.ts';
import { rig, type Rig } from './upstox-helpers.ts';

let r: Rig;
/** The fake's market clock (the engine's ManualClock is moved with it). */
let fakeNow = Date.now();
beforeEach(async () => {
  fakeNow = Date.now();
  r = await rig({ market: new DeterministicMarket({ nowMs: fakeNow, calm: true }), now: () => fakeNow });
});
afterEach(async () => r.close());

const OVERDUE_MS = 60 * 60_000;
const CAPITAL = 10_000_000;

interface Live {
  readonly engine: ExecutorEngine;
  readonly journal: ExecEvent[];
  cycle(proposals?: Proposal[]): Promise<ExecutionReport>;
}

/** The engine as the live worker builds it (brokers.ts `live`): the Upstox broker, multi-order, margin check, and settlement from the broker. */
function live(clock: ManualClock, broker: UpstoxBroker, journaled: readonly ExecEvent[] = []): Live {
  const journal: ExecEvent[] = [...journaled];
  const engine = new ExecutorEngine({
    broker,
    journal: { append: async (_t, body) => journal.push(structuredClone(body) as ExecEvent), kvPut: async () => 0 },
    preTrade: async () => ({ allowed: true }),
    emergency: () => true,
    clock,
    sleep: async (ms) => clock.advance(ms),
    multiOrder: true,
    marginCheck: true,
    venueKillSwitch: true,
    settlementPrice: (u, expiry) => broker.settlementPrice(u, expiry),
    brokerBooksSettlement: true,
  }, { ...CFG, live: true, fullAutoMinShadowDays: 0, fullAutoMinSemiAutoDays: 0, isMarketOpen: () => true, settlementOverdueMs: OVERDUE_MS, capital: CAPITAL } as EngineConfig, journaled);
  let n = 0;
  return {
    engine, journal,
    cycle: (proposals = []) => {
      n++;
      const ts = clock.now();
      return engine.execute({
        cycleId: `s${n}`, proposals, snapshot: { ...snapshotOf(ts), cycleId: `s${n}` }, surface: { cycleId: `s${n}`, ts, expiries: [], computeMs: 0 },
        killswitch: { state: 'NORMAL', effectivePhase: 'FULL_AUTO' }, phase: 'FULL_AUTO',
      });
    },
  };
}

/** The fake's nearest NIFTY expiry around 26,000 (what the feed would chain), quotes from the fake. */
function chainOf(ts: number): ExpiryChain {
  const opts = r.fake.state.market.instruments().filter((i) => i.underlying === 'NIFTY' && i.kind !== 'INDEX');
  const expiry = [...new Set(opts.map((i) => i.expiry!))].sort()[0]!;
  const strikes = [25_600, 25_700, 25_800, 25_900, 26_000, 26_100, 26_200];
  const key = (k: number, kind: 'CE' | 'PE') => opts.find((i) => i.expiry === expiry && i.strike === k && i.kind === kind)!.instrumentKey;
  const best = (k: string) => r.fake.state.market.quote(k)?.depth?.[0];
  const callKeys = strikes.map((k) => key(k, 'CE'));
  const putKeys = strikes.map((k) => key(k, 'PE'));
  const f = (keys: string[], g: (k: string) => number) => Float64Array.from(keys.map(g));
  return {
    underlying: 'NIFTY', expiry, expiryTs: sessionCloseMs(expiry), kind: 'weekly', lotSize: opts[0]!.lotSize!, freezeQty: opts[0]!.freezeQty!,
    strikes: Float64Array.from(strikes), callKeys, putKeys,
    callBid: f(callKeys, (k) => best(k)?.bidP ?? Number.NaN), callAsk: f(callKeys, (k) => best(k)?.askP ?? Number.NaN),
    callLtp: f(callKeys, () => Number.NaN), callOi: f(callKeys, () => 0), callTs: f(callKeys, () => ts),
    putBid: f(putKeys, (k) => best(k)?.bidP ?? Number.NaN), putAsk: f(putKeys, (k) => best(k)?.askP ?? Number.NaN),
    putLtp: f(putKeys, () => Number.NaN), putOi: f(putKeys, () => 0), putTs: f(putKeys, () => ts),
  };
}

function snapshotOf(ts: number): MarketSnapshot {
  return {
    cycleId: 's', ts, marketOpen: true, vix: 13,
    spots: [{ underlying: 'NIFTY', instrumentKey: 'NSE_INDEX|Nifty 50', spot: r.fake.state.market.quote('NSE_INDEX|Nifty 50')!.ltp, ts }],
    expiries: [chainOf(ts)],
    quality: { score: 0.95, components: { staleness: 1, crossed: 1, missingStrikes: 1, spread: 1, forwardConsistency: 1, silence: 1 } },
    source: 'upstox',
  };
}

/** One lot a leg: short 25,900 CE (in the money at 26,000), long 26,200 CE, short 25,800 PE, long 25,600 PE. */
function condor(): Proposal {
  const c = chainOf(fakeNow);
  const leg = (strike: number, right: 'CE' | 'PE', side: 'BUY' | 'SELL') => {
    const i = [...c.strikes].indexOf(strike);
    return { instrumentKey: right === 'CE' ? c.callKeys[i]! : c.putKeys[i]!, underlying: 'NIFTY' as const, expiry: c.expiry, strike, right, side, quantity: c.lotSize };
  };
  return {
    id: 'ic-settle', action: 'open', kind: 'iron_condor', bucket: 'weekly', underlying: 'NIFTY', expiry: c.expiry,
    legs: [leg(25_900, 'CE', 'SELL'), leg(25_800, 'PE', 'SELL'), leg(26_200, 'CE', 'BUY'), leg(25_600, 'PE', 'BUY')],
    reason: 'issue 14: held into expiry', rationale: { test: true }, riskIncreasing: true,
  };
}

const r2 = (x: number) => Math.round(x * 100) / 100;
const settlements = (j: readonly ExecEvent[]) => j.filter((e): e is Extract<ExecEvent, { type: 'money.settlement' }> => e.type === 'money.settlement');

test('live on the fake: a condor held into expiry waits while the broker has not booked it (never ₹0, overdue escalated), then is settled once at the index close, survives a restart, and Σ daily net = Δ equity', { timeout: 60_000 }, async () => {
  const clock = new ManualClock(fakeNow);
  const move = (to: number) => { fakeNow = to; clock.set(to); };
  const broker = new UpstoxBroker(r.rest, { settlementRetryMs: 0 });
  const l = live(clock, broker);
  const fundsBefore = await broker.getFunds();

  const p = condor();
  const first = await l.cycle([p]);
  assert.deepEqual(first.denied, []);
  for (let i = 0; i < 20 && l.engine.state.sagas[first.sagasStarted[0]!]?.status !== 'done'; i++) {
    move(fakeNow + 1_000);
    await l.cycle();
  }
  const st = Object.values(l.engine.state.structures)[0]!;
  assert.equal(st.status, 'open', JSON.stringify(st));
  const avg = Object.fromEntries(p.legs.map((leg) => [leg.instrumentKey, l.engine.state.positions[leg.instrumentKey]!.averagePrice]));

  // The expiry's session closes; the broker has not booked it yet (Upstox books overnight): the fake keeps the
  // positions and serves no day candle for the date.
  const expiry = p.expiry;
  const CLOSE = sessionCloseMs(expiry);
  await r.faults({ settlementLate: true });
  move(CLOSE + 60_000);
  await fetch(`${r.fake.url}/__fake/tick`, { method: 'POST' });
  const waiting = await l.cycle();
  assert.equal(waiting.reconciliation.settlementPending, 4);
  assert.equal(waiting.reconciliation.settlementOverdue, undefined);
  assert.deepEqual(l.engine.book().settlementPending?.map((x) => [x.instrumentKey, x.waitingFor]).sort(), p.legs.map((leg) => [leg.instrumentKey, 'price']).sort());
  assert.equal(l.engine.book().positions.filter((x) => x.quantity !== 0).length, 4, 'still held: not closed outside, not booked at ₹0');

  // Past the configured wait: escalated (the kill switch holds SETTLEMENT_OVERDUE and alerts), still not booked.
  move(CLOSE + OVERDUE_MS);
  const overdue = await l.cycle();
  assert.match(overdue.reconciliation.settlementOverdue ?? '', new RegExp(`4 position\\(s\\) of NIFTY ${expiry} not settled 60 min after the close \\(no final settlement price yet\\)`));
  assert.deepEqual(settlements(l.journal), []);

  // The broker books the expiry at the index's close; the day candle for the date is out.
  await r.faults({ settlementLate: false });
  move(CLOSE + OVERDUE_MS + 60_000);
  await fetch(`${r.fake.url}/__fake/tick`, { method: 'POST' });
  const index = r.fake.state.market.quote('NSE_INDEX|Nifty 50')!.ltp;
  assert.equal(index, 26_000, 'the calm market holds NIFTY at 26,000');
  const booked = await l.cycle();
  assert.equal(booked.reconciliation.settlementPending, undefined);
  assert.equal(booked.reconciliation.settlementOverdue, undefined);
  const s = settlements(l.journal);
  const byKey = Object.fromEntries(s.map((e) => [e.instrumentKey, e]));
  const [sc, sp, lc, lp] = p.legs.map((leg) => leg.instrumentKey) as [string, string, string, string];
  // Intrinsic at 26,000: 25,900 CE → 100; 25,800 PE, 26,200 CE, 25,600 PE → 0. P&L = (intrinsic − average) × signed
  // quantity (65 a leg); only a long in the money pays exercise STT: none here (the ITM leg is short).
  assert.equal(byKey[sc]!.pnl, r2((100 - avg[sc]!) * -65));
  assert.equal(byKey[sp]!.pnl, r2((0 - avg[sp]!) * -65));
  assert.equal(byKey[lc]!.pnl, r2((0 - avg[lc]!) * 65));
  assert.equal(byKey[lp]!.pnl, r2((0 - avg[lp]!) * 65));
  assert.ok(s.every((e) => e.settlementPrice === 26_000 && e.charges.total === 0 && e.date === expiry && e.structureId === st.id));
  assert.equal(s.length, 4);
  // The broker booked the same money: its realised P&L per leg is VolGuard's settlement (the fake charges nothing).
  const brokerRows = await broker.getPositions();
  for (const leg of p.legs) {
    const row = brokerRows.find((b) => b.instrumentKey === leg.instrumentKey)!;
    assert.deepEqual([row.quantity, row.realisedPnl], [0, byKey[leg.instrumentKey]!.pnl]);
  }
  const closed = l.engine.state.structures[st.id]!;
  assert.deepEqual([closed.status, closed.closeReason], ['closed', 'settled']);
  // Never "closed outside VolGuard", never adopted.
  assert.ok(!l.journal.some((e) => e.type === 'executor.positionExternallyClosed' || e.type === 'executor.positionAdopted'), 'no ₹0 external close, no adoption');
  assert.ok(!l.journal.some((e) => e.type === 'executor.reconFinding' && e.finding.class === 'externally_closed'));

  // More reconciliations, then a restart (the engine rebuilt from its journal, as the worker does): nothing again.
  for (let i = 0; i < 3; i++) { move(fakeNow + 15_000); await l.cycle(); }
  const restarted = live(clock, new UpstoxBroker(r.rest, { settlementRetryMs: 0 }), l.journal);
  for (let i = 0; i < 3; i++) { move(fakeNow + 15_000); await restarted.cycle(); }
  assert.equal(settlements(restarted.journal).length, 4, 'settled once across reconciliations and a restart');
  assert.deepEqual(restarted.engine.state.money, l.engine.state.money);

  // Σ daily net = Δ equity. Each day's net from the journaled money (gross + settlement − charges, by IST date);
  // the book is flat at the end, so equity = capital + realised net.
  const days = new Map<string, number>();
  const add = (d: string, x: number) => days.set(d, r2((days.get(d) ?? 0) + x));
  for (const e of restarted.journal) {
    if (e.type === 'money.charges') add(e.date, -e.charges.total);
    if (e.type === 'money.settlement') add(e.date, e.pnl - e.charges.total);
  }
  assert.ok(days.has(istDate(CLOSE)), 'the settlement is the expiry day\'s');
  const sumNet = r2([...days.values()].reduce((a, b) => a + b, 0));
  const m = restarted.engine.state.money.live;
  assert.equal(m.gross, 0, 'no closing trades: held into expiry');
  assert.equal(sumNet, r2(m.net));
  assert.equal(r2(CAPITAL + m.net - CAPITAL), sumNet);
  // And against the broker's own account: its cash moved by the settlement (the fake debits no charges).
  const fundsAfter = await broker.getFunds();
  assert.equal(r2(fundsAfter.availableMargin + fundsAfter.usedMargin - (fundsBefore.availableMargin + fundsBefore.usedMargin)), r2(m.settlement));
  assert.equal(r2(m.settlement - m.charges), sumNet);
});
