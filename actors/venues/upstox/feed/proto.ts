/**
 * @module Hand-written decoder for market feed V3 `FeedResponse` frames (proto3, field numbers from
 * MarketDataFeedV3.proto), straight into `Tick`s: no intermediate message objects, unknown fields skipped.
 * The bench (test/bench/upstox-frames.ts) compares it with protobufjs on the same frames.
 *
 * Quirks: proto3 omits zero values, so a present Quote with no bidP means "no bid" (reported as 0).
 * `iv` in the feed is a decimal (0.14), unlike the option-chain REST answer (14.0, percent).
 */
import type { Tick } from '../../market-data.ts';

export const FeedType = { initial_feed: 0, live_feed: 1, market_info: 2 } as const;
export const RequestMode = { ltpc: 0, full_d5: 1, option_greeks: 2, full_d30: 3 } as const;
export const MarketStatus = ['PRE_OPEN_START', 'PRE_OPEN_END', 'NORMAL_OPEN', 'NORMAL_CLOSE', 'CLOSING_START', 'CLOSING_END'] as const;
export type MarketStatusName = (typeof MarketStatus)[number];

export interface DecodedFrame {
  readonly type: number;
  readonly currentTs: number;
  readonly ticks: Tick[];
  /** segment → status, present on market_info frames. */
  readonly segmentStatus?: Record<string, MarketStatusName | `UNKNOWN_${number}`>;
}

type MutableTick = { -readonly [K in keyof Tick]: Tick[K] };

export class ProtoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtoError';
  }
}

/** A cursor over one frame; methods are small so V8 inlines them. */
class Reader {
  readonly buf: Uint8Array;
  readonly view: DataView;
  pos = 0;
  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  varint(): number {
    const buf = this.buf;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= buf.length) throw new ProtoError(`expected a varint byte at ${this.pos}, was end of frame (${buf.length} bytes)`);
      const b = buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new ProtoError(`expected a varint of at most 10 bytes, was longer at ${this.pos}`);
  }
  double(): number {
    if (this.pos + 8 > this.buf.length) throw new ProtoError(`expected 8 bytes for a double at ${this.pos}, was ${this.buf.length - this.pos}`);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
  /** Returns the end offset of a length-delimited field. */
  len(): number {
    const n = this.varint();
    const end = this.pos + n;
    if (end > this.buf.length) throw new ProtoError(`expected ${n} bytes of a nested field at ${this.pos}, was ${this.buf.length - this.pos}`);
    return end;
  }
  string(): string {
    const end = this.len();
    const s = utf8.decode(this.buf.subarray(this.pos, end));
    this.pos = end;
    return s;
  }
  skip(wire: number): void {
    switch (wire) {
      case 0: this.varint(); return;
      case 1: this.pos += 8; return;
      case 2: this.pos = this.len(); return;
      case 5: this.pos += 4; return;
      default: throw new ProtoError(`expected wire type 0, 1, 2 or 5, was ${wire} at ${this.pos}`);
    }
  }
}

const utf8 = new TextDecoder();

export function decodeFeedResponse(frame: Uint8Array): DecodedFrame {
  const r = new Reader(frame);
  let type = 0;
  let currentTs = 0;
  const pending: Array<{ key: string; tick: MutableTick }> = [];
  let segmentStatus: Record<string, MarketStatusName | `UNKNOWN_${number}`> | undefined;
  while (r.pos < frame.length) {
    const tag = r.varint();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === 0) type = r.varint();
    else if (field === 2 && (tag & 7) === 2) pending.push(feedEntry(r, r.len()));
    else if (field === 3 && (tag & 7) === 0) currentTs = r.varint();
    else if (field === 4 && (tag & 7) === 2) segmentStatus = marketInfo(r, r.len());
    else r.skip(tag & 7);
  }
  const ticks: Tick[] = new Array(pending.length);
  for (let i = 0; i < pending.length; i++) {
    const p = pending[i]!;
    // The frame time is the quote time; `ltt` (last trade) can be hours old on an illiquid strike.
    if (currentTs > 0) p.tick.ts = currentTs;
    ticks[i] = p.tick;
  }
  return segmentStatus === undefined ? { type, currentTs, ticks } : { type, currentTs, ticks, segmentStatus };
}

function feedEntry(r: Reader, end: number): { key: string; tick: MutableTick } {
  let key = '';
  const tick: MutableTick = { instrumentKey: '', ts: 0 };
  while (r.pos < end) {
    const tag = r.varint();
    if (tag === 10) key = r.string();
    else if (tag === 18) feed(r, r.len(), tick);
    else r.skip(tag & 7);
  }
  if (key === '') throw new ProtoError('expected a feeds map entry with an instrument key, was an empty key');
  tick.instrumentKey = key;
  return { key, tick };
}

function feed(r: Reader, end: number, t: MutableTick): void {
  while (r.pos < end) {
    const tag = r.varint();
    if (tag === 10) ltpc(r, r.len(), t);
    else if (tag === 18) fullFeed(r, r.len(), t);
    else if (tag === 26) firstLevel(r, r.len(), t);
    else r.skip(tag & 7);
  }
}

function ltpc(r: Reader, end: number, t: MutableTick): void {
  t.ltp = 0;
  while (r.pos < end) {
    const tag = r.varint();
    if (tag === 9) t.ltp = r.double();
    else if (tag === 16) t.ts = r.varint();
    else r.skip(tag & 7);
  }
}

function fullFeed(r: Reader, end: number, t: MutableTick): void {
  while (r.pos < end) {
    const tag = r.varint();
    if (tag === 10) marketFF(r, r.len(), t);
    else if (tag === 18) indexFF(r, r.len(), t);
    else r.skip(tag & 7);
  }
}

function marketFF(r: Reader, end: number, t: MutableTick): void {
  while (r.pos < end) {
    const tag = r.varint();
    switch (tag) {
      case 10: ltpc(r, r.len(), t); break;
      case 18: marketLevel(r, r.len(), t); break;
      case 26: greeks(r, r.len(), t); break;
      case 48: t.volume = r.varint(); break;
      case 57: t.oi = r.double(); break;
      case 65: t.iv = r.double(); break;
      default: r.skip(tag & 7);
    }
  }
}

function indexFF(r: Reader, end: number, t: MutableTick): void {
  while (r.pos < end) {
    const tag = r.varint();
    if (tag === 10) ltpc(r, r.len(), t);
    else r.skip(tag & 7);
  }
}

function firstLevel(r: Reader, end: number, t: MutableTick): void {
  while (r.pos < end) {
    const tag = r.varint();
    switch (tag) {
      case 10: ltpc(r, r.len(), t); break;
      case 18: quote(r, r.len(), t); break;
      case 26: greeks(r, r.len(), t); break;
      case 32: t.volume = r.varint(); break;
      case 41: t.oi = r.double(); break;
      case 49: t.iv = r.double(); break;
      default: r.skip(tag & 7);
    }
  }
}

/** Only the best level feeds a Tick; deeper levels are skipped without decoding. */
function marketLevel(r: Reader, end: number, t: MutableTick): void {
  let first = true;
  while (r.pos < end) {
    const tag = r.varint();
    if (tag === 10 && first) {
      quote(r, r.len(), t);
      first = false;
    } else r.skip(tag & 7);
  }
}

function quote(r: Reader, end: number, t: MutableTick): void {
  t.bidQty = 0; t.bid = 0; t.askQty = 0; t.ask = 0;
  while (r.pos < end) {
    const tag = r.varint();
    switch (tag) {
      case 8: t.bidQty = r.varint(); break;
      case 17: t.bid = r.double(); break;
      case 24: t.askQty = r.varint(); break;
      case 33: t.ask = r.double(); break;
      default: r.skip(tag & 7);
    }
  }
}

/** OptionGreeks: delta #1, theta #2, gamma #3, vega #4, rho #5 (rho unused). proto3 omits zeros: absent = 0. */
function greeks(r: Reader, end: number, t: MutableTick): void {
  t.delta = 0; t.theta = 0; t.gamma = 0; t.vega = 0;
  while (r.pos < end) {
    const tag = r.varint();
    switch (tag) {
      case 9: t.delta = r.double(); break;
      case 17: t.theta = r.double(); break;
      case 25: t.gamma = r.double(); break;
      case 33: t.vega = r.double(); break;
      default: r.skip(tag & 7);
    }
  }
}

function marketInfo(r: Reader, end: number): Record<string, MarketStatusName | `UNKNOWN_${number}`> {
  const out: Record<string, MarketStatusName | `UNKNOWN_${number}`> = {};
  while (r.pos < end) {
    const tag = r.varint();
    if (tag !== 10) { r.skip(tag & 7); continue; }
    const entryEnd = r.len();
    let key = '';
    let value = 0;
    while (r.pos < entryEnd) {
      const t = r.varint();
      if (t === 10) key = r.string();
      else if (t === 16) value = r.varint();
      else r.skip(t & 7);
    }
    out[key] = MarketStatus[value] ?? `UNKNOWN_${value}`;
  }
  return out;
}
