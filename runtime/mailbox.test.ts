/**
 * A cycle's request is answered at once. Sends are coalesced until the end of a turn; a reply held that way would wait
 * for everything the actor handles after it in that turn (in the cycle: the executor's tick after its execute; here,
 * the next envelope of the same batch). Observed across threads: the reply reaches main while the actor is still busy
 * with the second message.
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
  const s = makeSystem(supervisor('root', 'one_for_one', [echoSpec('m1')]));
  systems.push(s);
  await s.start();
  let firstAt = 0;
  // Both sent in one turn: one batch, handled in order in one drain of the mailbox.
  const first = s.request<{ echo: unknown }>('m1', 'echo', { n: 1 }, 5000, 'c1').then((r) => ((firstAt = Date.now()), r));
  const spin = s.request<{ started: number; ended: number }>('m1', 'echo.spin', { ms: 300 });
  const [reply, spun] = await Promise.all([first, spin]);
  assert.deepEqual(reply.echo, { n: 1 });
  assert.ok(firstAt < spun.ended, `expected the first reply before the second message ended (${spun.ended}), was at ${firstAt}`);
});

test('other replies still go out, coalesced at the end of the turn', async () => {
  const s = makeSystem(supervisor('root', 'one_for_one', [echoSpec('m2')]));
  systems.push(s);
  await s.start();
  const replies = await Promise.all([1, 2, 3].map((n) => s.request<{ echo: { n: number } }>('m2', 'echo', { n })));
  assert.deepEqual(replies.map((r) => r.echo.n), [1, 2, 3]);
});
