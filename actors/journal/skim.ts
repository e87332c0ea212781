/**
 * @module Reading a frame's entry without decoding all of it: its top-level fields (seq, ts, actor, type, cycleId,
 * corrId) and where its body lies, by walking the msgpack headers (a value is passed over by its length, never
 * decoded). A reader that wants a few types out of a long stretch of journal (`volguard report day`: a day is ~8,000
 * entries, most of them cycles it needs one figure of) decodes only those, or only a part of a body: decoding every
 * entry in full was most of its time (the objects, and the GC after them).
 *
 * The frame format is unchanged (frame.ts): this reads any frame any version of the journal wrote, whatever the order of
 * the payload's keys. It is only a shortcut: whatever it cannot read this way — a payload that is not a map of those
 * fields, a 64-bit integer, truncated bytes — it answers null for, and the caller decodes the frame in full, which
 * reports any fault exactly as before. msgpackr has no partial decode, hence this walker (headers only, per the
 * msgpack spec's format table).
 */
import { Packr } from 'msgpackr';
import { HASH_BYTES, HEADER_BYTES, parseFrame, type RawFrame } from './frame.ts';

/** A frame's entry as far as a skim reads it; the body is a byte range of the frame, not decoded. */
export interface SkimmedEntry {
  readonly seq: number;
  readonly ts: number;
  readonly actor: string;
  readonly type: string;
  readonly cycleId: string | undefined;
  readonly corrId: string | undefined;
  /** The body's msgpack value: bytes [bodyStart, bodyEnd) of the frame. */
  readonly bodyStart: number;
  readonly bodyEnd: number;
}

/** Decoder for a part of a body: the same options as the frame's own packr (frame.ts), so a part decodes as it would whole. */
const partPackr = new Packr({ useRecords: false, moreTypes: true, copyBuffers: true });

const NOT_READ = -1;

/** Where the msgpack value at `at` ends (exclusive), or NOT_READ when `bytes[at, end)` holds no whole value. */
export function skipValue(b: Uint8Array, at: number, end: number): number {
  // Containers are walked with a count of values still to pass over (a map entry is two values), not by recursion.
  let pending = 1;
  let p = at;
  while (pending > 0) {
    if (p >= end) return NOT_READ;
    const t = b[p]!;
    pending--;
    p++;
    if (t <= 0x7f || t >= 0xe0 || (t >= 0xc0 && t <= 0xc3)) continue; // fixints, nil, (never used), false, true
    if (t <= 0x8f) { pending += 2 * (t & 0x0f); continue; } // fixmap
    if (t <= 0x9f) { pending += t & 0x0f; continue; } // fixarray
    if (t <= 0xbf) { p += t & 0x1f; continue; } // fixstr
    let len: number;
    switch (t) {
      case 0xc4: case 0xd9: if (p + 1 > end) return NOT_READ; len = 1 + b[p]!; break; // bin8, str8
      case 0xc5: case 0xda: if (p + 2 > end) return NOT_READ; len = 2 + u16(b, p); break; // bin16, str16
      case 0xc6: case 0xdb: if (p + 4 > end) return NOT_READ; len = 4 + u32(b, p); break; // bin32, str32
      case 0xc7: if (p + 1 > end) return NOT_READ; len = 2 + b[p]!; break; // ext8: length, type, data
      case 0xc8: if (p + 2 > end) return NOT_READ; len = 3 + u16(b, p); break; // ext16
      case 0xc9: if (p + 4 > end) return NOT_READ; len = 5 + u32(b, p); break; // ext32
      case 0xcc: case 0xd0: len = 1; break; // uint8, int8
      case 0xcd: case 0xd1: len = 2; break; // uint16, int16
      case 0xca: case 0xce: case 0xd2: len = 4; break; // float32, uint32, int32
      case 0xcb: case 0xcf: case 0xd3: len = 8; break; // float64, uint64, int64
      case 0xd4: len = 2; break; // fixext1: type + 1
      case 0xd5: len = 3; break; // fixext2
      case 0xd6: len = 5; break; // fixext4
      case 0xd7: len = 9; break; // fixext8
      case 0xd8: len = 17; break; // fixext16
      case 0xdc: if (p + 2 > end) return NOT_READ; pending += u16(b, p); len = 2; break; // array16
      case 0xdd: if (p + 4 > end) return NOT_READ; pending += u32(b, p); len = 4; break; // array32
      case 0xde: if (p + 2 > end) return NOT_READ; pending += 2 * u16(b, p); len = 2; break; // map16
      case 0xdf: if (p + 4 > end) return NOT_READ; pending += 2 * u32(b, p); len = 4; break; // map32
      default: return NOT_READ;
    }
    p += len;
  }
  return p <= end ? p : NOT_READ;
}

/**
 * The map at `at`: its entry count and where its first key starts; null when the value there is not a map.
 */
function mapHeader(b: Uint8Array, at: number, end: number): { count: number; first: number } | null {
  if (at >= end) return null;
  const t = b[at]!;
  if (t >= 0x80 && t <= 0x8f) return { count: t & 0x0f, first: at + 1 };
  if (t === 0xde && at + 3 <= end) return { count: u16(b, at + 1), first: at + 3 };
  if (t === 0xdf && at + 5 <= end) return { count: u32(b, at + 1), first: at + 5 };
  return null;
}

/** The string at `at` and where it ends; null when the value there is not a string. */
function readString(b: Uint8Array, at: number, end: number): { value: string; next: number } | null {
  if (at >= end) return null;
  const t = b[at]!;
  let start: number;
  let len: number;
  if (t >= 0xa0 && t <= 0xbf) { start = at + 1; len = t & 0x1f; }
  else if (t === 0xd9 && at + 2 <= end) { start = at + 2; len = b[at + 1]!; }
  else if (t === 0xda && at + 3 <= end) { start = at + 3; len = u16(b, at + 1); }
  else if (t === 0xdb && at + 5 <= end) { start = at + 5; len = u32(b, at + 1); }
  else return null;
  if (start + len > end) return null;
  return { value: asBuffer(b).toString('utf8', start, start + len), next: start + len };
}

/** The number at `at` (ints up to 32 bits, floats); null for anything else (64-bit ints: msgpackr's choice of type). */
function readNumber(b: Uint8Array, at: number, end: number): number | null {
  if (at >= end) return null;
  const t = b[at]!;
  if (t <= 0x7f) return t;
  if (t >= 0xe0) return t - 0x100;
  const need = t === 0xcc || t === 0xd0 ? 1 : t === 0xcd || t === 0xd1 ? 2 : t === 0xca || t === 0xce || t === 0xd2 ? 4 : t === 0xcb ? 8 : 0;
  if (need === 0 || at + 1 + need > end) return null;
  const buf = asBuffer(b);
  switch (t) {
    case 0xcc: return buf.readUInt8(at + 1);
    case 0xcd: return buf.readUInt16BE(at + 1);
    case 0xce: return buf.readUInt32BE(at + 1);
    case 0xd0: return buf.readInt8(at + 1);
    case 0xd1: return buf.readInt16BE(at + 1);
    case 0xd2: return buf.readInt32BE(at + 1);
    case 0xca: return buf.readFloatBE(at + 1);
    default: return buf.readDoubleBE(at + 1);
  }
}

/**
 * The entry in the frame `bytes[0, end)` (a format-1 frame: header, then the payload map), its body left as a byte range;
 * null when the payload is not a map holding a numeric seq and ts, a string actor and type, and a body (the caller then
 * decodes the frame in full). As msgpackr decodes a map, a key given twice takes its last value.
 */
export function skimEntry(bytes: Uint8Array, end: number): SkimmedEntry | null {
  const map = mapHeader(bytes, HEADER_BYTES, end);
  if (map === null) return null;
  let seq: number | null = null;
  let ts: number | null = null;
  let actor: string | null = null;
  let type: string | null = null;
  let cycleId: string | undefined;
  let corrId: string | undefined;
  let bodyStart = NOT_READ;
  let bodyEnd = NOT_READ;
  let p = map.first;
  for (let i = 0; i < map.count; i++) {
    const key = readString(bytes, p, end);
    const at = key === null ? skipValue(bytes, p, end) : key.next;
    if (at === NOT_READ) return null;
    const next = skipValue(bytes, at, end);
    if (next === NOT_READ) return null;
    switch (key?.value) {
      case 'seq': seq = readNumber(bytes, at, end); break;
      case 'ts': ts = readNumber(bytes, at, end); break;
      case 'actor': actor = readString(bytes, at, end)?.value ?? null; break;
      case 'type': type = readString(bytes, at, end)?.value ?? null; break;
      // As entryOf: a cycleId / corrId that is not a string is no cycleId / corrId.
      case 'cycleId': cycleId = readString(bytes, at, end)?.value; break;
      case 'corrId': corrId = readString(bytes, at, end)?.value; break;
      case 'body': bodyStart = at; bodyEnd = next; break;
      default: break;
    }
    p = next;
  }
  if (p !== end || seq === null || ts === null || actor === null || type === null || bodyStart === NOT_READ) return null;
  return { seq, ts, actor, type, cycleId, corrId, bodyStart, bodyEnd };
}

/**
 * The part of the body at `path` (keys of nested maps), decoded alone and nested under the same keys — `{summary: {pnl:
 * …}}` for ['summary', 'pnl'] — or `{}` when the body has no such part (a key missing, or a step that is not a map);
 * null when the bytes on the way cannot be read (the caller decodes in full). Reading the part as the fold would read it
 * from the whole body (`rec(rec(body.summary).pnl)`) gives the same value either way.
 */
export function skimBodyPart(bytes: Uint8Array, entry: SkimmedEntry, path: readonly string[]): { readonly body: unknown } | null {
  let start = entry.bodyStart;
  let stop = entry.bodyEnd;
  for (const step of path) {
    const map = mapHeader(bytes, start, stop);
    if (map === null) return { body: {} };
    let found = NOT_READ;
    let foundEnd = NOT_READ;
    let p = map.first;
    for (let i = 0; i < map.count; i++) {
      const key = readString(bytes, p, stop);
      const at = key === null ? skipValue(bytes, p, stop) : key.next;
      if (at === NOT_READ) return null;
      const next = skipValue(bytes, at, stop);
      if (next === NOT_READ) return null;
      if (key?.value === step) { found = at; foundEnd = next; }
      p = next;
    }
    if (found === NOT_READ) return { body: {} };
    start = found;
    stop = foundEnd;
  }
  let value: unknown;
  try {
    value = partPackr.unpack(asBuffer(bytes), { start, end: stop });
  } catch {
    return null;
  }
  for (let i = path.length - 1; i >= 0; i--) value = { [path[i]!]: value };
  return { body: value };
}

/** The same part of an already decoded body (what `skimBodyPart` gives, for a body decoded in full). */
export function bodyPart(body: unknown, path: readonly string[]): unknown {
  let value: unknown = body;
  for (const step of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, step)) return {};
    value = (value as Record<string, unknown>)[step];
  }
  for (let i = path.length - 1; i >= 0; i--) value = { [path[i]!]: value };
  return value;
}

const u16 = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;
const u32 = (b: Uint8Array, at: number): number => ((b[at]! << 24) >>> 0) + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** What a read selects (store.ts ReadOptions `types`, `bodyPaths`). */
export interface Selection {
  readonly types: ReadonlySet<string> | undefined;
  readonly bodyPaths: Readonly<Record<string, readonly string[]>> | undefined;
}

/** A frame as a selective read parses it: `partial` when its body is already only the selected part. */
export interface SelectedFrame extends RawFrame {
  readonly partial: boolean;
}

/** An entry whose type the selection does not want: not decoded. */
export const PASSED_OVER: SelectedFrame = { payload: undefined, prevHash: '', hash: '', hashOk: true, error: null, partial: false };

/**
 * The frame `bytes[0, end)` parsed for `sel` (a FrameVisitor: the bytes are lent, nothing returned points into them;
 * never throws): PASSED_OVER for an unwanted type; the entry with only its body's selected part; otherwise — a wanted
 * entry read whole, or one the skim cannot read — the frame parsed in full (`partial` false: the caller selects from it).
 */
export function parseSelected(bytes: Uint8Array, end: number, sel: Selection): SelectedFrame {
  const e = skimEntry(bytes, end);
  if (e === null) return { ...parseFrame(bytes, end, false), partial: false };
  if (sel.types !== undefined && !sel.types.has(e.type)) return PASSED_OVER;
  const path = sel.bodyPaths?.[e.type];
  // A wanted entry is decoded whole unless a part of its body is selected (and readable this way).
  const part = path === undefined ? null : skimBodyPart(bytes, e, path);
  if (part === null) return { ...parseFrame(bytes, end, false), partial: false };
  const buf = asBuffer(bytes);
  const payload: Record<string, unknown> = { seq: e.seq, ts: e.ts, actor: e.actor, type: e.type, body: part.body };
  if (e.cycleId !== undefined) payload['cycleId'] = e.cycleId;
  if (e.corrId !== undefined) payload['corrId'] = e.corrId;
  return { payload, prevHash: buf.toString('hex', 1 + HASH_BYTES, HEADER_BYTES), hash: buf.toString('hex', 1, 1 + HASH_BYTES), hashOk: true, error: null, partial: true };
}
