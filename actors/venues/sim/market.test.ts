import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimMarket, STEP_MS } from './market.ts';
import { istInstant, weekday } from '../../domain/calendar.ts';
import { defaultSimStart, simClockSpec } from './start.ts';
import { black76 } from './pricing.ts';

const OPEN = istInstant('2026-11-23', 9 * 60 + 15);

test('same seed and start give the same ticks however the market is advanced', () => {
  const a = new SimMarket({ seed: 7, startMs: OPEN });
  const b = new SimMarket({ seed: 7, startMs: OPEN });
  a.advanceTo(OPEN + 600_000);
  for (let t = OPEN; t <= OPEN + 600_000; t += 3 * STEP_MS + 17) b.advanceTo(t);
  b.advanceTo(OPEN + 600_000);
  assert.equal(a.now, b.now);
  assert.deepEqual(a.snapshotTicks(), b.snapshotTicks());
  const c = new SimMarket({ seed: 8, startMs: OPEN });
  c.advanceTo(OPEN + 600_000);
  assert.notEqual(c.spot('NIFTY'), a.spot('NIFTY'));
});

test('copies started at different times of the same session agree (feed and paper exchange)', () => {
  const a = new SimMarket({ seed: 5, startMs: OPEN + 3_600_123 });
  const b = new SimMarket({ seed: 5, startMs: OPEN + 7 });
  b.advanceTo(OPEN + 3_700_000);
  a.advanceTo(OPEN + 3_700_000);
  assert.deepEqual(a.snapshotTicks(), b.snapshotTicks());
});

test('copies agree across a night and a relisting', () => {
  const a = new SimMarket({ seed: 3, startMs: OPEN + 6 * 3600_000 });
  const b = new SimMarket({ seed: 3, startMs: OPEN + 6 * 3600_000 });
  a.advanceTo(OPEN + 86_400_000 * 2 + 60_000);
  b.advanceTo(OPEN + 3600_000 * 7);
  b.advanceTo(OPEN + 86_400_000 * 2 + 60_000);
  assert.deepEqual(a.chains().map((c) => c.expiry), b.chains().map((c) => c.expiry));
  assert.deepEqual(a.snapshotTicks(), b.snapshotTicks());
});

test('chains follow the calendar: NIFTY 4 Tuesday-rule expiries, BANKNIFTY 2 monthlies, 2026 lots', () => {
  const m = new SimMarket({ seed: 1, startMs: OPEN });
  const chains = m.chains();
  assert.deepEqual(chains.map((c) => `${c.underlying} ${c.expiry} ${c.kind}`), [
    'NIFTY 2026-11-23 monthly', 'NIFTY 2026-12-01 weekly', 'NIFTY 2026-12-08 weekly', 'NIFTY 2026-12-15 weekly',
    'BANKNIFTY 2026-11-23 monthly', 'BANKNIFTY 2026-12-29 monthly',
  ]);
  for (const c of chains) {
    assert.ok(weekday(c.expiry) === 2 || c.expiry === '2026-11-23', c.expiry); // 24 Nov holiday → Monday
    assert.equal(c.lotSize, c.underlying === 'NIFTY' ? 65 : 30);
    const step = c.underlying === 'NIFTY' ? 50 : 100;
    assert.ok(c.strikes.every((k) => k % step === 0));
  }
  // After the Monday expiry's close, the next session lists the following expiries.
  m.advanceTo(istInstant('2026-11-25', 9 * 60 + 16));
  assert.equal(m.chains()[0]?.expiry, '2026-12-01');
  assert.equal(m.chains().filter((c) => c.underlying === 'NIFTY').length, 4);
  assert.equal(m.chains().at(-1)?.expiry, '2027-01-25');
});

test('quotes are on the ₹0.05 tick, two-sided, near the model mid, wider in the wings', () => {
  const m = new SimMarket({ seed: 1, startMs: OPEN });
  m.advanceTo(OPEN + 120_000);
  const chain = m.chains()[1]!;
  const smile = m.smile('NIFTY', chain.expiry)!;
  let atmRel = 0;
  let wingRel = 0;
  for (let j = 0; j < chain.strikes.length; j++) {
    const k = chain.strikes[j]!;
    const q = m.quote(chain.callKeys[j]!)!;
    assert.ok(q.bid > 0 && q.ask > q.bid, `${k}: ${q.bid}/${q.ask}`);
    for (const p of [q.bid, q.ask]) assert.ok(Math.abs(p * 20 - Math.round(p * 20)) < 1e-9, `${p} off tick`);
    assert.equal(q.bidQty % 65, 0);
    const rel = (q.ask - q.bid) / (q.ask + q.bid);
    if (Math.abs(k - smile.forward) < 60) atmRel = rel;
    if (j === chain.strikes.length - 3) wingRel = rel;
  }
  assert.ok(wingRel > atmRel * 2, `wing ${wingRel} vs atm ${atmRel}`);
  // Put-call parity holds on mids within the spreads (the mids come from one forward and one smile).
  const j = chain.strikes.findIndex((k) => k >= smile.forward);
  const c = m.quote(chain.callKeys[j]!)!;
  const p = m.quote(chain.putKeys[j]!)!;
  const k = chain.strikes[j]!;
  const parity = Math.exp(-0.0525 * smile.t) * (smile.forward - k);
  assert.ok(Math.abs((c.bid + c.ask) / 2 - (p.bid + p.ask) / 2 - parity) < (c.ask - c.bid + p.ask - p.bid) + 0.2);
});

test('Black-76 matches an independent value (Hull: F=20, K=20, r=9%, σ=25%, T=4/12 put = 1.1166)', () => {
  assert.ok(Math.abs(black76(false, 20, 20, 4 / 12, 0.09, 0.25) - 1.1166) < 1e-4);
});

test('the default start is in session: now when open, else the next 09:15 IST', () => {
  const sat = istInstant('2026-11-21', 12 * 60);
  assert.equal(defaultSimStart(sat), istInstant('2026-11-23', 555));
  const inSession = istInstant('2026-11-23', 11 * 60);
  assert.equal(defaultSimStart(inSession), inSession);
  assert.deepEqual(simClockSpec({ SIM_SPEED: 10 }, sat), { kind: 'scaled', simStartMs: istInstant('2026-11-23', 555), wallStartMs: sat, speed: 10, originMs: istInstant('2026-11-23', 555) });
});

test('a market resumed from a checkpoint (through msgpack, as the journal stores it) is the uninterrupted one, step for step', async () => {
  const { Packr } = await import('msgpackr');
  const packr = new Packr({ useRecords: false, moreTypes: true });
  // Checkpoints mid-session, at the close, overnight (a jump that did not step) and after a relisting.
  const at = [OPEN + 2 * 3600_000 + 1234, OPEN + 6 * 3600_000 + 14 * 60_000, OPEN + 20 * 3600_000, OPEN + 86_400_000 + 3 * 3600_000];
  const end = OPEN + 2 * 86_400_000 + 30 * 60_000; // two nights later: overnight gaps and relistings after the resume
  const whole = new SimMarket({ seed: 7, startMs: OPEN });
  for (const t of at) {
    whole.advanceTo(t);
    const cp = packr.unpack(packr.pack(whole.checkpoint()));
    const resumed = new SimMarket({ seed: 7, startMs: OPEN, from: cp });
    assert.equal(resumed.now, whole.now);
    assert.deepEqual(resumed.snapshotTicks(), whole.snapshotTicks(), `at ${new Date(t).toISOString()}`);
    const fresh = new SimMarket({ seed: 7, startMs: OPEN });
    fresh.advanceTo(end);
    resumed.advanceTo(end);
    assert.equal(resumed.now, fresh.now);
    assert.deepEqual(resumed.snapshotTicks(), fresh.snapshotTicks(), `resumed at ${new Date(t).toISOString()}`);
    assert.deepEqual(resumed.chains(), fresh.chains());
    assert.equal(resumed.vix(), fresh.vix());
    // The closes behind settlement prices: the session days before the resume and after it.
    assert.equal(resumed.closeOn('NIFTY', '2026-11-23'), fresh.closeOn('NIFTY', '2026-11-23')); // (the 24th is a holiday)
    assert.ok(resumed.closeOn('BANKNIFTY', '2026-11-23') !== undefined && resumed.closeOn('BANKNIFTY', '2026-11-23') === fresh.closeOn('BANKNIFTY', '2026-11-23'));
    assert.deepEqual(resumed.drainChanged(), fresh.drainChanged());
  }
});

test('a checkpoint of another market, or a damaged one, is refused whole with what differs', () => {
  const m = new SimMarket({ seed: 7, startMs: OPEN });
  m.advanceTo(OPEN + 60_000);
  const cp = m.checkpoint();
  assert.throws(() => new SimMarket({ seed: 8, startMs: OPEN, from: cp }), /expected a checkpoint of this market, seed 8, was 7/);
  assert.throws(() => new SimMarket({ seed: 7, startMs: OPEN + 86_400_000, from: cp }), /anchored at 2026-11-2\dT03:45:00.000Z, was 2026-11-23T03:45:00.000Z/);
  assert.throws(() => new SimMarket({ seed: 7, startMs: OPEN, market: { rate: 0.06, variance: { overnight: 0.2, weekendDay: 0, holiday: 0, tradingDaysPerYear: 252 } }, from: cp }), /built with/);
  assert.throws(() => new SimMarket({ seed: 7, startMs: OPEN, from: { ...cp, quotes: { ...cp.quotes, bid: cp.quotes.bid.slice(1) } } }), /quotes.bid of \d+ finite numbers/);
  assert.throws(() => new SimMarket({ seed: 7, startMs: OPEN, from: { ...cp, model: { ...cp.model, h: Number.NaN } } }), /finite model state/);
  assert.throws(() => new SimMarket({ seed: 7, startMs: OPEN, from: { ...cp, ring: cp.ring.slice(1) } }), /a ring of 64 slots/);
  assert.throws(() => new SimMarket({ seed: 7, startMs: OPEN, from: { ...cp, closes: [['yesterday', 1, 2]] } }), /closes of \[date, NIFTY, BANKNIFTY\]/);
});
