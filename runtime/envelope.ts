/**
 * @module Envelopes and their wire codec.
 *
 * Every message between threads is an Envelope, encoded with msgpackr using ONE fixed list of shared structures that
 * every thread builds identically (runtime.md §3: two threads with independent structure lists cannot decode each
 * other). Unknown shapes (message bodies) fall back to self-describing inline records. A batch is an array of
 * envelopes packed into one buffer, sliced to exact size and transferred (never post msgpackr's pooled buffer).
 */
import { addExtension, Packr } from 'msgpackr';

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
 * A value encoded once, to be sent to many actors: main relays the 46 KB market snapshot (and the surface) to four
 * actors every cycle, and packing it once instead of four times is the cheapest hop we can remove. Anywhere inside
 * an envelope's body, a Prepacked travels as its bytes (msgpack extension type PREPACKED_EXT) and every receiver's
 * codec hands the handler the decoded VALUE, never the wrapper: receivers cannot tell the difference. Only a
 * message that stays in its thread (main to main) is never encoded and so still holds the wrapper (`.value`).
 */
export class Prepacked<T = unknown> {
  /** @internal */
  readonly bytes: Uint8Array;
  /** @internal the value, for same-thread consumers (a sender that also reads it) */
  readonly value: T;
  constructor(value: T) {
    this.value = value;
    // Own structures only (no shared list): the bytes must decode in any thread, whatever its link's state.
    this.bytes = Uint8Array.prototype.slice.call(prepackCodec.pack(value)) as Uint8Array;
  }
}

/** The body type a receiver sees for a field sent as `Prepacked<T>`. */
export type Unpacked<T> = T extends Prepacked<infer U> ? U : T;

/** Packs `value` once for several envelopes (see Prepacked). */
export function prepack<T>(value: T): Prepacked<T> {
  return new Prepacked(value);
}

/** Application extension type (msgpackr reserves 0x42, 0x52, 0x62, 0x65, 0x69, 0x70, 0x73, 0x74, 0x78, 0xff). */
const PREPACKED_EXT = 0x01;
const prepackCodec = new Packr({ moreTypes: true });
addExtension({
  Class: Prepacked,
  type: PREPACKED_EXT,
  pack: (p: Prepacked) => p.bytes,
  // A fresh Packr per nested decode would rebuild record readers; one module-level decoder is re-entrant in msgpackr.
  unpack: (bytes: Uint8Array) => prepackCodec.unpack(bytes),
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
