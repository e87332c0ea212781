import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createUpstoxBroker, createUpstoxMarketData, createUpstoxVenue } from './index.ts';
import { saveTokenFile } from './token/store.ts';
import type { UpstoxConfig } from './config.ts';

const base = (dir: string): UpstoxConfig => ({
  UPSTOX_ENV: 'production', UPSTOX_BASE_URL: 'http://127.0.0.1:9', UPSTOX_TIMEOUT_MS: 1000, UPSTOX_PREFER_IPV4: true, UPSTOX_FEED_MODE: 'full',
  UPSTOX_TOKEN_WARN_MINUTES: 60, UPSTOX_ORDERS_PER_SECOND: 10, DATA_DIR: dir,
});

test('factories load the token from DATA_DIR (env wins) and build one-line broker and feed', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'upstox-idx-'));
  try {
    assert.equal(createUpstoxVenue(base(dir)).tokens.state, 'absent');
    await saveTokenFile(dir, { access_token: 'file-token-123456', expires_at: Date.now() + 60_000_000, issued_at: Date.now() });
    const v = createUpstoxVenue(base(dir));
    assert.equal(v.tokens.current(), 'file-token-123456');
    assert.equal(createUpstoxVenue({ ...base(dir), UPSTOX_ACCESS_TOKEN: 'env-token-1234567' }).tokens.current(), 'env-token-1234567');
    // A token hot-swapped during this process run beats the (stale) env token: restarted actors keep the new one.
    await saveTokenFile(dir, { access_token: 'swapped-token-1234', expires_at: Date.now() + 60_000_000, issued_at: Date.now(), hot_swapped_at: Date.now() });
    assert.equal(createUpstoxVenue({ ...base(dir), UPSTOX_ACCESS_TOKEN: 'env-token-1234567' }).tokens.current(), 'swapped-token-1234');
    assert.equal(createUpstoxMarketData(base(dir), undefined, v).name, 'upstox');
    const broker = await createUpstoxBroker(base(dir), undefined, v);
    assert.equal(broker.name, 'upstox');
    await broker.close();
    v.tokens.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
