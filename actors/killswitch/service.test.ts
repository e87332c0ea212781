import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KillSwitchService, LATCH_KEY, type FlattenRetry, type KillSwitchPorts } from './service.ts';
import type { KillSwitchSettings } from './settings.ts';

const S: KillSwitchSettings = {
  healthyCycles: 3, degradeQuality: 0.6, fullAutoQuality: 0.8, shadowQuality: 0.5, phaseHealthyCycles: 2,
  fallbackStreak: 2, restartHaltCount: 3, restartWindowMs: 60_000, brokerErrorHaltCount: 3, brokerErrorWindowMs: 60_000,
  flattenTimeoutMs: 10_000, historyLimit: 50,
  fullAuto: { venue: 'paper', rules: { minShadowDays: 7, minSemiAutoDays: 21, minQuality: 0.8, paperWaiveHistory: true } },
};

/**
 * The actor's mailbox as the runtime runs it (runtime/actor.ts): one message at a time, even across await; `next`
 * goes ahead of everything waiting (ctx.next); a timer message joins the back (ctx.after). Every call into the
 * service goes through it, as every call is one message in the worker.
 */
function mailbox() {
  const waiting: Array<() => Promise<unknown>> = [];
  const first: Array<() => Promise<unknown>> = [];
  let busy = false;
  const pump = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    for (let op = first.shift() ?? waiting.shift(); op !== undefined; op = first.shift() ?? waiting.shift()) await op().catch(() => undefined);
    busy = false;
  };
  return {
    post<T>(op: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        waiting.push(() => op().then(resolve, reject));
        void pump();
      });
    },
    next(op: () => Promise<unknown>): void {
      first.push(op);
      void pump();
    },
  };
}

/** The service behind a mailbox: `ks` for reads, `call` to send it a message; its self-messages go through the box. */
function actor(settings: KillSwitchSettings, ports: Omit<KillSwitchPorts, 'flattenNext' | 'retryAfter'>, retries: Array<{ ms: number; retry: FlattenRetry }> = []) {
  const box = mailbox();
  const ks: KillSwitchService = new KillSwitchService(settings, 'FULL_AUTO', {
    ...ports,
    flattenNext: (reason) => box.next(() => ks.runFlatten(reason)),
    retryAfter: (ms, retry) => { retries.push({ ms, retry }); },
  });
  const call = <T>(op: (k: KillSwitchService) => Promise<T>): Promise<T> => box.post(() => op(ks));
  /** Delivers the next scheduled retry (as its timer would) and resolves once it has been handled. */
  const fireRetry = async (): Promise<number> => {
    const next = retries.shift();
    assert.ok(next !== undefined, 'expected a scheduled flatten retry, was none');
    await call((k) => k.retryFlatten(next.retry));
    return next.ms;
  };
  return { ks, call, fireRetry, retries };
}

/** A fake world: an in-memory kv that survives "restarts", a log of everything in order, a controllable executor. */
function world(kv = new Map<string, unknown>()) {
  const log: string[] = [];
  let release: ((ok: boolean) => void) | null = null;
  let flattenAsked: (() => void) | null = null;
  const asked = new Promise<void>((r) => { flattenAsked = r; });
  const ports: Omit<KillSwitchPorts, 'flattenNext' | 'retryAfter'> = {
    journal: {
      append: async (type) => { log.push(`journal ${type}`); return 1; },
      kvGet: async <T>(key: string) => ({ value: (kv.get(key) ?? null) as T | null }),
      kvPut: async (key, value) => { kv.set(key, structuredClone(value)); log.push(`kvPut ${(value as { state: string }).state}`); return 1; },
    },
    send: (to, type, body) => { log.push(`send ${to} ${type} ${(body as { state?: string }).state ?? ''}`.trim()); },
    request: async <T>(to: string, type: string) => {
      log.push(`request ${to} ${type}`);
      flattenAsked?.();
      const ok = await new Promise<boolean>((r) => { release = r; });
      if (!ok) throw new Error('broker refused the exit');
      return { flat: true, left: [], attempts: 1, ordersPlaced: 1 } as T;
    },
    now: () => 1_700_000_000_000,
  };
  return { ports, kv, log, asked, finish: (ok: boolean) => release?.(ok) };
}

test('EMERGENCY blocks every other command until the flatten resolves, then HALTED', async () => {
  const w = world();
  const { ks, call } = actor(S, w.ports);
  await call((k) => k.init());
  const emergency = call((k) => k.emergency('panic button', 'ops', true));
  await w.asked;
  // While the executor works, a reset and a status-changing event wait in the mailbox behind the flatten.
  let resetDone = false;
  const reset = call((k) => k.reset('too early', 'admin')).then((a) => { resetDone = true; return a; });
  const halted = call((k) => k.halt('meanwhile', 'ops'));
  await Promise.resolve();
  assert.equal(resetDone, false);
  assert.equal(ks.status.state, 'EMERGENCY');
  assert.equal(ks.status.flattening, true);
  w.finish(true);
  const answer = await emergency;
  assert.equal(answer.flattened, true);
  assert.equal(answer.stopLoop, true);
  assert.equal(answer.status.state, 'HALTED');
  // The reset ran only after the flatten, against HALTED (manual emergency holds no condition): accepted.
  const r = await reset;
  assert.equal(r.ok, true);
  assert.equal((await halted).state, 'HALTED');
  // Persist precedes every announcement of each transition.
  const firstKv = w.log.indexOf('kvPut EMERGENCY');
  const firstSend = w.log.indexOf('send executor killswitch.changed EMERGENCY');
  assert.ok(firstKv >= 0 && firstKv < firstSend, w.log.join('\n'));
  assert.ok(w.log.indexOf('request executor executor.flatten') > firstSend);
  for (const to of ['executor', 'strategy', 'risk', 'main']) assert.ok(w.log.includes(`send ${to} killswitch.changed HALTED`));
});

test('a failed flatten stays EMERGENCY and alerts main', async () => {
  const w = world();
  const { ks, call } = actor(S, w.ports);
  await call((k) => k.init());
  const emergency = call((k) => k.emergency('panic', 'ops', false));
  await w.asked;
  w.finish(false);
  const a = await emergency;
  assert.equal(a.flattened, false);
  assert.match(a.error ?? '', /broker refused the exit/);
  assert.equal(ks.status.state, 'EMERGENCY');
  assert.ok(w.log.includes('send main killswitch.alertRaised'));
});

test('the latch survives a restart: HALTED comes back HALTED and the reset is still refused while the cause holds', async () => {
  const kv = new Map<string, unknown>();
  const first = actor(S, world(kv).ports);
  await first.call((k) => k.init());
  await first.call((k) => k.apply({ type: 'tokenExpired', evidence: { status: 401 } }));
  assert.equal(first.ks.status.state, 'HALTED');
  assert.equal((kv.get(LATCH_KEY) as { state: string }).state, 'HALTED');
  const w2 = world(kv);
  const second = actor(S, w2.ports);
  await second.call((k) => k.init());
  assert.equal(second.ks.status.state, 'HALTED');
  assert.equal(second.ks.status.cause?.code, 'TOKEN_EXPIRED');
  const refused = await second.call((k) => k.reset('restart fixed it?', 'admin'));
  assert.equal(refused.ok, false);
  assert.ok(!refused.ok && refused.refused.includes('TOKEN_EXPIRED'));
  await second.call((k) => k.apply({ type: 'tokenRefreshed' }));
  assert.equal((await second.call((k) => k.reset('token refreshed', 'admin'))).ok, true);
  assert.equal(second.ks.status.state, 'NORMAL');
});

test('an EMERGENCY interrupted by a restart re-runs its flatten on start', async () => {
  const kv = new Map<string, unknown>();
  kv.set(LATCH_KEY, { state: 'EMERGENCY', since: 1, cause: { code: 'MANUAL_EMERGENCY', message: 'panic', evidence: {} }, history: [], holding: {}, phaseCap: 'SEMI_AUTO' });
  const w = world(kv);
  const { ks, call } = actor(S, w.ports);
  await call((k) => k.init());
  await w.asked;
  assert.equal(ks.status.flattening, true);
  w.finish(true);
  const st = await call((k) => k.apply({ type: 'feedRecovered' }));
  assert.equal(st.state, 'HALTED');
});

test('a flatten the executor gave up on (positions left) is a failure: EMERGENCY stays and alerts, never FLATTENED', async () => {
  const w = world();
  const { ks, call } = actor(S, {
    ...w.ports,
    request: async <T>() => ({ flat: false, left: [{ instrumentKey: 'NSE_FO|1', quantity: -75 }], attempts: 4, ordersPlaced: 4 }) as T,
  });
  await call((k) => k.init());
  const a = await call((k) => k.emergency('panic', 'ops', true));
  assert.equal(a.flattened, false);
  assert.match(a.error ?? '', /not flat \(left: NSE_FO\|1 -75\)/);
  assert.equal(ks.status.state, 'EMERGENCY');
  assert.ok(!ks.status.history.some((t) => t.cause.code === 'FLATTENED'));
  assert.ok(w.log.includes('journal killswitch.flattenFailed'));
  assert.ok(w.log.includes('send main killswitch.alertRaised'));
});

/** A fake world whose executor answers each flatten from a script; retries wait on a list the test fires. */
function retryWorld(answers: Array<{ flat: boolean; left?: { instrumentKey: string; quantity: number }[] }>, kv = new Map<string, unknown>()) {
  const journal: Array<{ type: string; body: unknown }> = [];
  const sent: Array<{ to: string; type: string; body: unknown }> = [];
  let flattens = 0;
  const ports: Omit<KillSwitchPorts, 'flattenNext' | 'retryAfter'> = {
    journal: {
      append: async (type, body) => { journal.push({ type, body }); return 1; },
      kvGet: async <T>(key: string) => ({ value: (kv.get(key) ?? null) as T | null }),
      kvPut: async (key, value) => { kv.set(key, structuredClone(value)); return 1; },
    },
    send: (to, type, body) => { sent.push({ to, type, body }); },
    request: async <T>() => {
      const a = answers[flattens++] ?? { flat: false, left: [{ instrumentKey: 'X', quantity: -1 }] };
      return { flat: a.flat, left: a.left ?? [], attempts: 1, ordersPlaced: 1 } as T;
    },
    now: () => 1_700_000_000_000,
  };
  return { ports, kv, journal, sent, flattens: () => flattens };
}

test('a failed EMERGENCY flatten is retried (backed off, each attempt journaled) until it succeeds → HALTED', async () => {
  const left = [{ instrumentKey: 'NSE_FO|1', quantity: -65 }];
  const w = retryWorld([{ flat: false, left }, { flat: false, left }, { flat: true }]);
  const { ks, call, fireRetry, retries } = actor({ ...S, flattenRetries: 4, flattenRetryMs: 1000 }, w.ports);
  await call((k) => k.init());
  const answer = await call((k) => k.emergency('panic', 'ops', false));
  assert.equal(answer.flattened, false);
  assert.equal(ks.status.state, 'EMERGENCY');
  assert.equal(w.journal.filter((j) => j.type === 'killswitch.flattenFailed').length, 1);
  assert.ok(w.sent.some((m) => m.type === 'killswitch.alertRaised'));
  assert.equal(retries.length, 1, 'a retry is scheduled');
  assert.equal(await fireRetry(), 1000);
  assert.equal(w.flattens(), 2);
  assert.equal(ks.status.state, 'EMERGENCY');
  assert.equal(await fireRetry(), 2000, 'backed off');
  assert.equal(w.flattens(), 3);
  assert.equal(ks.status.state, 'HALTED');
  assert.equal(ks.status.cause?.code, 'FLATTENED');
  assert.deepEqual(w.journal.filter((j) => j.type === 'killswitch.flattenRetry').map((j) => (j.body as { attempt: number }).attempt), [1, 2]);
  assert.equal(retries.length, 0, 'nothing more once flat');
});

test('start-up recovery of EMERGENCY: the resumed flatten is retried too, bounded — when the retries run out it is journaled and alerted, and EMERGENCY holds', async () => {
  const kv = new Map<string, unknown>();
  const first = retryWorld([{ flat: false }], kv);
  const ks1 = actor(S, first.ports);
  await ks1.call((k) => k.init());
  await ks1.call((k) => k.emergency('panic', 'ops', false));
  assert.equal(ks1.ks.status.state, 'EMERGENCY');
  // "Restart": a new service over the same latch; the executor keeps failing.
  const w = retryWorld([], kv);
  const { ks, call, fireRetry, retries } = actor({ ...S, flattenRetries: 2, flattenRetryMs: 1000 }, w.ports);
  await call((k) => k.init());
  await call((k) => k.apply({ type: 'feedRecovered' })); // behind the resumed flatten
  assert.equal(w.flattens(), 1);
  assert.equal(ks.status.state, 'EMERGENCY');
  await fireRetry();
  await fireRetry();
  assert.equal(w.flattens(), 3);
  assert.equal(retries.length, 0, 'bounded: no third retry');
  assert.equal(ks.status.state, 'EMERGENCY');
  assert.equal(w.journal.filter((j) => j.type === 'killswitch.flattenRetry').length, 2);
  assert.equal(w.journal.filter((j) => j.type === 'killswitch.flattenRetriesExhausted').length, 1);
  assert.ok(w.sent.some((m) => m.type === 'killswitch.alertRaised' && /a human must act/.test((m.body as { reason: string }).reason)));
});

test('a retry that finds the kill switch no longer in EMERGENCY (a manual flatten succeeded meanwhile) does nothing', async () => {
  const w = retryWorld([{ flat: false }, { flat: true }]);
  const { ks, call, fireRetry, retries } = actor(S, w.ports);
  await call((k) => k.init());
  await call((k) => k.emergency('panic', 'ops', false));
  assert.equal(retries.length, 1);
  const again = await call((k) => k.emergency('try again', 'ops', false));
  assert.equal(again.flattened, true);
  await fireRetry();
  assert.equal(w.flattens(), 2, 'the stale retry asked for no flatten');
  assert.equal(ks.status.state, 'HALTED');
  assert.equal(w.journal.filter((j) => j.type === 'killswitch.flattenRetry').length, 0);
});

test('a full disk: a journal fault that cannot be persisted still halts, in memory, and is announced (no crash)', async () => {
  const w = world();
  const warned: string[] = [];
  const full = Object.assign(new Error('expected free disk space, was full'), { code: 'JOURNAL_DISK_FULL' });
  const ports = { ...w.ports, warn: (_o: object, m: string) => warned.push(m), journal: { ...w.ports.journal, kvPut: async () => Promise.reject(full), append: async () => Promise.reject(full) } };
  const { call } = actor(S, ports);
  await call((k) => k.init());
  const status = await call((k) => k.apply({ type: 'journalFault', message: 'expected free disk space, was full' }));
  assert.equal(status.state, 'HALTED');
  assert.ok(w.log.includes('send executor killswitch.changed HALTED'), w.log.join('\n'));
  assert.ok(warned.includes('kill switch latch not persisted (journal failing): in effect in memory, fail closed'));
});

test('a full disk: a reset that cannot be persisted is undone and fails (less safety must be durable first)', async () => {
  const w = world();
  let failing = false;
  const full = Object.assign(new Error('expected free disk space, was full'), { code: 'JOURNAL_DISK_FULL' });
  const ports = { ...w.ports, journal: { ...w.ports.journal, kvPut: async (k: string, v: unknown) => (failing ? Promise.reject(full) : w.ports.journal.kvPut(k, v)) } };
  const { ks, call } = actor(S, ports);
  await call((k) => k.init());
  assert.equal((await call((k) => k.halt('ops says so', 'ops'))).state, 'HALTED');
  failing = true;
  const announced = w.log.length;
  await assert.rejects(call((k) => k.reset('all clear', 'admin')), /was full/);
  assert.equal(ks.status.state, 'HALTED');
  assert.deepEqual(w.log.slice(announced).filter((l) => l.includes('killswitch.changed')), [], 'nothing announced');
});
