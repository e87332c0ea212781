import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeOn, SettlementPrices, type DayCandle } from './settlement.ts';

// NIFTY's official close on 13 Jan 2026 (NSE F&O bhavcopy: SttlmPric of every contract expiring that day).
const ROWS: DayCandle[] = [
  ['2026-01-14T00:00:00+05:30', 25_700, 25_780, 25_650, 25_665.6, 0, 0],
  ['2026-01-13T00:00:00+05:30', 25_790, 25_810, 25_700, 25_732.3, 0, 0],
];

test('the close of the candle dated the expiry, newest-first rows or not; no row, or a close that is not a price, is "not known yet"', () => {
  assert.equal(closeOn(ROWS, '2026-01-13'), 25_732.3);
  assert.equal(closeOn([...ROWS].reverse(), '2026-01-13'), 25_732.3);
  assert.equal(closeOn(ROWS, '2026-01-12'), undefined);
  assert.equal(closeOn([], '2026-01-13'), undefined);
  assert.equal(closeOn([['2026-01-13T00:00:00+05:30', 1, 1, 1, 0]], '2026-01-13'), undefined);
  assert.equal(closeOn([['2026-01-13T00:00:00+05:30', 1, 1, 1, Number.NaN]], '2026-01-13'), undefined);
});

test('a known price is kept for good; an unknown one is asked again only after the backoff; a failed read throws (the caller waits)', async () => {
  let wall = 0;
  let asks = 0;
  let published = false;
  let failing = false;
  const prices = new SettlementPrices(async (key, date) => {
    asks++;
    assert.deepEqual([key, date], ['NSE_INDEX|Nifty 50', '2026-01-13']);
    if (failing) throw new Error('503');
    return published ? ROWS : [];
  }, () => wall, 60_000);
  assert.equal(await prices.price('NIFTY', '2026-01-13'), undefined);
  wall += 59_999;
  assert.equal(await prices.price('NIFTY', '2026-01-13'), undefined);
  assert.equal(asks, 1, 'within the backoff: not asked again');
  wall += 1;
  failing = true;
  await assert.rejects(prices.price('NIFTY', '2026-01-13'), /503/);
  failing = false;
  published = true;
  wall += 60_000;
  assert.equal(await prices.price('NIFTY', '2026-01-13'), 25_732.3);
  assert.equal(await prices.price('NIFTY', '2026-01-13'), 25_732.3);
  assert.equal(asks, 3, 'known: never asked again');
});
