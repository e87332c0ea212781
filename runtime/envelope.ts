/**
 * @module Envelopes and their wire codec.
 *
 * Every message between threads is an Envelope, encoded with msgpackr using ONE fixed list of shared structures that
 * every thread builds identically (runtime.md §3: two threads with independent structure lists cannot decode each
 * other). Unknown shapes (message bodies) fall back to self-describing inline records. A batch is an array of
 * envelopes packed into one buffer, sliced to exact size and transferred (never post msgpackr's pooled buffer).
 */
import { isMainThread } from 'node:worker_threads';
import { addExtension, Packr } from 'msgpackr';
import { PREPACKED_SHAPES } from './wire-shapes.ts';

export interface Envelope<B = unknown> {
  /** Sender-local sequence number. */
  readonly id: number;
  /** Dotted message type: `feed.snapshot`, `sys.ping`, … */
  readonly type: string;
  readonly from: string;
  readonly to: string;
  /** Sender's clock, epoch ms. */
  readonly ts: number;
  readonly cycleId?: string;
  /** Correlation id of a request; a reply carries the same id. */
  readonly corrId?: number;
  /** Set on requests: the sender awaits a `sys.reply` with this corrId. */
  readonly rsvp?: boolean;
  readonly body: B;
}

/** Body of `sys.reply`. */
export type ReplyBody =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: import('./errors.ts').SerializedError };

/**
 * The fixed structure list. Order matters and must never change within one process (all threads import this file).
 * Envelopes are always built through `makeEnvelope`, so their key order matches one of these shapes.
 */
const SHARED_STRUCTURES: string[][] = [
  ['id', 'type', 'from', 'to', 'ts', 'body'],
  ['id', 'type', 'from', 'to', 'ts', 'cycleId', 'body'],
  ['id', 'type', 'from', 'to', 'ts', 'corrId', 'rsvp', 'body'],
  ['id', 'type', 'from', 'to', 'ts', 'cycleId', 'corrId', 'rsvp', 'body'],
  ['id', 'type', 'from', 'to', 'ts', 'corrId', 'body'],
  ['id', 'type', 'from', 'to', 'ts', 'cycleId', 'corrId', 'body'],
  ['ok', 'value'],
  ['ok', 'error'],
  ['name', 'message'],
  ['name', 'code', 'message'],
  ['name', 'message', 'stack'],
  ['name', 'code', 'message', 'stack'],
];

/**
 * A value encoded once, to be sent to many actors. Anywhere inside an envelope's body, a Prepacked travels as its
 * bytes (msgpack extension type PREPACKED_EXT), and:
 * - an ACTOR (worker thread) receives the decoded VALUE, never the wrapper: actors cannot tell the difference;
 * - MAIN receives the wrapper, still packed, and decodes it only if it reads `.value`. Main is the cycle's relay:
 *   the feed packs each snapshot's option chains once (46 KB), main passes them on to four actors as the same bytes
 *   and never builds the ~800 objects and 66 typed arrays it would otherwise decode and drop every cycle (which
 *   kept main's old generation churning: a compacting GC every ~2 s, 6-15 ms, on the cycle's critical path).
 * A message that stays in its thread (main to main) is never encoded at all and keeps the wrapper too.
 */
export class Prepacked<T = unknown> {
  /** @internal the value's encoding, with its own record structures only (decodable in any thread, whatever its
   *  link's state) */
  readonly bytes: Uint8Array;
  #value: T | undefined;
  #decoded: boolean;

  private constructor(bytes: Uint8Array, value: T | undefined, decoded: boolean) {
    this.bytes = bytes;
    this.#value = value;
    this.#decoded = decoded;
  }

  /** Packs `value` now: later changes to the source object are not sent. */
  static of<T>(value: T): Prepacked<T> {
    // Copied out of msgpackr's shared buffer: a view would keep that whole slab alive as long as the wrapper lives.
    const bytes = Uint8Array.prototype.slice.call(prepackCodec.pack(value)) as Uint8Array;
    return new Prepacked<T>(bytes, value, true);
  }

  /** @internal main's side of the wire: keeps the bytes (a view into the received batch), decodes on first read. */
  static received<T>(bytes: Uint8Array): Prepacked<T> {
    return new Prepacked<T>(bytes, undefined, false);
  }

  /** The value (decoded once, on first read, when this wrapper came off the wire). */
  get value(): T {
    if (!this.#decoded) {
      this.#value = prepackCodec.unpack(this.bytes) as T;
      this.#decoded = true;
    }
    return this.#value as T;
  }
}

function decodeInActor(bytes: Uint8Array): unknown {
  return prepackCodec.unpack(bytes);
}

/** Packs `value` once for several envelopes (see Prepacked). */
export function prepack<T>(value: T): Prepacked<T> {
  return Prepacked.of(value);
}

/** `x` itself, or the value of a Prepacked `x` (main-side reads of a relayed field). */
export function unpacked<T>(x: T | Prepacked<T>): T {
  return x instanceof Prepacked ? x.value : x;
}

/** Application extension type (msgpackr reserves 0x42, 0x52, 0x62, 0x65, 0x69, 0x70, 0x73, 0x74, 0x78, 0xff). */
const PREPACKED_EXT = 0x01;
/** Every thread builds the same one (wire-shapes.ts): a prepacked value is decodable in any of them. */
const prepackCodec = new Packr({
  moreTypes: true,
  structures: PREPACKED_SHAPES.map((s) => [...s]),
  maxSharedStructures: PREPACKED_SHAPES.length,
});
addExtension({
  Class: Prepacked,
  type: PREPACKED_EXT,
  pack: (p: Prepacked) => p.bytes,
  // The decoder is per thread: main relays (keeps bytes), actors use. msgpackr's unpack is re-entrant, so one
  // module-level decoder serves nested decodes.
  unpack: isMainThread ? (bytes: Uint8Array) => Prepacked.received(bytes) : decodeInActor,
});

export function createCodec(): Packr {
  const structures = SHARED_STRUCTURES.map((s) => [...s]);
  return new Packr({ structures, maxSharedStructures: structures.length, moreTypes: true });
}

/** Builds an envelope with a canonical key order (so it matches a shared structure). */
export function makeEnvelope<B>(
  id: number,
  type: string,
  from: string,
  to: string,
  ts: number,
  body: B,
  opts: { cycleId?: string | undefined; corrId?: number | undefined; rsvp?: boolean | undefined } = {},
): Envelope<B> {
  const env: Record<string, unknown> = { id, type, from, to, ts };
  if (opts.cycleId !== undefined) env['cycleId'] = opts.cycleId;
  if (opts.corrId !== undefined) env['corrId'] = opts.corrId;
  if (opts.rsvp) env['rsvp'] = true;
  env['body'] = body;
  return env as unknown as Envelope<B>;
}

/** Packs a batch to an exact-size, transferable Uint8Array. */
export function encodeBatch(codec: Packr, batch: readonly Envelope[]): Uint8Array {
  const packed = codec.pack(batch);
  // Copy out of msgpackr's pooled buffer: posting the view would clone (or detach) the whole slab.
  return Uint8Array.prototype.slice.call(packed) as Uint8Array;
}

export function decodeBatch(codec: Packr, bytes: Uint8Array): Envelope[] {
  const value = codec.unpack(bytes) as unknown;
  if (!Array.isArray(value)) throw new TypeError(`expected an envelope batch (array), was ${typeof value}`);
  return value as Envelope[];
}
