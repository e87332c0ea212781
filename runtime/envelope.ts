/**
 * @module Envelopes and their wire codec.
 *
 * Every message between threads is an Envelope, encoded with msgpackr using ONE fixed list of shared structures that
 * every thread builds identically (runtime.md §3: two threads with independent structure lists cannot decode each
 * other). Unknown shapes (message bodies) fall back to self-describing inline records. A batch is an array of
 * envelopes packed into one buffer, sliced to exact size and transferred (never post msgpackr's pooled buffer).
 */
import { Packr } from 'msgpackr';

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
