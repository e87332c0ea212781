import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIst, jwtExpiry, nextTokenExpiry } from './expiry.ts';

const ist = (iso: string) => Date.parse(`${iso}+05:30`);

test('a token issued in the evening expires at 03:30 IST the next day', () => {
  assert.equal(formatIst(nextTokenExpiry(ist('2026-03-03T20:00:00'))), '2026-03-04 03:30 IST');
});

test('a token issued before 03:30 IST expires the same morning', () => {
  assert.equal(nextTokenExpiry(ist('2026-03-04T02:30:00')), ist('2026-03-04T03:30:00'));
});

test('a token issued at exactly 03:30 IST lasts until the next day', () => {
  assert.equal(nextTokenExpiry(ist('2026-03-04T03:30:00')), ist('2026-03-05T03:30:00'));
});

test('reads exp from a JWT and ignores non-JWTs', () => {
  const payload = Buffer.from(JSON.stringify({ sub: 'X', exp: 1_772_575_800 })).toString('base64url');
  assert.equal(jwtExpiry(`h.${payload}.s`), 1_772_575_800_000);
  assert.equal(jwtExpiry('plain-token'), undefined);
  assert.equal(jwtExpiry('a.!!!.b'), undefined);
});
