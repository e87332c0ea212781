/**
 * @module Encoder for market feed V3 `FeedResponse` frames, used by the fake and the bench. Writes the full
 * MarketDataFeedV3.proto layout (depth, greeks, OHLC, totals) so the official SDK's proto decodes it unchanged.
 */

export interface DepthLevel {
  readonly bidQ: number;
  readonly bidP: number;
  readonly askQ: number;
  readonly askP: number;
}

export interface FeedQuote {
  readonly ltp: number;
  readonly ltt: number;
  readonly ltq: number;
  readonly cp: number;
  /** Index keys carry only LTPC + OHLC. */
  readonly isIndex: boolean;
  readonly depth?: readonly DepthLevel[];
  readonly greeks?: { readonly delta: number; readonly theta: number; readonly gamma: number; readonly vega: number; readonly rho: number };
  readonly ohlc?: ReadonlyArray<{ readonly interval: string; readonly open: number; readonly high: number; readonly low: number; readonly close: number; readonly vol: number; readonly ts: number }>;
  readonly atp?: number;
  readonly vtt?: number;
  readonly oi?: number;
  readonly iv?: number;
  readonly tbq?: number;
  readonly tsq?: number;
}

export type EncodeMode = 'ltpc' | 'full' | 'option_greeks';

class Writer {
  buf = new Uint8Array(256);
  view = new DataView(this.buf.buffer);
  pos = 0;
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  varint(v: number): void {
    this.ensure(10);
    // Values here are non-negative and < 2^53; division keeps the high bits exact.
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }
  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }
  double(field: number, v: number | undefined): void {
    if (v === undefined || v === 0) return;
    this.tag(field, 1);
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }
  uint(field: number, v: number | undefined): void {
    if (v === undefined || v === 0) return;
    this.tag(field, 0);
    this.varint(Math.round(v));
  }
  string(field: number, s: string): void {
    const bytes = utf8.encode(s);
    this.tag(field, 2);
    this.varint(bytes.length);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }
  /** Writes a length-delimited sub-message produced by `body`. */
  message(field: number, body: () => void): void {
    this.tag(field, 2);
    // Reserve 3 bytes for the length (enough below 2 MiB), then shift the body once the real length is known.
    const lenAt = this.pos;
    this.ensure(3);
    this.pos += 3;
    const start = this.pos;
    body();
    const len = this.pos - start;
    const lenBytes: number[] = [];
    let v = len;
    while (v >= 0x80) { lenBytes.push((v & 0x7f) | 0x80); v >>>= 7; }
    lenBytes.push(v);
    const shift = lenBytes.length - 3;
    if (shift !== 0) {
      this.ensure(Math.max(shift, 0));
      this.buf.copyWithin(start + shift, start, this.pos);
      this.pos += shift;
    }
    for (let i = 0; i < lenBytes.length; i++) this.buf[lenAt + i] = lenBytes[i]!;
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

const utf8 = new TextEncoder();

export function encodeFeedResponse(frame: {
  readonly type: 0 | 1 | 2;
  readonly currentTs: number;
  readonly feeds?: ReadonlyMap<string, { readonly quote: FeedQuote; readonly mode: EncodeMode }>;
  readonly segmentStatus?: Readonly<Record<string, number>>;
}): Uint8Array {
  const w = new Writer();
  w.uint(1, frame.type);
  for (const [key, { quote, mode }] of frame.feeds ?? []) {
    w.message(2, () => {
      w.string(1, key);
      w.message(2, () => writeFeed(w, quote, mode));
    });
  }
  w.uint(3, frame.currentTs);
  if (frame.segmentStatus !== undefined) {
    w.message(4, () => {
      for (const [seg, status] of Object.entries(frame.segmentStatus ?? {})) {
        w.message(1, () => { w.string(1, seg); w.uint(2, status); });
      }
    });
  }
  return w.finish();
}

function writeFeed(w: Writer, q: FeedQuote, mode: EncodeMode): void {
  if (mode === 'ltpc') {
    w.message(1, () => writeLtpc(w, q));
    return;
  }
  if (mode === 'option_greeks' && !q.isIndex) {
    w.message(3, () => {
      w.message(1, () => writeLtpc(w, q));
      const best = q.depth?.[0];
      if (best !== undefined) w.message(2, () => writeQuote(w, best));
      if (q.greeks !== undefined) w.message(3, () => writeGreeks(w, q));
      w.uint(4, q.vtt);
      w.double(5, q.oi);
      w.double(6, q.iv);
    });
    w.uint(4, 2);
    return;
  }
  w.message(2, () => {
    if (q.isIndex) {
      w.message(2, () => {
        w.message(1, () => writeLtpc(w, q));
        if (q.ohlc !== undefined) w.message(2, () => writeOhlc(w, q));
      });
    } else {
      w.message(1, () => {
        w.message(1, () => writeLtpc(w, q));
        w.message(2, () => { for (const d of q.depth ?? []) w.message(1, () => writeQuote(w, d)); });
        if (q.greeks !== undefined) w.message(3, () => writeGreeks(w, q));
        if (q.ohlc !== undefined) w.message(4, () => writeOhlc(w, q));
        w.double(5, q.atp);
        w.uint(6, q.vtt);
        w.double(7, q.oi);
        w.double(8, q.iv);
        w.double(9, q.tbq);
        w.double(10, q.tsq);
      });
    }
  });
  w.uint(4, 1);
}

function writeLtpc(w: Writer, q: FeedQuote): void {
  w.double(1, q.ltp);
  w.uint(2, q.ltt);
  w.uint(3, q.ltq);
  w.double(4, q.cp);
}

function writeQuote(w: Writer, d: DepthLevel): void {
  w.uint(1, d.bidQ);
  w.double(2, d.bidP);
  w.uint(3, d.askQ);
  w.double(4, d.askP);
}

function writeGreeks(w: Writer, q: FeedQuote): void {
  const g = q.greeks!;
  w.double(1, g.delta);
  w.double(2, g.theta);
  w.double(3, g.gamma);
  w.double(4, g.vega);
  w.double(5, g.rho);
}

function writeOhlc(w: Writer, q: FeedQuote): void {
  for (const c of q.ohlc ?? []) {
    w.message(1, () => {
      w.string(1, c.interval);
      w.double(2, c.open);
      w.double(3, c.high);
      w.double(4, c.low);
      w.double(5, c.close);
      w.uint(6, c.vol);
      w.uint(7, c.ts);
    });
  }
}
