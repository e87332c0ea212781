import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeSystem, nextEvent, supervisor } from '../test/fixtures/system.ts';
import type { ActorSystem } from './system.ts';

const TYPED = 'test/fixtures/actors/typed.ts';

describe('an actor declared as a protocol map (handlers per message type, bodies checked at the edge)', () => {
  let sys: ActorSystem;
  before(async () => {
    sys = makeSystem(supervisor('root', 'one_for_one', [{ name: 'typed', entry: TYPED }], { intensity: 10 }));
    await sys.start();
  });
  after(() => sys.stop());

  it('answers each message type with its own handler, sync or async', async () => {
    assert.equal(await sys.request<number>('typed', 'typed.double', { n: 21 }), 42);
    assert.equal(await sys.request<string>('typed', 'typed.shout', 'hi'), 'HI');
  });

  it('answers a request whose body fails its schema with the message type and what was wrong, and stays up', async () => {
    const incarnation = sys.host('typed')?.incarnation;
    await assert.rejects(sys.request('typed', 'typed.double', { n: 'two' }), (err: Error) => {
      assert.match(err.message, /^typed\.double: expected a valid body, was invalid \(n: /);
      return true;
    });
    await assert.rejects(sys.request('typed', 'typed.shout', 7), /typed\.shout: expected a string, was number/);
    assert.equal(sys.host('typed')?.incarnation, incarnation);
  });

  it('hands a checked plain message to its handler (no reply)', async () => {
    sys.send('typed', 'typed.note', { text: 'one' });
    assert.deepEqual(await sys.request('typed', 'typed.notes', {}), ['one']);
  });

  it('crashes on a message type its map does not have (the supervisor restarts it)', async () => {
    const incarnation = sys.host('typed')?.incarnation ?? 0;
    const restarted = nextEvent<{ name: string }>(sys, 'sys.actorRestarted', (b) => b.name === 'typed');
    await assert.rejects(sys.request('typed', 'typed.unknown', {}), /typed: unexpected message typed\.unknown/);
    await restarted;
    assert.ok((sys.host('typed')?.incarnation ?? 0) > incarnation);
  });
});
