/**
 * Issue 14 "Expiry settlement" on paper with the Upstox feed, the whole system: FEED=upstox SAFETY_MODE=paper against
 * the real-scale fake on loopback, on a market clock scaled 120× from 13:00 IST of a NIFTY expiry day (shared with the
 * fake). The paper executor is given the Upstox hosts and no credential; a one-lot iron condor filled by the paper
 * exchange against the feed's quotes is held through the close. The final settlement price is the fake's index
 * day-candle close (calm market: NIFTY 26,000), read without a token: the executor books each leg once at it
 * (money.settlement), the paper exchange settles its own positions at it (`settle` records in its books), nothing is
 * left pending and the kill switch never hears of an overdue settlement. Before the fix the paper executor had no
 * settlement price on FEED=upstox: the legs waited forever (SETTLEMENT_OVERDUE 18 h after every expiry).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestSystem, type TestSystem } from '../fixtures/run-system.ts';
import { journalDump } from './safety-system.ts';
import { EXPIRY_DAY_ENV, expiringChainReady, expiryDay, openExpiryCondor, until } from './upstox-expiry-day.ts';

const TOKEN = 'tok-paper-settle-0123456789abcdef';

interface BookView {
  structures: { id: string; kind: string; status: string; closeReason?: string }[];
  positions: { instrumentKey: string; quantity: number; averagePrice: number }[];
  realised: { settlement: number };
  settlementPending?: unknown[];
}
const r2 = (x: number) => Math.round(x * 100) / 100;

test('paper on the Upstox feed, whole system: a condor held through an expiry is settled once at the index day-candle close by the executor and by the paper exchange; nothing pending afterwards', { timeout: 240_000 }, async () => {
  const day = await expiryDay(TOKEN);
  const { expiry, fake } = day;
  const CLOSE = day.close;
  const env = {
    ...EXPIRY_DAY_ENV,
    // The token is the feed's; the paper executor is given the hosts only (tree.test.ts).
    FEED: 'upstox', SAFETY_MODE: 'paper', UPSTOX_BASE_URL: fake.url, UPSTOX_ACCESS_TOKEN: TOKEN, UPSTOX_TIMEOUT_MS: '2000',
    BASE_CAPITAL: '10000000',
  };
  let sys: TestSystem | undefined;
  try {
    sys = await startTestSystem(env, { clockSpec: day.spec });
    const s = sys;
    const dataDir = s.cfg.DATA_DIR;
    s.cycle.stopTrading();
    const ready = await expiringChainReady(s, day);
    assert.equal(ready.killswitch?.state, 'NORMAL', JSON.stringify(ready.killswitch));
    // On paper FULL_AUTO applies at once (only live needs a separate approval).
    const granted = await s.api('POST', '/api/v1/phase', { phase: 'FULL_AUTO', approver: 'test-requester', reason: 'test: held into expiry' });
    assert.equal(granted.status, 200, JSON.stringify(granted.body));

    const { open, legs, lotSize } = await openExpiryCondor<BookView>(s, day, 'ic-paper-expiry-sys');
    const book = () => s.system.request<BookView>('executor', 'executor.book', {});
    const avg = Object.fromEntries(open.positions.map((p) => [p.instrumentKey, p.averagePrice]));

    // Through the close — or an hour of market time past it, and the assertions say what waits.
    const settledBook = await until(s, book, (b) => b.structures.some((x) => x.kind === 'iron_condor' && x.status === 'closed') || day.clock.now() > CLOSE + 60 * 60_000);
    assert.deepEqual(settledBook.settlementPending ?? [], [], 'nothing waits');
    assert.equal(settledBook.structures.find((x) => x.kind === 'iron_condor')!.closeReason, 'settled');
    assert.deepEqual(settledBook.positions.filter((p) => p.quantity !== 0), []);
    const rows = (await journalDump(dataDir, 'money.settlement')).map((r) => r.body as { instrumentKey: string; pnl: number; settlementPrice: number; charges: { total: number } });
    // Intrinsic at 26,000: 25,900 CE → 100, the others 0; (intrinsic − average) × signed quantity; no exercise STT.
    const q = lotSize;
    const expected: Record<string, number> = {
      [legs[0]!.instrumentKey]: r2((100 - avg[legs[0]!.instrumentKey]!) * -q),
      [legs[1]!.instrumentKey]: r2((0 - avg[legs[1]!.instrumentKey]!) * -q),
      [legs[2]!.instrumentKey]: r2((0 - avg[legs[2]!.instrumentKey]!) * q),
      [legs[3]!.instrumentKey]: r2((0 - avg[legs[3]!.instrumentKey]!) * q),
    };
    assert.deepEqual(Object.fromEntries(rows.map((r) => [r.instrumentKey, r.pnl])), expected);
    assert.ok(rows.every((r) => r.settlementPrice === 26_000 && r.charges.total === 0));
    assert.equal(r2(settledBook.realised.settlement), r2(Object.values(expected).reduce((a, b) => a + b, 0)));

    // The paper exchange settled its own positions at the same price (its books: one `settle` record a contract).
    const paperSettled = await until(s, async () => readFileSync(path.join(dataDir, 'paper', 'orders.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"k":"settle"')).map((l) => JSON.parse(l) as { instrumentKey: string; settlementPrice: number; value: number }), (x) => x.length >= 4);
    assert.deepEqual(paperSettled.map((r) => [r.instrumentKey, r.settlementPrice, r.value]).sort(), [
      [legs[0]!.instrumentKey, 26_000, 100], [legs[1]!.instrumentKey, 26_000, 0], [legs[2]!.instrumentKey, 26_000, 0], [legs[3]!.instrumentKey, 26_000, 0],
    ].sort());
    await s.cycles(2);
    assert.equal((await journalDump(dataDir, 'money.settlement')).length, 4, 'booked once');
    const journal = await journalDump(dataDir);
    assert.ok(!journal.some((r) => r.type === 'executor.positionExternallyClosed'), 'never "closed outside" for ₹0');
    assert.ok(!JSON.stringify(journal).includes('SETTLEMENT_OVERDUE'));
  } finally {
    await sys?.stop();
    await fake.close();
  }
});
