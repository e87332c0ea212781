/**
 * The wire codec: envelopes round-trip, and a Prepacked value (packed once, sent to many) reaches every receiver as
 * the plain value — in the codec, and through a real worker.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, decodeBatch, encodeBatch, makeEnvelope, prepack, Prepacked } from './envelope.ts';
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

describe('codec', () => {
  it('decodes an envelope batch to what was sent, typed arrays included', () => {
    const [a, b] = [createCodec(), createCodec()];
    const sent = [makeEnvelope(1, 'feed.snapshot', 'feed', 'main', 5, chain, { cycleId: 'c1', corrId: 7 })];
    assert.deepEqual(decodeBatch(b, encodeBatch(a, sent)), sent);
  });

  it('hands a receiver the value of a Prepacked, at the top and nested, in every envelope that carries it', () => {
    const [a, b] = [createCodec(), createCodec()];
    const packed = prepack(chain);
    const sent = [
      makeEnvelope(1, 'calibrator.calibrate', 'main', 'calibrator', 5, packed, { corrId: 1, rsvp: true }),
      makeEnvelope(2, 'risk.assess', 'main', 'risk', 5, { cycleId: 'c1', snapshot: packed, book: { positions: [] } }, { corrId: 2, rsvp: true }),
    ];
    const got = decodeBatch(b, encodeBatch(a, sent)) as Array<{ body: unknown }>;
    assert.deepEqual(got[0]?.body, chain);
    assert.deepEqual(got[1]?.body, { cycleId: 'c1', snapshot: chain, book: { positions: [] } });
    assert.ok(!(got[0]?.body instanceof Prepacked));
    assert.ok((got[1]?.body as { snapshot: typeof chain }).snapshot.strikes instanceof Float64Array);
  });

  it('packs the value at construction: later changes to the source object are not sent', () => {
    const source = { n: 1 };
    const packed = prepack(source);
    source.n = 2;
    const [a, b] = [createCodec(), createCodec()];
    const got = decodeBatch(b, encodeBatch(a, [makeEnvelope(1, 't', 'main', 'x', 0, packed)]));
    assert.deepEqual(got[0]?.body, { n: 1 });
  });
});

describe('Prepacked through a worker', () => {
  const systems: ActorSystem[] = [];
  after(async () => {
    for (const s of systems) await s.stop().catch(() => {});
  });

  it('reaches the actor as the plain value (the echo comes back equal)', async () => {
    const s = makeSystem(supervisor('root', 'one_for_one', [echoSpec('e1'), echoSpec('e2')]));
    systems.push(s);
    await s.start();
    const packed = prepack(chain);
    const replies = await Promise.all(['e1', 'e2'].map((to) => s.request<{ echo: unknown }>(to, 'echo', { snapshot: packed, n: 3 })));
    for (const r of replies) assert.deepEqual(r.echo, { snapshot: chain, n: 3 });
  });
});
