/**
 * @module `volguard calendar` in-process: a day's session, expiries and lot/freeze facts with their provenance.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { run } from './calendar.ts';
import { istInstant } from '../../actors/domain/calendar.ts';
import type { DayFacts } from '../../actors/domain/day-facts.ts';

async function drive(argv: string[], now = () => istInstant('2026-12-07', 12 * 60)): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => { out += c.toString('utf8'); });
  stderr.on('data', (c: Buffer) => { err += c.toString('utf8'); });
  const code = await run(argv, { stdin: new PassThrough(), stdout, stderr, env: {}, cwd: process.cwd() }, now);
  return { code, out, err };
}

test('--json: the session closes 15:40 from 3 Aug 2026, each expiry carries its lot and freeze with source and date', async () => {
  const { code, out } = await drive(['--date', '2026-11-23', '--json']);
  assert.equal(code, 0);
  const f = JSON.parse(out) as DayFacts;
  assert.equal(f.weekday, 'Monday');
  assert.equal(f.tradingDay, true);
  assert.deepEqual([f.session.open, f.session.close, f.session.effectiveFrom], ['09:15', '15:40', '2026-08-03']);
  assert.match(f.session.source, /Closing Auction Session/);
  assert.equal(f.holidays.coverage, 'official');
  const nifty = f.expiries.find((e) => e.underlying === 'NIFTY' && e.today)!;
  assert.deepEqual([nifty.expiry, nifty.kind, nifty.expiresAt], ['2026-11-23', 'monthly', '15:40']); // Tue 24 Nov holiday
  assert.deepEqual([nifty.lotSize?.value, nifty.lotSize?.effectiveFrom], [65, '2026-01-01']);
  assert.deepEqual([nifty.freezeQty?.value, nifty.freezeQty?.effectiveFrom, nifty.maxLotsPerOrder], [1800, '2026-02-01', 27]);
  assert.match(nifty.freezeQty!.source, /30 Jan 2026/);
  const bank = f.expiries.filter((e) => e.underlying === 'BANKNIFTY');
  assert.deepEqual(bank.map((e) => [e.expiry, e.freezeQty?.value, e.maxLotsPerOrder]), [['2026-11-23', 600, 20], ['2026-12-29', 600, 20]]);
  assert.equal(f.expiries.filter((e) => e.underlying === 'NIFTY').length, 4);
});

test('before the change the close is 15:30; a holiday and an uncovered year say so; the default date is today IST', async () => {
  const july = JSON.parse((await drive(['--date=2026-07-28', '--json'])).out) as DayFacts;
  assert.deepEqual([july.session.close, july.session.effectiveFrom], ['15:30', '2024-01-01']);
  assert.equal(july.expiries.find((e) => e.today)?.expiresAt, '15:30');
  const holiday = await drive(['--date', '2026-11-24']);
  assert.match(holiday.out, /^2026-11-24 \(Tuesday\): holiday — Prakash Gurpurb Sri Guru Nanak Dev; next trading day 2026-11-25/);
  const far = JSON.parse((await drive(['--date', '2031-12-30', '--json'])).out) as DayFacts;
  assert.equal(far.holidays.coverage, 'none');
  assert.equal(far.expiries.find((e) => e.underlying === 'NIFTY' && e.today)?.kind, 'monthly'); // a half-yearly's day
  const today = await drive([]);
  assert.match(today.out, /^2026-12-07 \(Monday\): trading day/);
  assert.match(today.out, /close 15:40 IST/);
});

test('a bad date or argument is a usage error (exit 2) and prints nothing on stdout', async () => {
  for (const argv of [['--date', '2026-02-30'], ['--date', '7 Dec'], ['--date'], ['--dates', '2026-12-07']]) {
    const r = await drive(argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.equal(r.out, '');
    assert.match(r.err, /usage: volguard calendar/);
  }
});
