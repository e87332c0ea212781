import { test } from 'node:test';
import assert from 'node:assert/strict';
import { black76Greeks } from '../domain/black76.ts';
import { estimateMargin } from '../domain/margin.ts';
import type { Proposal } from '../domain/proposal.ts';
import { initialState, transition, type StrategyState } from './core.ts';
import { entryLimit } from './entries.ts';
import { market, params, RATE, request } from './fixtures.ts';
import { parseProposeRequest, type ProposeRequest, type RiskView } from './messages.ts';
import type { StrategyParams } from './params.ts';
import { istEpoch } from './session.ts';

const DAY = '2026-01-07';
const NOW = istEpoch(DAY, 10 * 60);

function run(state: StrategyState, req: ProposeRequest, p: StrategyParams) {
  return transition(state, { type: 'strategy.propose', body: req }, p);
}

/** RV history from 40 cycles a minute apart before the window (a tiny alternating move: IV well above RV). */
function warmed(p: StrategyParams): StrategyState {
  let state = initialState();
  for (let i = 0; i < 40; i++) {
    const s = i % 2 === 0 ? 1.00002 : 0.99998;
    const m = market({ now: istEpoch(DAY, 9 * 60 + 16) + i * 60_000, nifty: 24_000 * s, banknifty: 52_000 * s }, `w${i}`);
    state = run(state, request(m), p).state;
  }
  return state;
}

function opensWith(risk: RiskView, env: Record<string, string> = {}): { opens: Proposal[]; skipped: readonly { reason: string; bucket: string; detail: string }[] } {
  const p = params(env);
  const { out } = run(warmed(p), request(market({ now: NOW }), { risk }), p);
  return { opens: out.proposals.filter((x) => x.action === 'open'), skipped: out.skipped };
}

/** Independent: ½·|ΣΓ|·(1 % of spot)² of a proposal's legs on the fixture's smile. */
function gammaInr(prop: Proposal): number {
  const m = market({ now: NOW });
  const fit = m.surface.expiries.find((f) => f.underlying === prop.underlying && f.expiry === prop.expiry)!;
  let g = 0;
  for (const l of prop.legs) {
    const vol = fit.vols[Array.from(fit.strikes).indexOf(l.strike)]!;
    g += (l.side === 'BUY' ? 1 : -1) * l.quantity * black76Greeks(l.right === 'CE' ? 'call' : 'put', fit.forward, l.strike, fit.t, RATE, vol).gamma;
  }
  const spot = prop.underlying === 'NIFTY' ? 24_000 : 52_000;
  return Math.abs(0.5 * g * (0.01 * spot) ** 2);
}

const limit = (name: string, value: number, soft: number) => ({ name, value, limit: soft / 0.8, soft, utilisation: value / (soft / 0.8) });

test('without limits in the risk report, the strategy budget alone sizes (unchanged behaviour)', () => {
  const { opens } = opensWith({ breaches: [] });
  assert.equal(opens.length, 3);
  for (const o of opens) assert.equal(o.rationale['sizingBinding'], 'budget');
});

test('lots are capped so the book stays below the soft gamma limit, shared by every entry in the cycle', () => {
  // The weekly bucket alone (the others off: no lot is kept back for them here; the next test is about that).
  const alone = { STRATEGY_MONTHLY_KIND: 'off', STRATEGY_INTRADAY_KIND: 'off' };
  const free = opensWith({ breaches: [] }, alone).opens;
  const weeklyFree = free.find((o) => o.bucket === 'weekly')!;
  const lotSize = 65;
  const freeLots = weeklyFree.legs[0]!.quantity / lotSize;
  assert.ok(freeLots >= 2, `the free entry must size above the cap for this test, was ${freeLots} lot(s)`);
  const perLot = gammaInr(weeklyFree) / freeLots;
  // Room for half a lot less than the budget alone allows, after 1 000 already used.
  const soft = 1_000 + (freeLots - 0.5) * perLot;
  const { opens } = opensWith({ breaches: [], limits: [limit('gamma', 1_000, soft)] }, alone);
  const weekly = opens.find((o) => o.bucket === 'weekly')!;
  assert.equal(weekly.legs[0]!.quantity, (freeLots - 1) * lotSize);
  assert.equal(weekly.rationale['sizingBinding'], 'gamma');
  const total = opens.reduce((a, o) => a + gammaInr(o), 0);
  assert.ok(1_000 + total <= soft, `book gamma ${1_000 + total} must stay below the soft level ${soft}`);
  // With the intraday bucket on too, what is left after both is not enough for more: the numbers are in the skip.
  const both = { STRATEGY_MONTHLY_KIND: 'off' };
  const tight = opensWith({ breaches: [], limits: [limit('gamma', 1_000, 1_000 + 0.5 * perLot)] }, both);
  assert.equal(tight.opens.length, 0);
  assert.ok(tight.skipped.some((s) => s.reason === 'RISK_HEADROOM' && /gamma headroom/.test(s.detail)), JSON.stringify(tight.skipped));
});

test('the first bucket to enter keeps one lot of headroom for every other configured bucket that holds nothing yet', () => {
  const env = { STRATEGY_MONTHLY_UNDERLYINGS: 'NIFTY' };
  const free = opensWith({ breaches: [] }, env).opens;
  assert.deepEqual(free.map((o) => o.bucket).sort(), ['intraday', 'monthly', 'weekly']);
  const lotSize = 65;
  const perLot = (b: string) => { const o = free.find((x) => x.bucket === b)!; return gammaInr(o) / (o.legs[0]!.quantity / lotSize); };
  assert.ok(free.find((o) => o.bucket === 'weekly')!.legs[0]!.quantity > lotSize, 'the weekly budget alone would size more than one lot');
  // Room for one lot of each, and half a weekly lot to spare: the weekly must not take the others' room.
  const soft = perLot('weekly') * 1.5 + perLot('monthly') + perLot('intraday');
  const { opens, skipped } = opensWith({ breaches: [], limits: [limit('gamma', 0, soft)] }, env);
  assert.deepEqual(opens.map((o) => `${o.bucket}:${o.legs[0]!.quantity / lotSize}`).sort(), ['intraday:1', 'monthly:1', 'weekly:1'], JSON.stringify(skipped));
  assert.equal(opens.find((o) => o.bucket === 'weekly')!.rationale['reservedForBuckets'], 'monthly,intraday');
  assert.ok(opens.reduce((a, o) => a + gammaInr(o), 0) <= soft);
});

test('when the room cannot hold one lot for every empty bucket, the first configured bucket enters with one lot (no bucket waits on the others forever)', () => {
  const env = { STRATEGY_MONTHLY_UNDERLYINGS: 'NIFTY' };
  const free = opensWith({ breaches: [] }, env).opens;
  const lotSize = 65;
  const perLot = (b: string) => { const o = free.find((x) => x.bucket === b)!; return gammaInr(o) / (o.legs[0]!.quantity / lotSize); };
  // Room for one and a half weekly lots: not one lot of each of the three buckets. Kept, the reservations left every
  // bucket waiting on the other two — nothing entered at all.
  const soft = perLot('weekly') * 1.5;
  assert.ok(soft < perLot('weekly') + perLot('monthly') + perLot('intraday'));
  const { opens, skipped } = opensWith({ breaches: [], limits: [limit('gamma', 0, soft)] }, env);
  assert.deepEqual(opens.map((o) => `${o.bucket}:${o.legs[0]!.quantity / lotSize}`), ['weekly:1'], JSON.stringify(skipped));
  assert.equal(opens[0]!.rationale['reservedForBuckets'], '', 'nothing could be kept for the others');
  assert.ok(gammaInr(opens[0]!) <= soft);
  // The others size on what is left, and say so.
  assert.ok(skipped.some((x) => x.bucket === 'monthly' && x.reason === 'RISK_HEADROOM'), JSON.stringify(skipped));
});

test('the bucket charge (max of max loss and margin) is capped by what the risk actor says is available', () => {
  const weeklyFree = opensWith({ breaches: [] }).opens.find((o) => o.bucket === 'weekly')!;
  const lotSize = 65;
  const oneLot = weeklyFree.legs.map((l) => ({ underlying: l.underlying, expiry: l.expiry, strike: l.strike, right: l.right, side: l.side, quantity: lotSize }));
  const margin = estimateMargin(oneLot, { NIFTY: 24_000 }).required;
  const freeLots = weeklyFree.legs[0]!.quantity / lotSize;
  assert.ok(freeLots >= 2, `the free entry must size above the cap for this test, was ${freeLots} lot(s)`);
  const available = (freeLots - 0.5) * Math.max(margin, Number(weeklyFree.rationale['maxLossPerUnit']) * lotSize);
  const buckets = [{ bucket: 'weekly' as const, capital: 400_000, available }];
  const weekly = opensWith({ breaches: [], buckets }).opens.find((o) => o.bucket === 'weekly')!;
  assert.equal(weekly.legs[0]!.quantity, (freeLots - 1) * lotSize);
  assert.equal(weekly.rationale['sizingBinding'], 'weekly bucket');
  const none = opensWith({ breaches: [], buckets: [{ bucket: 'weekly', capital: 400_000, available: margin / 2 }] });
  assert.equal(none.opens.some((o) => o.bucket === 'weekly'), false);
  assert.ok(none.skipped.some((s) => s.bucket === 'weekly' && s.reason === 'RISK_HEADROOM'));
});

test('an unmeasurable limit (NaN) leaves no headroom: entries fail closed', () => {
  const { opens, skipped } = opensWith({ breaches: [], limits: [limit('theta', Number.NaN, 8_000)] });
  assert.equal(opens.length, 0);
  assert.ok(skipped.every((s) => s.reason === 'RISK_HEADROOM'));
});

test('malformed sizing fields in the risk report are rejected at the edge', () => {
  const req = request(market({ now: NOW }));
  assert.throws(() => parseProposeRequest({ ...req, risk: { limits: 'x' } }), /expected risk.limits an array, was string/);
  assert.throws(() => parseProposeRequest({ ...req, risk: { limits: [{ name: 'gamma', value: '1' }] } }), /expected risk.limits entries \{name, value, soft\}/);
  assert.throws(() => parseProposeRequest({ ...req, risk: { buckets: [{ bucket: 'weekly', available: 'lots' }] } }), /expected risk.buckets entries/);
});

test('entry limits: mid at 0, the touch at 1 (the default), past it at 2, on the tick grid the aggressive way', () => {
  const o = { instrumentKey: 'k', right: 'CE' as const, strike: 25_000, bid: 40, ask: 40.4, mid: 40.2, vol: 0.12, delta: 0.16 };
  assert.equal(entryLimit(o, 'SELL', 0), 40.2);
  assert.equal(entryLimit(o, 'SELL', 1), 40);
  assert.equal(entryLimit(o, 'BUY', 1), 40.4);
  assert.equal(entryLimit(o, 'BUY', 2), 40.6);
  assert.equal(entryLimit(o, 'SELL', 2), 39.8);
  assert.equal(entryLimit({ ...o, mid: 40.23 }, 'SELL', 0), 40.2);
  assert.equal(entryLimit({ ...o, mid: 40.23 }, 'BUY', 0), 40.25);
  assert.equal(entryLimit({ ...o, bid: 0.05, ask: 0.15, mid: 0.1 }, 'SELL', 2), 0.05);
  assert.equal(params().entryCross, 1);
  const weekly = opensWith({ breaches: [] }).opens.find((x) => x.bucket === 'weekly')!;
  const chain = market({ now: NOW }).snapshot.expiries.find((c) => c.expiry === weekly.expiry && c.underlying === 'NIFTY')!;
  for (const l of weekly.legs) {
    const i = Array.from(chain.strikes).indexOf(l.strike);
    const touch = l.side === 'BUY' ? (l.right === 'CE' ? chain.callAsk : chain.putAsk)[i] : (l.right === 'CE' ? chain.callBid : chain.putBid)[i];
    assert.equal(l.limitPrice, touch, `${l.side} ${l.strike}${l.right} priced at the touch`);
  }
});
