/**
 * @module Shared setup for the Upstox integration tests: a fake on loopback and our client wired to it, with a
 * pino logger writing to a capture array (for the token-secrecy checks).
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { UpstoxBroker } from '../../actors/venues/upstox/broker.ts';
import { startFakeUpstox, type FakeUpstox, type FakeUpstoxOptions } from '../../actors/venues/upstox/fake/server.ts';
import type { FaultPatch } from '../../actors/venues/upstox/fake/faults.ts';
import { resolveHosts } from '../../actors/venues/upstox/hosts.ts';
import { UpstoxRest } from '../../actors/venues/upstox/rest/client.ts';
import { UpstoxHttp } from '../../actors/venues/upstox/rest/http.ts';
import { TokenStore } from '../../actors/venues/upstox/token/store.ts';

export const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2VuLWZvci10ZXN0cw.SECRET_SIGNATURE_42';

export interface Rig {
  readonly fake: FakeUpstox;
  readonly tokens: TokenStore;
  readonly rest: UpstoxRest;
  readonly broker: UpstoxBroker;
  readonly logLines: string[];
  readonly log: pino.Logger;
  faults(patch: FaultPatch): Promise<void>;
  close(): Promise<void>;
}

export async function rig(opts: FakeUpstoxOptions & { timeoutMs?: number } = {}): Promise<Rig> {
  const fake = await startFakeUpstox({ token: TOKEN, ...opts });
  const logLines: string[] = [];
  const log = pino({ level: 'debug' }, new Writable({ write(chunk, _enc, cb) { logLines.push(String(chunk)); cb(); } }));
  const tokens = new TokenStore();
  tokens.set(TOKEN, Date.now() + 3_600_000 * 5);
  const http = new UpstoxHttp({
    hosts: resolveHosts({ baseUrl: fake.url, env: 'production' }),
    token: () => tokens.current(),
    timeoutMs: opts.timeoutMs ?? 2000,
    backoffMs: 1,
    log,
    onAuthFailure: () => tokens.markRejected(),
  });
  const rest = new UpstoxRest(http);
  const broker = new UpstoxBroker(rest);
  return {
    fake, tokens, rest, broker, logLines, log,
    async faults(patch) {
      const res = await fetch(`${fake.url}/__fake/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(patch) });
      if (!res.ok) throw new Error(`expected faults accepted, was ${res.status} ${await res.text()}`);
    },
    async close() {
      await broker.close();
      tokens.close();
      await fake.close();
    },
  };
}

/** A NIFTY option key from the fake's chain (ATM call of the first expiry). */
export function niftyKeys(fake: FakeUpstox): { call: string; put: string; wing: string; expiry: string } {
  const opts = fake.state.market.instruments().filter((i) => i.underlying === 'NIFTY' && i.kind !== 'INDEX');
  const expiry = opts[0]!.expiry!;
  const strikes = [...new Set(opts.filter((i) => i.expiry === expiry).map((i) => i.strike!))].sort((a, b) => a - b);
  const atm = strikes[Math.floor(strikes.length / 2)]!;
  const find = (k: number, kind: 'CE' | 'PE') => opts.find((i) => i.expiry === expiry && i.strike === k && i.kind === kind)!.instrumentKey;
  return { call: find(atm, 'CE'), put: find(atm, 'PE'), wing: find(strikes[strikes.length - 2]!, 'CE'), expiry };
}
