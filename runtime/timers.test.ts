import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeSystem, supervisor } from '../test/fixtures/system.ts';
import type { Fired } from '../test/fixtures/actors/typed.ts';
import { ManualClock, SteppedClock } from './clock.ts';
import type { ActorSystem } from './system.ts';
import { TimerTable, type TimerEntry } from './timers.ts';

const TYPED = 'test/fixtures/actors/typed.ts';
const timers = (sys: ActorSystem) => sys.request<{ fired: readonly Fired[]; ticks: number }>('typed', 'typed.timers', {});

describe('runtime timers: self-messages through the mailbox (real workers)', () => {
  let sys: ActorSystem;
  before(async () => {
    sys = makeSystem(supervisor('root', 'one_for_one', [{ name: 'typed', entry: TYPED }]));
    await sys.start();
  });
  after(() => sys.stop());

  it('after() delivers its body once, to the handler of its type', async () => {
    await sys.request('typed', 'typed.after', { label: 'once', ms: 20 });
    const f = await sys.request<Fired>('typed', 'typed.whenFired', { label: 'once' });
    assert.equal(f.label, 'once');
    // Armed and handled on the actor's clock, in that order; delivered exactly once.
    assert.ok(f.firedAt >= f.armedAt);
    assert.equal((await timers(sys)).fired.filter((x) => x.label === 'once').length, 1);
  });

  it('every() repeats until cancelled; a cancelled timer delivers nothing more', async () => {
    await sys.request('typed', 'typed.every', { ms: 5 });
    await sys.request('typed', 'typed.whenTicks', { n: 3 });
    await sys.request('typed', 'typed.cancel', { label: 'every' });
    const atCancel = (await timers(sys)).ticks;
    // A marker due well after several more periods: when it has fired, no tick came after the cancel.
    await sys.request('typed', 'typed.after', { label: 'marker', ms: 60 });
    await sys.request('typed', 'typed.whenFired', { label: 'marker' });
    assert.equal((await timers(sys)).ticks, atCancel);
  });

  it('a timer cancelled while its message already waits in the mailbox is not handled', async () => {
    await sys.request('typed', 'typed.cancelQueued', { label: 'queued' });
    await sys.request('typed', 'typed.after', { label: 'after-queued', ms: 0 });
    await sys.request('typed', 'typed.whenFired', { label: 'after-queued' });
    assert.deepEqual((await timers(sys)).fired.filter((x) => x.label === 'queued'), []);
  });
});

describe('a market-clock timer fires on the actor clock (simulated at 1000×), a wall one on runtime time', () => {
  let sys: ActorSystem;
  before(async () => {
    const simStartMs = Date.UTC(2026, 10, 25, 4, 0, 0);
    sys = makeSystem(supervisor('root', 'one_for_one', [{ name: 'typed', entry: TYPED }]), {
      clockSpec: { kind: 'scaled', simStartMs, wallStartMs: Date.now(), speed: 1000 },
    });
    await sys.start();
  });
  after(() => sys.stop());

  it('after(60 s, market) fires once the simulated clock has moved 60 s; after(60 s, wall) has not', async () => {
    await sys.request('typed', 'typed.after', { label: 'wall', ms: 60_000 });
    await sys.request('typed', 'typed.after', { label: 'market', ms: 60_000, clock: 'market' });
    const f = await sys.request<Fired>('typed', 'typed.whenFired', { label: 'market' });
    assert.ok(f.firedAt - f.armedAt >= 60_000, `fired after ${f.firedAt - f.armedAt} market ms`);
    // 60 market seconds are 60 wall ms here; the wall timer is due in 60 wall seconds.
    assert.deepEqual((await timers(sys)).fired.filter((x) => x.label === 'wall'), []);
    await sys.request('typed', 'typed.cancel', { label: 'wall' });
  });
});

describe('TimerTable with an injected market clock', () => {
  it('waits for the injected clock, not for wall time, and re-arms until it gets there', async () => {
    const clock = new ManualClock();
    const delivered: TimerEntry[] = [];
    let onDeliver: () => void = () => {};
    const table = new TimerTable(clock, 1_000_000, (e) => { delivered.push(e); onDeliver(); });
    table.after(10_000, 'x', { n: 1 }, { clock: 'market' });
    // The clock has not moved: let several of its (sub-millisecond) re-arms pass; nothing is delivered.
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 1));
    assert.equal(delivered.length, 0);
    const got = new Promise<void>((r) => { onDeliver = r; });
    clock.advance(10_000);
    await got;
    assert.deepEqual(delivered.map((e) => [e.type, e.body]), [['x', { n: 1 }]]);
    assert.equal(table.admit(delivered[0]!), true);
    assert.equal(table.size, 0, 'an after is done once handed to its handler');
  });

  it('keeps at most one tick of an every() waiting, and clear() cancels everything', async () => {
    const clock = new ManualClock();
    const delivered: TimerEntry[] = [];
    let onDeliver: () => void = () => {};
    const table = new TimerTable(clock, 1, (e) => { delivered.push(e); onDeliver(); });
    table.every(1_000, 'tick', { clock: 'market' });
    for (let n = 1; n <= 3; n++) {
      const got = new Promise<void>((r) => { onDeliver = r; });
      clock.advance(1_000);
      if (n === 1) await got;
      else for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 1));
    }
    // Three periods passed but the first tick was never taken from the mailbox: one delivery, not three.
    assert.equal(delivered.length, 1);
    table.clear();
    assert.equal(table.size, 0);
    assert.equal(table.admit(delivered[0]!), false, 'a cleared timer delivers nothing, even a waiting tick');
  });
});

describe('TimerTable on a stepped clock (backtests)', () => {
  it('never arms a market timer on wall time; pollMarket() delivers what is due, earliest first, then in arming order', async () => {
    const clock = new SteppedClock(Date.UTC(2026, 0, 12, 9, 45));
    const delivered: string[] = [];
    const table = new TimerTable(clock, 'stepped', (e) => delivered.push(e.type));
    table.after(2_000, 'b', null, { clock: 'market' });
    table.after(1_000, 'a', null, { clock: 'market' });
    table.after(2_000, 'c', null, { clock: 'market' });
    table.after(5_000, 'late', null, { clock: 'market' });
    // Wall time passes, the clock does not: nothing, however long we wait or poll.
    for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 2));
    table.pollMarket();
    assert.deepEqual(delivered, []);
    clock.advanceTo(clock.now() + 2_000);
    table.pollMarket();
    // a (due +1 s) before b and c (due +2 s), b before c because it was armed first; 'late' waits.
    assert.deepEqual(delivered, ['a', 'b', 'c']);
    table.pollMarket();
    assert.deepEqual(delivered, ['a', 'b', 'c'], 'a delivered timer is not delivered twice');
  });

  it('an every() fires once per step that reaches it, and skips the periods a long step jumped over', () => {
    const t0 = Date.UTC(2026, 0, 12, 9, 45);
    const clock = new SteppedClock(t0);
    const delivered: TimerEntry[] = [];
    const table = new TimerTable(clock, 'stepped', (e) => delivered.push(e));
    table.every(1_000, 'tick', { clock: 'market' });
    clock.advanceTo(t0 + 1_000);
    table.pollMarket();
    assert.equal(delivered.length, 1);
    assert.equal(table.admit(delivered[0]!), true);
    // A step of 10 periods: one tick (not ten), and the next one is due a period after this step.
    clock.advanceTo(t0 + 11_000);
    table.pollMarket();
    assert.equal(delivered.length, 2);
    table.admit(delivered[1]!);
    clock.advanceTo(t0 + 11_999);
    table.pollMarket();
    assert.equal(delivered.length, 2);
    clock.advanceTo(t0 + 12_000);
    table.pollMarket();
    assert.equal(delivered.length, 3);
  });

  it('wall timers still run on wall time beside it', async () => {
    const clock = new SteppedClock(Date.UTC(2026, 0, 12, 9, 45));
    let fired: () => void = () => {};
    const got = new Promise<void>((r) => { fired = r; });
    const table = new TimerTable(clock, 'stepped', () => fired());
    table.after(1, 'wall', null);
    await got;
    table.clear();
  });
});

describe('a market-clock timer in a real worker on a stepped clock fires when main steps the clock, before the step\'s message', () => {
  let sys: ActorSystem;
  const t0 = Date.UTC(2026, 0, 12, 4, 0);
  const clock = new SteppedClock(t0);
  before(async () => {
    sys = makeSystem(supervisor('root', 'one_for_one', [{ name: 'typed', entry: TYPED }]), { clock, clockSpec: clock.spec });
    await sys.start();
  });
  after(() => sys.stop());

  it('the worker reads the time main set; the timer waits for the step, however much wall time passes', async () => {
    await sys.request('typed', 'typed.after', { label: 'm', ms: 60_000, clock: 'market' });
    // Wall time passes (a wall timer of 30 ms fires meanwhile): the market one does not.
    await sys.request('typed', 'typed.after', { label: 'wall', ms: 30 });
    await sys.request('typed', 'typed.whenFired', { label: 'wall' });
    assert.deepEqual((await timers(sys)).fired.filter((x) => x.label === 'm'), []);
    clock.advanceTo(t0 + 60_000);
    // The next message main sends finds the timer's message already ahead of it in the mailbox.
    const { fired } = await timers(sys);
    assert.deepEqual(fired.filter((x) => x.label === 'm').map((f) => [f.armedAt, f.firedAt]), [[t0, t0 + 60_000]]);
  });
});
