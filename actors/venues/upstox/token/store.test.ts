import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Timers } from '../rest/rate-limiter.ts';
import { TokenStore, loadTokenFile, saveTokenFile, type TokenEvent } from './store.ts';

function clock(start: number) {
  let now = start;
  let pending: Array<{ at: number; fn: () => void }> = [];
  const timers: Timers = {
    now: () => now,
    setTimeout: (fn, ms) => { const t = { at: now + ms, fn }; pending.push(t); return t; },
    clearTimeout: (h) => { pending = pending.filter((p) => p !== h); },
  };
  const advance = (ms: number) => {
    now += ms;
    for (let due = pending.find((p) => p.at <= now); due; due = pending.find((p) => p.at <= now)) {
      pending = pending.filter((p) => p !== due);
      due.fn();
    }
  };
  return { timers, advance };
}

const TOKEN = 'eyJ.secret-token-value.sig';

test('warns before expiry, then emits TOKEN_EXPIRED and stops handing out the token', () => {
  const { timers, advance } = clock(0);
  const store = new TokenStore({ warnBeforeMs: 600_000, timers });
  const events: TokenEvent[] = [];
  store.on((e) => events.push(e));
  store.set(TOKEN, 3_600_000);
  assert.equal(store.state, 'valid');
  advance(3_000_000);
  assert.equal(store.state, 'expiring');
  assert.equal(events[0]?.type, 'expiring');
  assert.equal(store.current(), TOKEN);
  advance(600_000);
  assert.equal(store.state, 'expired');
  assert.deepEqual(events.map((e) => e.type), ['expiring', 'expired']);
  assert.equal(store.current(), undefined);
  assert.ok(!JSON.stringify(events).includes(TOKEN));
  assert.ok(!JSON.stringify(store.inspect()).includes(TOKEN));
  store.close();
});

test('a broker rejection expires the token at once; a new token swaps it back to valid', () => {
  const { timers } = clock(0);
  const store = new TokenStore({ timers });
  const events: TokenEvent[] = [];
  store.on((e) => events.push(e));
  store.set(TOKEN, 86_400_000);
  store.markRejected();
  assert.equal(store.state, 'expired');
  store.set('another-token-value', 86_400_000);
  assert.equal(store.state, 'valid');
  assert.deepEqual(events.map((e) => e.type), ['expired', 'swapped']);
  store.close();
});

test('the token file is written with mode 0600 and read back; bad files are rejected without quoting them', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'upstox-token-'));
  try {
    const file = await saveTokenFile(dir, { access_token: TOKEN, expires_at: 5, issued_at: 1 });
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await loadTokenFile(dir))?.access_token, TOKEN);
    await writeFile(file, `{"access_token":"${TOKEN}"}`);
    await assert.rejects(loadTokenFile(dir), (e: Error) => /expires_at|invalid/.test(e.message) && !e.message.includes(TOKEN));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('expiry is state: a listener added after the token expired (at boot, inside set) hears expired once; not after a swap', async () => {
  const { timers } = clock(10_000);
  const store = new TokenStore({ timers });
  store.set(TOKEN, 5_000); // already past: expired by the clock before anyone listens
  assert.equal(store.state, 'expired');
  const late: TokenEvent[] = [];
  store.on((e) => late.push(e));
  assert.equal(late.length, 0, 'delivered on a microtask, not inside on()');
  await Promise.resolve();
  assert.deepEqual(late.map((e) => [e.type, e.type === 'expired' ? e.reason : '']), [['expired', 'clock']]);
  assert.ok(!JSON.stringify(late).includes(TOKEN));

  const swappedFirst: TokenEvent[] = [];
  store.on((e) => swappedFirst.push(e));
  store.set('another-token-value', 86_400_000);
  await Promise.resolve();
  assert.deepEqual(swappedFirst.map((e) => e.type), ['swapped'], 'a swap before delivery cancels the replay');
  const afterSwap: TokenEvent[] = [];
  store.on((e) => afterSwap.push(e));
  await Promise.resolve();
  assert.deepEqual(afterSwap, []);
  store.close();
});
