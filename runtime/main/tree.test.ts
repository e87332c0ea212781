import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from './config.ts';
import { systemTree } from './tree.ts';
import { secretsHeldBy } from '../log.ts';
import { isSupervisorSpec, type ActorSpec, type ChildSpec } from '../spec.ts';

const SECRETS = { UPSTOX_ACCESS_TOKEN: 'access-token-0123456789', UPSTOX_API_SECRET: 'api-secret-0123456789', UPSTOX_API_KEY: 'api-key-0123456789' };

function actors(spec: ChildSpec): ActorSpec[] {
  return isSupervisorSpec(spec) ? spec.children.flatMap(actors) : [spec];
}

/** Actor name → the configured Upstox secrets its spec's config holds. */
function holders(env: Record<string, string>): Record<string, string[]> {
  const cfg = parseConfig({ ...env, ...SECRETS, SIM_START: '2026-11-25T09:30:00+05:30' });
  const tree = systemTree(cfg, { kind: 'real' });
  return Object.fromEntries(actors(tree).map((a) => [a.name, secretsHeldBy(Object.values(SECRETS), a.config)]));
}

test('on paper with the sim feed no actor is given an Upstox credential, even when they are configured', () => {
  const held = holders({ FEED: 'sim', SAFETY_MODE: 'paper' });
  assert.deepEqual(Object.keys(held).sort(), ['calibrator', 'executor', 'feed', 'journal', 'killswitch', 'risk', 'strategy']);
  for (const [name, s] of Object.entries(held)) assert.deepEqual(s, [], `${name} holds ${s.join(', ')}`);
});

test('live with the Upstox feed only the feed and the executor (the actors that run the venue) hold the credentials', () => {
  const held = holders({ FEED: 'upstox', SAFETY_MODE: 'live' });
  for (const [name, s] of Object.entries(held)) {
    if (name === 'feed' || name === 'executor') assert.deepEqual(s.sort(), Object.values(SECRETS).sort(), name);
    else assert.deepEqual(s, [], `${name} holds ${s.join(', ')}`);
  }
});

test('a paper executor on the Upstox feed: the feed holds the credentials; the executor does not', () => {
  // (A live executor on the sim feed is refused at boot: SAFETY_MODE=live needs FEED=upstox.)
  const held = holders({ FEED: 'upstox', SAFETY_MODE: 'paper' });
  assert.equal(held['feed']?.length, 3);
  assert.deepEqual(held['executor'], []);
  assert.deepEqual(held['strategy'], []);
});

test('a paper executor on the Upstox feed is given the Upstox hosts (its settlement prices: the index day candles, no token) and nothing else of the venue', () => {
  const cfg = parseConfig({ FEED: 'upstox', SAFETY_MODE: 'paper', ...SECRETS, UPSTOX_BASE_URL: 'http://127.0.0.1:9' });
  const executor = actors(systemTree(cfg, { kind: 'real' })).find((a) => a.name === 'executor')!;
  const upstox = Object.keys(executor.config as object).filter((k) => k.startsWith('UPSTOX_')).sort();
  assert.deepEqual(upstox, ['UPSTOX_BASE_URL', 'UPSTOX_ENV', 'UPSTOX_PREFER_IPV4', 'UPSTOX_PRODUCT', 'UPSTOX_TIMEOUT_MS']);
  // On the sim feed, none of the hosts either (only the product of its orders).
  const sim = actors(systemTree(parseConfig({ FEED: 'sim', SAFETY_MODE: 'paper', SIM_START: '2026-11-25T09:30:00+05:30' }), { kind: 'real' })).find((a) => a.name === 'executor')!;
  assert.deepEqual(Object.keys(sim.config as object).filter((k) => k.startsWith('UPSTOX_')), ['UPSTOX_PRODUCT']);
});

test('secretsHeldBy finds a secret inside any string of a nested value and nothing else', () => {
  // Hand-built: one secret nested two levels down inside a longer string, one absent, one too close to match.
  const value = { a: { b: ['x', 'Bearer access-token-0123456789'] }, n: 5, s: 'api-secret-012345678' };
  assert.deepEqual(secretsHeldBy(Object.values(SECRETS), value), ['access-token-0123456789']);
});
