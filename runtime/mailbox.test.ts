/**
 * A cycle's request is answered at once. Sends are coalesced until the end of a turn; a reply held that way would wait
 * for everything the actor handles after it in that turn (in the cycle: the executor's tick after its execute; here,
 * the next envelope of the same batch). Observed across threads: the reply reaches main while the actor is still busy
 * with the second message, which waits for main to have that reply.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { echoSpec, makeSystem, supervisor } from '../test/fixtures/system.ts';
import type { ActorSystem } from './system.ts';

const systems: ActorSystem[] = [];
after(async () => {
  for (const s of systems) await s.stop().catch(() => {});
});

test("a cycle request's reply is sent before the next message runs", async () => {
  // The second message blocks the actor's thread until main has the first reply (or 30 s pass): only a reply sent
  // before that message runs can wake it.
  const flag = new SharedArrayBuffer(4);
  const s = makeSystem(supervisor('root', 'one_for_one', [echoSpec('m1', { config: { flag } })]));
  systems.push(s);
  await s.start();
  // Both sent in one turn: one batch, handled in order in one drain of the mailbox.
  const first = s.request<{ echo: unknown }>('m1', 'echo', { n: 1 }, 60_000, 'c1').then((r) => {
    Atomics.store(new Int32Array(flag), 0, 1);
    Atomics.notify(new Int32Array(flag), 0);
    return r;
  });
  const blocked = s.request<string>('m1', 'echo.awaitFlag', { timeoutMs: 30_000 }, 60_000);
  const [reply, woken] = await Promise.all([first, blocked]);
  assert.deepEqual(reply.echo, { n: 1 });
  assert.notEqual(woken, 'timed-out', 'the first reply was held until the next message had run');
});

test('other replies still go out, coalesced at the end of the turn', async () => {
  const s = makeSystem(supervisor('root', 'one_for_one', [echoSpec('m2')]));
  systems.push(s);
  await s.start();
  const replies = await Promise.all([1, 2, 3].map((n) => s.request<{ echo: { n: number } }>('m2', 'echo', { n })));
  assert.deepEqual(replies.map((r) => r.echo.n), [1, 2, 3]);
});
