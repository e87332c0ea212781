import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCommand } from '../../../test/fixtures/cli.ts';
import { run } from '../../../runtime/cli/validate.ts';
import { startFakeUpstox } from './fake/server.ts';
import { DeterministicMarket } from './fake/market.ts';
import { UNDERLYING_SPECS } from '../../domain/instruments.ts';
import { probeUpstox } from './probe.ts';
import { istDate } from '../../domain/calendar.ts';
import type { UpstoxConfig } from './config.ts';
import type { Underlying } from '../../domain/underlying.ts';

const TOKEN = 'tok-probe-0123456789abcdef';
/** The fake with the pre-2026 lot sizes / freeze quantities (its defaults are NSE's 2026 contract data). */
const stale = () => new DeterministicMarket({ nowMs: Date.now(), contracts: { NIFTY: { lot: 75, freeze: 1800 }, BANKNIFTY: { lot: 35, freeze: 900 } } });

const cfgFor = (url: string, dir: string, token?: string): UpstoxConfig => ({
  UPSTOX_ENV: 'production', UPSTOX_BASE_URL: url, UPSTOX_TIMEOUT_MS: 5000, UPSTOX_PREFER_IPV4: true, UPSTOX_FEED_MODE: 'full',
  UPSTOX_TOKEN_WARN_MINUTES: 60, UPSTOX_ORDERS_PER_SECOND: 10, DATA_DIR: dir, ...(token !== undefined ? { UPSTOX_ACCESS_TOKEN: token } : {}),
});

test('probeUpstox against the fake: token, profile, funds, lot sizes, market status; failures name the check, never the token', async () => {
  const fake = await startFakeUpstox({ port: 0, token: TOKEN, liveIntervalMs: 0 });
  const dir = await mkdtemp(path.join(tmpdir(), 'upstox-probe-'));
  try {
    const ok = await probeUpstox(cfgFor(fake.url, dir, TOKEN));
    assert.equal(ok.ok, true, ok.detail);
    assert.deepEqual(ok.checks.map((c) => c.name), ['upstox token', 'upstox profile', 'upstox funds', 'upstox static ip', 'instruments master', 'instruments NIFTY', 'instruments BANKNIFTY', 'market status']);
    // The fake listens on loopback: the route to it shows the address it sees, and that address is registered.
    assert.match(ok.checks.find((c) => c.name === 'upstox static ip')?.detail ?? '', /^egress 127\.0\.0\.1 is registered/);
    // NSE's freeze quantities (1800/600) are the master's to say; our shipped defaults are only the offline fallback.
    assert.match(ok.checks.find((c) => c.name === 'instruments NIFTY')?.detail ?? '', /lot 65 matches our data; freeze 1800 from the master/);

    const none = await probeUpstox(cfgFor(fake.url, dir));
    assert.equal(none.ok, false);
    assert.match(none.detail, /upstox token: expected an access token/);

    const refused = await probeUpstox(cfgFor(fake.url, dir, 'tok-wrong-0123456789abcdef'));
    assert.equal(refused.ok, false);
    assert.match(refused.detail, /upstox profile/);
    assert.ok(!JSON.stringify(refused).includes('tok-wrong-0123456789abcdef'));
  } finally {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('the fake\'s default contracts are NSE\'s 2026 data (lots 65/30, freeze 1800/600); probeUpstox flags lot sizes that differ (75)', async () => {
  for (const i of new DeterministicMarket({ nowMs: Date.now() }).instruments()) {
    if (i.kind === 'INDEX') continue;
    const spec = UNDERLYING_SPECS[i.underlying as Underlying];
    assert.deepEqual([i.lotSize, i.freezeQty], [spec.lotSize, i.underlying === 'NIFTY' ? 1800 : 600], i.instrumentKey);
  }
  const fake = await startFakeUpstox({ port: 0, token: TOKEN, liveIntervalMs: 0, market: stale() });
  const dir = await mkdtemp(path.join(tmpdir(), 'upstox-probe-'));
  try {
    const r = await probeUpstox(cfgFor(fake.url, dir, TOKEN));
    assert.equal(r.ok, false);
    assert.match(r.detail, /instruments NIFTY: expected lot 65 \(our data\), was lot 75/);
  } finally {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
});

/** `volguard validate --phase SHADOW` live against `fake`: exit code and stdout. */
async function validateLive(fake: { url: string }): Promise<{ code: number; out: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'upstox-validate-'));
  try {
    const env = { SAFETY_MODE: 'live', FEED: 'upstox', DATA_DIR: path.join(dir, 'data'), LOG_DIR: path.join(dir, 'logs'), UPSTOX_BASE_URL: fake.url, UPSTOX_ACCESS_TOKEN: TOKEN, VOLGUARD_ADMIN_TOKEN: 'test-admin-token-0123456789' };
    const { code, out } = await runCommand(run, ['--phase', 'SHADOW'], { env, cwd: dir });
    assert.ok(!out.includes(TOKEN));
    return { code, out };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('volguard validate (live) prints CONNECTIVITY VERIFIED when every Upstox check passes, the master\'s freshness on its own line', async () => {
  const fake = await startFakeUpstox({ port: 0, token: TOKEN, liveIntervalMs: 0 });
  try {
    const { code, out } = await validateLive(fake);
    assert.match(out, /CONNECTIVITY VERIFIED/, out);
    assert.match(out, /✓ instruments NIFTY/);
    const today = istDate(Date.now());
    assert.match(out, new RegExp(`✓ instruments master +NSE master built ${today} IST \\(ETag [0-9a-f]{12}\\): \\d+ rows, \\d{4} NIFTY/BANKNIFTY options, none expired`), out);
    assert.equal(code, out.includes('✗') ? 1 : 0);
  } finally {
    await fake.close();
  }
});

test('volguard validate (live): a master built on an earlier day (Last-Modified, IST) is a ✗ line and connectivity is not verified', async () => {
  const fake = await startFakeUpstox({ port: 0, token: TOKEN, liveIntervalMs: 0, masterBuiltAt: Date.now() - 2 * 86_400_000 });
  try {
    const { code, out } = await validateLive(fake);
    const built = istDate(Date.now() - 2 * 86_400_000);
    assert.match(out, new RegExp(`✗ instruments master +expected today's master \\(${istDate(Date.now())} IST\\), was built ${built} IST .*ETag [0-9a-f]{12}`), out);
    assert.match(out, /✓ instruments NIFTY/, 'the other checks still run and print');
    assert.doesNotMatch(out, /CONNECTIVITY VERIFIED/);
    assert.equal(code, 1);
  } finally {
    await fake.close();
  }
});

test('probeUpstox: today\'s master that still lists expired contracts is not fresh', async () => {
  // A market built 40 days ago: its weekly/monthly expiries are all past, but the master is served as today's.
  const fake = await startFakeUpstox({ port: 0, token: TOKEN, liveIntervalMs: 0, market: new DeterministicMarket({ nowMs: Date.now() - 40 * 86_400_000 }) });
  const dir = await mkdtemp(path.join(tmpdir(), 'upstox-probe-'));
  try {
    const r = await probeUpstox(cfgFor(fake.url, dir, TOKEN));
    const master = r.checks.find((c) => c.name === 'instruments master');
    assert.equal(master?.ok, false);
    assert.match(master?.detail ?? '', /^expected no expired contracts in today's master, was \d+ \(first (BANK)?NIFTY \d+ (CE|PE)/);
  } finally {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
});
