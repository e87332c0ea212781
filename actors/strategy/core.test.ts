import { test } from 'node:test';
import assert from 'node:assert/strict';
import { black76Price } from '../domain/black76.ts';
import type { Proposal } from '../domain/proposal.ts';
import { initialState, transition, type StrategyState } from './core.ts';
import { bookOf, condor, EMPTY_BOOK, market, params, RATE, request, type MarketSpec } from './fixtures.ts';
import type { ProposeRequest } from './messages.ts';
import type { StrategyParams } from './params.ts';
import { istEpoch } from './session.ts';
import type { Right } from '../domain/right.ts';

const DAY = '2026-01-07'; // a Wednesday; NIFTY weekly expires Tue 2026-01-13
const at = (hh: number, mm: number, date = DAY) => istEpoch(date, hh * 60 + mm);

function run(state: StrategyState, req: ProposeRequest, p: StrategyParams) {
  return transition(state, { type: 'strategy.propose', body: req }, p);
}

/** 40 cycles a minute apart (RV samples at most once per STRATEGY_RV_SAMPLE_S = 60 s), spot alternating ±amp: the RV history. */
function warmed(p: StrategyParams, amp = 0.00002, date = DAY, startMinute = 9 * 60 + 16): StrategyState {
  let state = initialState();
  for (let i = 0; i < 40; i++) {
    const sign = i % 2 === 0 ? 1 : -1;
    const m = market({ now: istEpoch(date, startMinute) + i * 60_000, nifty: 24_000 * (1 + sign * amp), banknifty: 52_000 * (1 + sign * amp) }, `w${i}`);
    state = run(state, request(m), p).state;
  }
  return state;
}

function cycle(state: StrategyState, spec: MarketSpec, p: StrategyParams, over: Partial<ProposeRequest> = {}, id = 'c1') {
  return run(state, request(market(spec, id), over), p);
}

/** Forward delta by central finite difference of the Black-76 price at a fixed (sticky-strike) vol. */
function fdDelta(type: 'call' | 'put', f: number, k: number, t: number, vol: number): number {
  const h = 0.5;
  return (black76Price(type, f + h, k, t, RATE, vol) - black76Price(type, f - h, k, t, RATE, vol)) / (2 * h);
}

const opens = (ps: readonly Proposal[]) => ps.filter((x) => x.action === 'open');

test('opens a weekly NIFTY condor whose shorts and wings are the strikes nearest the target deltas', () => {
  const p = params();
  const { out } = cycle(warmed(p), { now: at(10, 0) }, p);
  const weekly = opens(out.proposals).find((x) => x.bucket === 'weekly');
  assert.ok(weekly, `expected a weekly entry, skipped: ${JSON.stringify(out.skipped)}`);
  assert.equal(weekly.kind, 'iron_condor');
  assert.equal(weekly.expiry, '2026-01-13');
  assert.equal(weekly.riskIncreasing, true);
  assert.deepEqual(weekly.legs.map((l) => `${l.side} ${l.right}`), ['BUY CE', 'BUY PE', 'SELL CE', 'SELL PE']);

  // Independent check: over every tradable OTM strike, the finite-difference delta nearest the target.
  const m = market({ now: at(10, 0) });
  const chain = m.snapshot.expiries.find((c) => c.expiry === '2026-01-13')!;
  const fit = m.surface.expiries.find((f) => f.expiry === '2026-01-13')!;
  const best = (right: Right, target: number, beyond?: number) => {
    let bestK = Number.NaN; let bestD = Infinity;
    chain.strikes.forEach((k, i) => {
      const otm = right === 'CE' ? k > fit.forward : k < fit.forward;
      const further = beyond === undefined || (right === 'CE' ? k > beyond : k < beyond);
      const bid = (right === 'CE' ? chain.callBid : chain.putBid)[i]!;
      if (!otm || !further || !(bid > 0)) return;
      const d = Math.abs(fdDelta(right === 'CE' ? 'call' : 'put', fit.forward, k, fit.t, fit.vols[i]!));
      if (Math.abs(d - target) < bestD) { bestD = Math.abs(d - target); bestK = k; }
    });
    return bestK;
  };
  const strike = (side: string, right: string) => weekly.legs.find((l) => l.side === side && l.right === right)!.strike;
  const sc = best('CE', 0.16); const sp = best('PE', 0.16);
  assert.equal(strike('SELL', 'CE'), sc);
  assert.equal(strike('SELL', 'PE'), sp);
  assert.equal(strike('BUY', 'CE'), best('CE', 0.05, sc));
  assert.equal(strike('BUY', 'PE'), best('PE', 0.05, sp));
  const r = weekly.rationale;
  assert.ok(Math.abs(Number(r['shortCallDelta']) - fdDelta('call', 24_000, sc, fit.t, fit.vols[chain.strikes.indexOf(sc)]!)) < 1e-6);
  for (const k of ['atmIv', 'realisedVol', 'ivRvRatio', 'creditMid', 'creditTouch', 'maxLossPerUnit', 'lots', 'bucketCapital']) {
    assert.equal(typeof r[k], 'number', `rationale.${k}`);
  }
  assert.equal(weekly.id, 'c1-s0');
});

test('sizes by bucket: whole lots whose max loss plus round-trip charges fit min(per-trade, per-bucket) risk of the bucket capital', () => {
  const p = params();
  const { out } = cycle(warmed(p), { now: at(10, 0) }, p);
  for (const prop of opens(out.proposals)) {
    const q = (side: string, right: string) => prop.legs.find((l) => l.side === side && l.right === right)!;
    const m = market({ now: at(10, 0) });
    const chain = m.snapshot.expiries.find((c) => c.underlying === prop.underlying && c.expiry === prop.expiry)!;
    const quote = (l: { strike: number; right: string }) => {
      const i = chain.strikes.indexOf(l.strike);
      return l.right === 'CE' ? { bid: chain.callBid[i]!, ask: chain.callAsk[i]! } : { bid: chain.putBid[i]!, ask: chain.putAsk[i]! };
    };
    const touch = quote(q('SELL', 'CE')).bid + quote(q('SELL', 'PE')).bid - quote(q('BUY', 'CE')).ask - quote(q('BUY', 'PE')).ask;
    const width = Math.max(q('BUY', 'CE').strike - q('SELL', 'CE').strike, q('SELL', 'PE').strike - q('BUY', 'PE').strike);
    const share = { weekly: 0.4, monthly: 0.4, intraday: 0.2 }[prop.bucket];
    const capital = 1_000_000 * share;
    // The most lots whose max loss (width − credit at the touch) plus the round-trip charges (monotone in the lots;
    // the rationale's, pinned to hand-worked figures in exits.test.ts) fit the budget: one more lot would not.
    const budget = Math.min(capital * p.maxRiskPerTradePct, capital * p.maxRiskPerBucketPct);
    const perLot = (width - touch) * chain.lotSize;
    const roundTrip = Number(prop.rationale['roundTripCharges']);
    const lots = prop.legs[0]!.quantity / chain.lotSize;
    assert.ok(roundTrip > 0 && lots >= 1 && lots <= 10);
    assert.ok(lots * perLot + roundTrip <= budget + 1e-6, `${prop.bucket} ${prop.underlying}: ${lots} lot(s) fit`);
    assert.ok(lots === 10 || (lots + 1) * perLot + roundTrip > budget, `${prop.bucket} ${prop.underlying}: one more lot would not fit`);
    assert.ok(prop.legs.every((l) => l.quantity === lots * chain.lotSize));
  }
  assert.deepEqual(opens(out.proposals).map((x) => `${x.bucket}:${x.underlying}`).sort(), ['intraday:NIFTY', 'monthly:NIFTY', 'weekly:NIFTY']);

  // A small account cannot afford one lot: the refusal is a skip with the numbers, not a proposal.
  const small = params({}, 50_000);
  const r2 = cycle(warmed(small), { now: at(10, 0) }, small);
  assert.equal(opens(r2.out.proposals).length, 0);
  assert.ok(r2.out.skipped.some((s) => s.reason === 'RISK_BUDGET'));
});

test('the bucket budget already used by open structures reduces what a new entry may risk', () => {
  const p = params({ STRATEGY_MAX_OPEN_PER_BUCKET: '2' });
  const used = condor('old', { pw: 23000, ps: 23300, cs: 24700, cw: 25000 }, 40, { maxLoss: 95_000 });
  const { out } = cycle(warmed(p), { now: at(10, 0) }, p, { book: bookOf(used) });
  assert.equal(opens(out.proposals).filter((x) => x.bucket === 'weekly').length, 0);
  assert.ok(out.skipped.some((s) => s.bucket === 'weekly' && s.reason === 'RISK_BUDGET'));
});

test('refuses entries unless the kill switch is NORMAL, but still proposes exits', () => {
  const p = params();
  const s = warmed(p);
  const profitable = condor('x1', { pw: 23000, ps: 23500, cs: 24500, cw: 25000 }, 500);
  for (const state of ['DEGRADED', 'HALTED'] as const) {
    const { out } = cycle(s, { now: at(10, 0) }, p, { killswitch: { state }, book: bookOf(profitable) });
    assert.equal(opens(out.proposals).length, 0, state);
    assert.ok(out.skipped.every((k) => k.reason === 'KILLSWITCH_NOT_NORMAL'));
    assert.deepEqual(out.proposals.map((x) => [x.action, x.structureId, x.riskIncreasing]), [['close', 'x1', false]]);
  }
  // A push that arrives after the cycle's own evaluation is honoured (fail closed).
  const pushed = transition(s, { type: 'killswitch.changed', body: { state: 'DEGRADED' } }, p).state;
  assert.equal(opens(cycle(pushed, { now: at(10, 0) }, p).out.proposals).length, 0);
  const { out } = cycle(s, { now: at(10, 0) }, p, { killswitch: { state: 'EMERGENCY' }, book: bookOf(profitable) });
  assert.equal(out.proposals.length, 0, 'EMERGENCY: the kill switch flattens; the strategy stays out of the way');
});

test('refuses entries on low data quality, a risk breach, outside the window, and late on expiry day', () => {
  const p = params();
  const s = warmed(p);
  const reasons = (r: ReturnType<typeof cycle>) => [...new Set(r.out.skipped.map((k) => k.reason))];
  const low = cycle(s, { now: at(10, 0), quality: 0.5 }, p);
  assert.equal(opens(low.out.proposals).length, 0);
  assert.deepEqual(reasons(low), ['LOW_QUALITY']);
  const breach = cycle(s, { now: at(10, 0) }, p, { risk: { breaches: [{ limit: 'vega', level: 'soft', value: 900, threshold: 800 }] } });
  assert.deepEqual(reasons(breach), ['RISK_LIMITS']);
  const late = cycle(s, { now: at(15, 0) }, p);
  assert.deepEqual(reasons(late), ['OUTSIDE_WINDOW']);

  // On the weekly's own expiry day after the 11:00 cutoff: no entry into that expiry (monthly is another expiry).
  const e = warmed(p, 0.00002, '2026-01-13');
  const r = cycle(e, { now: istEpoch('2026-01-13', 11 * 60 + 30) }, p);
  const weekly = r.out.skipped.filter((k) => k.bucket === 'weekly' || k.bucket === 'intraday');
  assert.deepEqual(weekly.map((k) => k.reason), ['LATE_ON_EXPIRY_DAY', 'LATE_ON_EXPIRY_DAY']);
  assert.deepEqual(opens(r.out.proposals).map((x) => x.bucket), ['monthly']);
  // Before the cutoff the same expiry is allowed.
  const early = cycle(warmed(p, 0.00002, '2026-01-13', 9 * 60 + 30), { now: istEpoch('2026-01-13', 10 * 60 + 30) }, p);
  assert.ok(opens(early.out.proposals).some((x) => x.bucket === 'weekly' && x.expiry === '2026-01-13'));
});

test('refuses entries when implied vol is below realised vol, or realised vol is unknown', () => {
  const p = params();
  const noHistory = cycle(initialState(), { now: at(10, 0) }, p);
  assert.ok(noHistory.out.skipped.every((k) => k.reason === 'RV_UNKNOWN'));
  const wild = cycle(warmed(p, 0.0005), { now: at(10, 0) }, p); // a 10 bp swing every minute ≈ 31 % annualised vs ATM IV 13 %
  assert.equal(opens(wild.out.proposals).length, 0);
  assert.ok(wild.out.skipped.some((k) => k.reason === 'IV_BELOW_RV'));
});

test('does not re-propose an entry slot within the cooldown, and pending entries hold bucket slots', () => {
  const p = params();
  const first = cycle(warmed(p), { now: at(10, 0) }, p);
  assert.equal(opens(first.out.proposals).length, 3);
  const again = cycle(first.state, { now: at(10, 0) + 3000 }, p, {}, 'c2');
  assert.equal(opens(again.out.proposals).length, 0);
  // The NIFTY monthly entry awaiting the book still counts against the bucket's cap, so BANKNIFTY is not opened.
  assert.ok(again.out.skipped.some((k) => k.bucket === 'monthly' && k.underlying === 'BANKNIFTY' && k.reason === 'MAX_OPEN'));

  const roomy = params({ STRATEGY_MAX_OPEN_PER_BUCKET: '5', STRATEGY_MAX_RISK_PER_BUCKET_PCT: '1', STRATEGY_MAX_ENTRIES_PER_DAY: '10' });
  const r1 = cycle(warmed(roomy), { now: at(10, 0) }, roomy);
  const r2 = cycle(r1.state, { now: at(10, 0) + 3000 }, roomy, {}, 'c2');
  assert.deepEqual(r2.out.skipped.map((k) => k.reason), ['COOLDOWN', 'COOLDOWN', 'COOLDOWN', 'COOLDOWN']);
  const r3 = cycle(r2.state, { now: at(10, 0) + roomy.cooldownMs }, roomy, {}, 'c3');
  assert.ok(opens(r3.out.proposals).length > 0, 'after the cooldown the slot may be proposed again');
});

test('exits: profit target at mid, stop loss, time exit and short-strike breach at the touch', () => {
  const p = params();
  const s = warmed(p);
  const strikes = { pw: 23000, ps: 23500, cs: 24500, cw: 25000 };
  const m = market({ now: at(10, 0) });
  const chain = m.snapshot.expiries[0]!;
  const mid = (k: number, r: Right) => {
    const i = chain.strikes.indexOf(k);
    return r === 'CE' ? (chain.callBid[i]! + chain.callAsk[i]!) / 2 : (chain.putBid[i]! + chain.putAsk[i]!) / 2;
  };
  const debit = mid(24500, 'CE') + mid(23500, 'PE') - mid(25000, 'CE') - mid(23000, 'PE');
  const book = (credit: number) => (bookOf(condor('x', strikes, credit)));
  const one = (r: ReturnType<typeof cycle>) => r.out.proposals.filter((x) => x.structureId === 'x');

  // Captured = credit − debit. Target 50 %: credit 2.2·debit captures 55 %; credit 1.8·debit only 44 %.
  const hit = one(cycle(s, { now: at(10, 0) }, p, { book: book(2.2 * debit) }));
  assert.equal(hit[0]?.rationale['exit'], 'profit');
  assert.equal(hit[0]?.riskIncreasing, false);
  assert.deepEqual(hit[0]?.legs.map((l) => l.side), ['BUY', 'BUY', 'SELL', 'SELL']);
  assert.deepEqual(hit[0]?.legs.filter((l) => l.side === 'BUY').map((l) => l.strike).sort(), [23500, 24500], 'buy back the shorts');
  assert.equal(one(cycle(s, { now: at(10, 0) }, p, { book: book(1.8 * debit) })).length, 0);

  // Stop at loss ≥ 2 × credit: credit = debit/3.2 loses 2.2×; credit = debit/2.8 loses 1.8×.
  const stop = one(cycle(s, { now: at(10, 0) }, p, { book: book(debit / 3.2) }));
  assert.equal(stop[0]?.rationale['exit'], 'stop');
  const shortCallClose = stop[0]!.legs.find((l) => l.strike === 24500)!;
  const i = chain.strikes.indexOf(24500);
  assert.equal(shortCallClose.limitPrice, chain.callAsk[i], 'stop buys back at the ask');
  assert.equal(one(cycle(s, { now: at(10, 0) }, p, { book: book(debit / 2.8) })).length, 0);

  // Time exit: within 60 minutes of the weekly's close (15:30 IST on 13 Jan 2026, before the 15:40 change).
  const t = one(cycle(warmed(p, 0.00002, '2026-01-13'), { now: istEpoch('2026-01-13', 14 * 60 + 45) }, p, { book: book(1.2 * debit) }));
  assert.equal(t[0]?.rationale['exit'], 'time');

  // Breach: spot above the short call.
  const b = one(cycle(s, { now: at(10, 0), nifty: 24_550 }, p, { book: book(debit) }));
  assert.equal(b[0]?.rationale['exit'], 'breach');
  assert.equal(b[0]?.rationale['breachedStrike'], 24500);
});

test('the intraday bucket is closed from 15:10 IST', () => {
  const p = params();
  const st = condor('i1', { pw: 23000, ps: 23500, cs: 24500, cw: 25000 }, 60, { bucket: 'intraday', kind: 'strangle' });
  const before = cycle(warmed(p), { now: at(15, 5) }, p, { book: bookOf(st) });
  assert.equal(before.out.proposals.filter((x) => x.structureId === 'i1').length, 0);
  const after = cycle(warmed(p), { now: at(15, 10) }, p, { book: bookOf(st) });
  assert.equal(after.out.proposals.find((x) => x.structureId === 'i1')?.rationale['exit'], 'time');
});

test('rolls the untested put side up when the short call is tested, and proposes it once per cooldown', () => {
  const p = params();
  // Short call just OTM (Δ ≈ 0.35, tested), short put far OTM (|Δ| well under 0.16). Credit chosen so no exit fires.
  const st = condor('r1', { pw: 23200, ps: 23400, cs: 24100, cw: 24400 }, 120);
  const { out, state } = cycle(warmed(p), { now: at(10, 0) }, p, { book: bookOf(st) });
  const roll = out.proposals.find((x) => x.structureId === 'r1');
  assert.equal(roll?.action, 'adjust', JSON.stringify(roll?.rationale));
  assert.equal(roll.riskIncreasing, true);
  assert.equal(roll.rationale['testedRight'], 'CE');
  const sides = roll.legs.map((l) => `${l.side} ${l.right} ${l.strike}`);
  const newShort = Number(roll.rationale['newShortStrike']);
  const newWing = Number(roll.rationale['newWingStrike']);
  assert.ok(newShort > 23400 && newShort < 24100, `new put short ${newShort}`);
  assert.ok(newWing < newShort);
  assert.deepEqual(sides, ['BUY PE 23400', `BUY PE ${newWing}`, 'SELL PE 23200', `SELL PE ${newShort}`]);
  assert.ok(Math.abs(Math.abs(Number(roll.rationale['newShortDelta'])) - 0.16) < 0.03);
  const again = cycle(state, { now: at(10, 0) + 3000 }, p, { book: bookOf(st) }, 'c2');
  assert.equal(again.out.proposals.filter((x) => x.structureId === 'r1').length, 0);
  // Not under DEGRADED: a roll sells new options.
  const degraded = cycle(warmed(p), { now: at(10, 0) }, p, { killswitch: { state: 'DEGRADED' }, book: bookOf(st) });
  assert.equal(degraded.out.proposals.length, 0);
});

test('a roll must fit risk\'s soft limits, also after its BUY legs, and is never proposed under a breach', () => {
  const p = params();
  const st = condor('r1', { pw: 23200, ps: 23400, cs: 24100, cw: 24400 }, 120);
  const book = bookOf(st);
  const limits = (delta: number) => [
    // Delta in the risk actor's unit, ₹ per 1 % move (soft 12,000 at the ₹10 lakh default).
    { name: 'delta', value: delta, soft: 12_000 }, { name: 'vega', value: 100, soft: 800 },
    { name: 'gamma', value: 100, soft: 8000 }, { name: 'theta', value: 100, soft: 8000 },
  ];
  // Room: the roll is proposed.
  const ok = cycle(warmed(p), { now: at(10, 0) }, p, { book, risk: { breaches: [], limits: limits(0) } });
  assert.equal(ok.out.proposals.find((x) => x.structureId === 'r1')?.action, 'adjust');
  // The book's delta already at its soft level: buying the put wing and the old put back (the BUY legs go first)
  // moves it further: no roll.
  const full = cycle(warmed(p), { now: at(10, 0) }, p, { book, risk: { breaches: [], limits: limits(11_999) } });
  assert.equal(full.out.proposals.filter((x) => x.structureId === 'r1').length, 0, JSON.stringify(full.out.proposals.map((x) => [x.action, x.reason])));
  // Any breach (soft or hard) in the report: no roll, as for entries (the breach gets a reducing proposal instead).
  const breached = cycle(warmed(p), { now: at(10, 0) }, p, { book, risk: { breaches: [{ limit: 'vega', level: 'soft', value: 900, threshold: 800 }], limits: limits(0) } });
  assert.equal(breached.out.proposals.filter((x) => x.structureId === 'r1' && x.riskIncreasing).length, 0);
});

test('no entry while another entry is still opening: risk\'s headroom does not hold its legs yet', () => {
  const p = params();
  const opening = condor('o1', { pw: 23200, ps: 23400, cs: 24600, cw: 24800 }, 0, { status: 'opening', bucket: 'monthly' });
  const { out } = cycle(warmed(p), { now: at(10, 0) }, p, { book: bookOf(opening) });
  assert.equal(opens(out.proposals).length, 0);
  const weekly = out.skipped.find((x) => x.bucket === 'weekly');
  assert.equal(weekly?.reason, 'RISK_HEADROOM', JSON.stringify(out.skipped));
  assert.match(weekly.detail, /o1 still opening/);
  // Once it is open (in the positions the report measures), entries size against the report again.
  const open = cycle(warmed(p), { now: at(10, 0) }, p, { book: bookOf({ ...opening, status: 'open' }) });
  assert.ok(opens(open.out.proposals).some((x) => x.bucket === 'weekly'), JSON.stringify(open.out.skipped));
});

test('a snapshot older than one acted on is refused as bad data: nothing proposed, counted, state kept (never a throw)', () => {
  const p = params();
  const acted = cycle(warmed(p), { now: at(10, 0) }, p);
  assert.ok(opens(acted.out.proposals).length > 0, 'the 10:00 cycle proposes (the refusal below is not a quiet market)');
  // An hour earlier, as a simulated market that restarted from its start would deliver it (issue 14).
  const older = cycle(acted.state, { now: at(9, 0) }, p, {}, 'c2');
  assert.deepEqual(older.out.proposals, []);
  assert.deepEqual(older.out.older, { input: 'snapshot', ts: at(9, 0), lastTs: at(10, 0) });
  assert.deepEqual([...new Set(older.out.skipped.map((k) => k.reason))], ['STALE_MARKET']);
  assert.match(older.out.skipped[0]!.detail, /3600\.000 s older than the latest seen/);
  assert.equal(older.state.olderRefused, 1);
  // What was learnt from the market is untouched: realised vol series, cooldowns and the latest time.
  assert.equal(older.state.lastTs, at(10, 0));
  assert.deepEqual(older.state.rv, acted.state.rv);
  assert.deepEqual(older.state.recent, acted.state.recent);
  // The same instant again is not older; a later one is acted on as usual.
  assert.equal(cycle(older.state, { now: at(10, 0) }, p, {}, 'c3').out.older, undefined);
  const later = cycle(older.state, { now: at(10, 1) }, p, {}, 'c4');
  assert.equal(later.out.older, undefined);
  assert.equal(later.state.lastTs, at(10, 1));
});
