/**
 * The selective read's frame walk (skim.ts) against msgpackr, the decoder it stands in for: whatever it reads must be
 * what a whole decode gives (then selected), for any value msgpackr writes and any layout of the payload's keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { entryOf, FRAME_FORMAT, GENESIS_HASH, packFrame, parseFrame } from './frame.ts';
import { parseSelected, PASSED_OVER, selectBodyPart, skipValue, type Selection } from './skim.ts';

/** The frame's own encoder options (frame.ts). */
const packr = new Packr({ useRecords: false, moreTypes: true, copyBuffers: true });

/** Values msgpackr writes in every format family: ints of each width, floats, strings (any length), binary, exts, containers. */
const value = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.integer(), fc.maxSafeInteger(), fc.double(), fc.boolean(), fc.constant(null), fc.string({ unit: 'grapheme', maxLength: 300 }),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }), fc.uint8Array({ maxLength: 300 }), fc.date({ noInvalidDate: true }),
    fc.float64Array({ maxLength: 4 }),
  ),
  node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 20 }), fc.dictionary(fc.string(), tie('node'), { maxKeys: 20 })),
})).node;

test('skipValue ends exactly where msgpackr wrote each value, and reads no value out of truncated bytes', () => {
  fc.assert(fc.property(value, (v) => {
    const bytes = packr.pack(v);
    assert.equal(skipValue(bytes, 0, bytes.length), bytes.length);
    for (const cut of [0, bytes.length - 1, bytes.length >> 1]) if (cut < bytes.length) assert.equal(skipValue(bytes, 0, cut), -1);
  }), { numRuns: 400 });
});

test('skipValue on the msgpack spec formats msgpackr does not write here (uint64, ext8/16/32, fixext, bin16, map32, array32)', () => {
  const vectors: Array<[string, number]> = [
    ['cf0000000000000001', 9], ['d3ffffffffffffffff', 9], ['c70301aabbcc', 6], ['c8000201aabb', 6], ['c90000000101aa', 7],
    ['d401aa', 3], ['d501aabb', 4], ['d601aabbccdd', 6], ['d70100000000000000' + '00', 10], ['d801' + '00'.repeat(16), 18],
    ['c50002aabb', 5], ['df00000001a16101', 8], ['dd0000000201c0', 7], ['c1', -1],
  ];
  for (const [hex, end] of vectors) assert.equal(skipValue(Buffer.from(hex, 'hex'), 0, hex.length / 2), end, hex);
});

const entry = fc.record({
  seq: fc.integer({ min: 1, max: 2 ** 31 }),
  ts: fc.oneof(fc.integer({ min: 0, max: 2 ** 31 }), fc.constant(1_768_191_000_000), fc.double({ min: 0, max: 4e12, noNaN: true })),
  actor: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
  type: fc.constantFrom('journal.cycle', 'risk.breaches', 'executor.orderIntent', 'killswitch.flattenRetriesExhausted', 'typé.ünïcode'),
  cycleId: fc.option(fc.string(), { nil: undefined }),
  corrId: fc.option(fc.string(), { nil: undefined }),
  body: fc.oneof(value, fc.record({ summary: fc.oneof(value, fc.record({ pnl: value, greeks: value })), stages: value })),
});

/** What a whole decode gives for `sel`: null when the entry is not wanted, else the entry with its body's part selected. */
function expected(frame: Buffer, seq: number, sel: Selection): unknown {
  const e = entryOf(parseFrame(frame, frame.length, false), seq);
  if (sel.types !== undefined && !sel.types.has(e.type)) return null;
  const path = sel.bodyPaths?.[e.type];
  return path === undefined ? e : { ...e, body: selectBodyPart(e.body, path) };
}

function selected(frame: Buffer, seq: number, sel: Selection): unknown {
  const raw = parseSelected(frame, frame.length, sel);
  if (raw === PASSED_OVER) return null;
  const e = entryOf(raw, seq);
  const path = sel.bodyPaths?.[e.type];
  return path === undefined || raw.partial ? e : { ...e, body: selectBodyPart(e.body, path) };
}

const selections: Selection[] = [
  { types: new Set(['journal.cycle', 'executor.orderIntent']), bodyPaths: { 'journal.cycle': ['summary', 'pnl'] } },
  { types: new Set(['risk.breaches']), bodyPaths: undefined },
  { types: undefined, bodyPaths: { 'journal.cycle': ['summary'], 'typé.ünïcode': ['summary', 'pnl'], 'risk.breaches': [] } },
];

test('a selective parse of a journal frame is the whole decode, selected (any entry, any body)', () => {
  fc.assert(fc.property(entry, (f) => {
    const frame = packFrame(f.seq, f.ts, f, GENESIS_HASH, 0);
    for (const sel of selections) assert.deepEqual(selected(frame, f.seq, sel), expected(frame, f.seq, sel));
    // The shortcut is taken (not a whole decode that would pass this test as well).
    assert.equal(parseSelected(frame, frame.length, selections[0]!).partial, f.type === 'journal.cycle');
  }), { numRuns: 400 });
});

/** A frame whose payload another writer laid out (`payload` packed as given), hashed as frame.ts defines. */
function frameOf(payload: Buffer): Buffer {
  const hash = createHash('sha256').update(GENESIS_HASH).update(payload).digest();
  return Buffer.concat([Buffer.from([FRAME_FORMAT]), hash, GENESIS_HASH, payload]);
}

test('a selective parse reads any order of the payload\'s keys, and keys no writer of ours writes', () => {
  const laidOut = entry.chain((f) => {
    const fields: Array<[string, unknown]> = [['seq', f.seq], ['ts', f.ts], ['actor', f.actor], ['type', f.type], ['body', f.body], ['v', [1, { seq: 'x' }]], ['cycleId2', 7]];
    if (f.cycleId !== undefined) fields.push(['cycleId', f.cycleId]);
    if (f.corrId !== undefined) fields.push(['corrId', f.corrId]);
    // Every field, in any order, with or without the two keys no writer of ours writes.
    return fc.shuffledSubarray(fields, { minLength: fields.length - 2 })
      .filter((laid) => ['seq', 'ts', 'actor', 'type', 'body'].every((k) => laid.some(([n]) => n === k)))
      .map((laid) => ({ f, laid }));
  });
  fc.assert(fc.property(laidOut, ({ f, laid }) => {
    const frame = frameOf(packr.pack(Object.fromEntries(laid)));
    for (const sel of selections) assert.deepEqual(selected(frame, f.seq, sel), expected(frame, f.seq, sel));
  }), { numRuns: 300 });
});

test('what the walk cannot read is decoded whole, faults included (a 64-bit seq, a non-map payload, truncated bytes, a missing body)', () => {
  const sel = selections[0]!;
  // {seq: uint64 5, ts: 1, actor: 'a', type: 'journal.cycle', body: {}} written by hand (msgpackr writes 5 as a fixint).
  const payload = Buffer.concat([
    Buffer.from('85a3736571cf0000000000000005a2747301a56163746f72a161a474797065', 'hex'),
    packr.pack('journal.cycle'), Buffer.from('a4626f647980', 'hex'),
  ]);
  const uint64 = parseSelected(frameOf(payload), frameOf(payload).length, sel);
  assert.equal(uint64.partial, false);
  assert.deepEqual(uint64.payload, parseFrame(frameOf(payload), frameOf(payload).length, false).payload);

  const notMap = parseSelected(frameOf(packr.pack([1, 2])), frameOf(packr.pack([1, 2])).length, sel);
  assert.deepEqual(notMap.payload, [1, 2]);
  assert.throws(() => entryOf(notMap, 1), /expected an entry/);

  const good = packFrame(3, 1, { actor: 'main', type: 'journal.cycle', body: { summary: { pnl: { day: 1 } } } }, GENESIS_HASH, 0);
  const truncated = parseSelected(good, good.length - 2, sel);
  assert.equal(truncated.partial, false);
  assert.match(String(truncated.error), /expected a msgpack entry, was undecodable/);

  const noBody = frameOf(packr.pack({ seq: 4, ts: 1, actor: 'main', type: 'journal.cycle' }));
  assert.throws(() => entryOf(parseSelected(noBody, noBody.length, sel), 4), /expected an entry \{seq: 4, ts, actor, type, body\}/);
});

/** Bytes already encoded, spliced into `mapOf` as they are. */
class Encoded { constructor(readonly bytes: Buffer) {} }

/** A map written key by key (msgpackr writes an object's keys once each; another writer may repeat one). */
const mapOf = (fields: Array<[string, unknown]>): Encoded => new Encoded(Buffer.concat([
  Buffer.from([0x80 | fields.length]), ...fields.flatMap(([k, v]) => [packr.pack(k), v instanceof Encoded ? v.bytes : packr.pack(v)]),
]));

test('a selected part is the whole decode\'s, also for a key given twice, a part past byte 180 of its frame and one longer than 179 bytes', () => {
  const sel = selections[0]!;
  const pnl = { day: -3_763.32369212563, realised: 12.5, unrealised: 0 };
  const long = { ...pnl, note: 'é'.repeat(200) };
  const cases: Array<[string, Encoded, unknown]> = [
    // As msgpackr decodes a map, a repeated key is its last value: here a summary with no pnl, so no part ({}).
    ['summary twice', mapOf([['summary', { pnl }], ['summary', { greeks: 1 }]]), {}],
    ['pnl twice', mapOf([['summary', mapOf([['pnl', 1], ['pnl', pnl]])]]), { summary: { pnl } }],
    ['the last summary not a map', mapOf([['summary', { pnl }], ['summary', 7]]), {}],
    // msgpackr's key cache applies only to a source ending before byte 180: this part ends past byte 400.
    ['part past byte 180', mapOf([['stages', { read_market: 'x'.repeat(300) }], ['summary', { greeks: { delta: 1 }, pnl }]]), { summary: { pnl } }],
    ['part of 400 bytes', mapOf([['summary', { pnl: long }]]), { summary: { pnl: long } }],
  ];
  for (const [name, body, part] of cases) {
    const frame = frameOf(mapOf([['seq', 9], ['ts', 1], ['actor', 'main'], ['type', 'journal.cycle'], ['body', body]]).bytes);
    assert.equal(parseSelected(frame, frame.length, sel).partial, true, name);
    assert.deepEqual(selected(frame, 9, sel), { ...entryOf(parseFrame(frame, frame.length, false), 9), body: part }, name);
    assert.deepEqual(selected(frame, 9, sel), expected(frame, 9, sel), name);
  }
});
