/**
 * Issue 14, expiry settlement on paper (whole system: real workers, LMDB, the simulated market at high SIM_SPEED): a
 * short in-the-money NIFTY call placed on the paper account outside VolGuard on an expiry day is adopted (SEMI_AUTO:
 * its exit waits for a human, so it is held) at the broker's average price and sign, and after the close it settles
 * at the final settlement price — the index's close — with (intrinsic − average) × quantity booked to the rupee in
 * `money.settlement`, on the exchange's books too; never "closed outside VolGuard" for ₹0.
 *
 * The expected settlement price comes from a separate SimMarket copy (SimMarket is pure in seed, session and time):
 * NIFTY's spot at the session's last simulated step, read with `spot()` — not through the code under test.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ManualClock } from '../../runtime/clock.ts';
import { nextSessionOpen, previousTradingDay, sessionCloseMs, sessionOpenMs, upcomingExpiries } from '../../actors/domain/calendar.ts';
import { SimMarket } from '../../actors/venues/sim/market.ts';
import { PaperBroker } from '../../actors/venues/sim/paper/exchange.ts';
import { SimQuotes } from '../../actors/venues/sim/paper/sim-quotes.ts';
import { baseEnv, journalDump, placeOutsideOrder, SEED, startSafetySystem, tempDataDir } from './safety-system.ts';

const cleanups: Array<() => void> = [];
after(() => cleanups.forEach((c) => c()));

// The first NIFTY expiry from the next session on. The outside order goes in on the trading day before; the system
// starts before the expiry day's open (a simulated start inside a session makes every sim copy replay the session
// from its open in init) and runs the whole expiry day at SIM_SPEED 300 (~80 s).
const EXPIRY = upcomingExpiries('NIFTY', nextSessionOpen(Date.now()), 1)[0]!.expiry;
const T0 = sessionOpenMs(previousTradingDay(EXPIRY)) + 5 * 60_000;
const CLOSE = sessionCloseMs(EXPIRY);
const T1 = sessionOpenMs(EXPIRY) - 10 * 60_000;

test('a short ITM call held into expiry settles at the index close, to the rupee, on both books', async () => {
  const { dir, cleanup } = tempDataDir('settle');
  cleanups.push(cleanup);
  // The expiry day's market as the system will see it (the feed's and the executor's copies start at T1 too).
  const day = new SimQuotes({ seed: SEED, startMs: T1 });
  const chain = day.market.chains().find((c) => c.underlying === 'NIFTY' && c.expiry === EXPIRY)!;
  const spot = day.market.spot('NIFTY');
  // The strike nearest 1.5 % below spot: in the money by ~360 points, far more than NIFTY moves in a day here.
  let i = 0;
  chain.strikes.forEach((k, j) => {
    if (Math.abs(k - spot * 0.985) < Math.abs(chain.strikes[i]! - spot * 0.985)) i = j;
  });
  const key = chain.callKeys[i]!;
  const strike = chain.strikes[i]!;
  const quantity = chain.lotSize;
  await placeOutsideOrder(dir, key, 'SELL', quantity, T0);
  const sim = new SimQuotes({ seed: SEED, startMs: T0 });
  const exchange = new PaperBroker({ dir: path.join(dir, 'paper'), clock: new ManualClock(T0), quotes: sim.quote, instruments: sim.rules, capital: 10_000_000 });
  const held = (await exchange.getPositions()).find((p) => p.instrumentKey === key)!;
  await exchange.close();
  assert.equal(held.quantity, -quantity);

  // The independent settlement price: NIFTY at the session's last step before the close.
  const copy = new SimMarket({ seed: SEED, startMs: T1 });
  copy.advanceTo(CLOSE - 1);
  const settlementPrice = copy.spot('NIFTY');
  const intrinsic = Math.max(0, settlementPrice - strike);
  assert.ok(intrinsic > 0, `expected the ${strike} call in the money at ${settlementPrice}`);
  // (intrinsic − average) × signed quantity, to the paisa: the short loses what the call is worth above its premium.
  const expected = Math.round((intrinsic - held.averagePrice) * -quantity * 100) / 100;

  const s = await startSafetySystem(dir, { ...baseEnv(dir), SIM_START: new Date(T1).toISOString(), SIM_SPEED: '300' });
  try {
    // Waits are bounded by market time (the cycles' snapshots), never by wall time.
    const marketNow = (): number => s.cycle.state.snapshot?.ts ?? 0;
    // Adopted at the broker's average and sign (not a mark, not the absolute quantity). A busy executor may not
    // answer a read in time (503): ask again next cycle.
    let adopted: { quantity: number; averagePrice: number; structureId: string | null } | undefined;
    while (adopted === undefined && marketNow() < CLOSE) {
      await s.cycles(1);
      const r = await s.api<{ positions?: Array<{ instrumentKey: string; quantity: number; averagePrice: number; structureId: string | null }> }>('GET', '/api/v1/positions');
      adopted = r.body.positions?.find((x) => x.instrumentKey === key);
    }
    assert.deepEqual([adopted?.quantity, adopted?.averagePrice, adopted?.structureId], [-quantity, held.averagePrice, 'adopted']);
    let settled: Array<{ body: any }> = [];
    while (settled.length === 0 && marketNow() < CLOSE + 3_600_000) {
      await s.cycles(1);
      settled = await journalDump(s.cfg.DATA_DIR, 'money.settlement');
    }
    assert.equal(settled.length, 1, 'one settlement for the one position');
    const b = settled[0]!.body;
    assert.deepEqual(
      [b.instrumentKey, b.expiry, b.strike, b.right, b.quantity, b.averagePrice, b.settlementPrice, b.pnl, b.charges.total, b.structureId, b.shadow],
      [key, EXPIRY, strike, 'CE', -quantity, held.averagePrice, settlementPrice, expected, 0, 'adopted', false],
    );
    const book = await s.system.request<{ positions: unknown[]; realised: { settlement: number; net: number } }>('executor', 'executor.book', {});
    assert.deepEqual(book.positions, []);
    assert.equal(book.realised.settlement, expected);
    const journal = await journalDump(s.cfg.DATA_DIR);
    assert.ok(!journal.some((r) => r.type === 'executor.positionExternallyClosed'), 'never "closed outside" for ₹0');
    // Every order VolGuard executed meanwhile (if any) was charged.
    const filled = new Set(journal.filter((r) => r.type === 'executor.orderUpdated' && r.body.filledQuantity > 0).map((r) => r.body.clientOrderId));
    const charged = new Set(journal.filter((r) => r.type === 'money.charges').map((r) => r.body.orderId));
    assert.deepEqual([...charged].sort(), [...filled].sort());
  } finally {
    await s.stop();
  }
  // The exchange booked the same: flat, the settlement realised.
  const after = new PaperBroker({ dir: path.join(dir, 'paper'), clock: new ManualClock(CLOSE + 60_000), quotes: sim.quote, instruments: sim.rules, capital: 10_000_000 });
  const p = (await after.getPositions()).find((x) => x.instrumentKey === key)!;
  await after.close();
  assert.deepEqual([p.quantity, Math.round(p.realisedPnl * 100) / 100], [0, expected]);
});
