/**
 * The wire codec: envelopes round-trip, and a Prepacked value (packed once, sent to many) reaches every ACTOR as the
 * plain value, while MAIN (this test's thread) keeps it packed and relays the same bytes.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, decodeBatch, encodeBatch, makeEnvelope, prepack, Prepacked, unpacked } from './envelope.ts';
import { echoSpec, makeSystem, supervisor } from '../test/fixtures/system.ts';
import type { ActorSystem } from './system.ts';

const chain = {
  underlying: 'NIFTY',
  expiry: '2026-12-01',
  strikes: new Float64Array([24400, 24500, 24600]),
  callKeys: ['NSE_FO|1', 'NSE_FO|2', 'NSE_FO|3'],
  callBid: new Float64Array([101.5, 55.25, Number.NaN]),
  quality: { score: 0.97, components: { staleness: 1, crossed: 0.9 } },
};

describe('codec (in main)', () => {
  it('decodes an envelope batch to what was sent, typed arrays included', () => {
    const [a, b] = [createCodec(), createCodec()];
    const sent = [makeEnvelope(1, 'feed.snapshot', 'feed', 'main', 5, chain, { cycleId: 'c1', corrId: 7 })];
    assert.deepEqual(decodeBatch(b, encodeBatch(a, sent)), sent);
  });

  it('a prepacked value with more record shapes than its codec has ids for, each used several times, round-trips', () => {
    // The prepack codec shares the hot shapes (wire-shapes.ts), which leaves msgpackr 32 ids for a message's own
    // shapes: a journal run of many kinds of entry has more, and the ids are then reused within the message.
    const value = Array.from({ length: 4 * 80 }, (_, i) => ({ [`k${i % 80}`]: i, body: { [`b${i % 80}`]: [i, `s${i}`] }, delta: i / 10 }));
    const packed = prepack(value);
    assert.deepEqual(Prepacked.received(packed.bytes).value, value);
  });

  it('keeps a received Prepacked packed, decodes it on demand, and relays the very same bytes', () => {
    const [a, b, c] = [createCodec(), createCodec(), createCodec()];
    const packed = prepack(chain);
    const got = decodeBatch(b, encodeBatch(a, [makeEnvelope(1, 'r', 'feed', 'main', 5, { cycleId: 'c1', expiries: packed })]));
    const field = (got[0]?.body as { expiries: unknown }).expiries;
    assert.ok(field instanceof Prepacked);
    assert.deepEqual(Buffer.from(field.bytes), Buffer.from(packed.bytes));
    assert.deepEqual(unpacked(field), chain);
    // Relayed onward (nested anywhere): the bytes go out unchanged.
    const again = decodeBatch(c, encodeBatch(b, [makeEnvelope(2, 'risk.assess', 'main', 'risk', 5, { snapshot: { expiries: field } })]));
    const relayed = (again[0]?.body as { snapshot: { expiries: Prepacked } }).snapshot.expiries;
    assert.deepEqual(Buffer.from(relayed.bytes), Buffer.from(packed.bytes));
  });

  it('packs the value at construction: later changes to the source object are not sent', () => {
    const source = { n: 1 };
    const packed = prepack(source);
    source.n = 2;
    const [a, b] = [createCodec(), createCodec()];
    const got = decodeBatch(b, encodeBatch(a, [makeEnvelope(1, 't', 'main', 'x', 0, packed)]));
    assert.deepEqual(unpacked(got[0]?.body as Prepacked<{ n: number }>), { n: 1 });
  });
});

describe('Prepacked through workers', () => {
  const systems: ActorSystem[] = [];
  after(async () => {
    for (const s of systems) await s.stop().catch(() => {});
  });

  it('reaches actors as the plain value: main packs once, both echoes come back equal', async () => {
    const s = makeSystem(supervisor('root', 'one_for_one', [echoSpec('e1'), echoSpec('e2')]));
    systems.push(s);
    await s.start();
    const packed = prepack(chain);
    const replies = await Promise.all(['e1', 'e2'].map((to) => s.request<{ echo: unknown }>(to, 'echo', { snapshot: packed, n: 3 })));
    for (const r of replies) assert.deepEqual(r.echo, { snapshot: chain, n: 3 });
  });

  it('a value an actor packed reaches main packed, and another actor as the plain value when main relays it', async () => {
    const s = makeSystem(supervisor('root', 'one_for_one', [echoSpec('p1'), echoSpec('p2')]));
    systems.push(s);
    await s.start();
    const { packed } = await s.request<{ packed: Prepacked<typeof chain> }>('p1', 'echo.prepacked', chain);
    assert.ok(packed instanceof Prepacked);
    assert.deepEqual(packed.value, chain);
    const relayed = await s.request<{ echo: { snapshot: unknown } }>('p2', 'echo', { snapshot: packed });
    assert.deepEqual(relayed.echo.snapshot, chain);
  });
});
