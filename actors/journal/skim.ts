/**
 * @module Reading a frame's entry without decoding all of it, for a read that wants only some entry types, or only a
 * part of some bodies (store.ts ReadOptions `types`, `bodyPaths`). `volguard report day` reads a day of ~8,500 entries,
 * most of them cycles it needs one figure of: decoding every entry whole was most of its time (the objects, and the GC
 * after them).
 *
 * The payload's map is walked by its msgpack headers: keys are compared as bytes, the entry's type is read (interned:
 * a journal has few types), and values are passed over by their lengths, never decoded. An unwanted type is dropped
 * there; a wanted entry is decoded whole by frame.ts, or — when a part of its body is selected — only that part is.
 *
 * The frame format is unchanged (frame.ts): this reads any frame any version of the journal wrote, whatever the order
 * of the payload's keys. It is only a shortcut: a payload it cannot read this way (not a map of those fields, a 64-bit
 * integer, truncated bytes) is decoded in full, which reports any fault exactly as before. An entry passed over is not
 * checked beyond its type. msgpackr has no partial decode, hence this walker (headers only, per the msgpack spec's
 * format table).
 */
import { Packr } from 'msgpackr';
import { HASH_BYTES, HEADER_BYTES, parseFrame, type RawFrame } from './frame.ts';

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

/** Decoder for a part of a body: the frame's own packr options (frame.ts), so a part decodes as it would in the whole. */
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
    if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) continue; // fixints, nil, false, true
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
      default: return NOT_READ; // 0xc1: never used
    }
    p += len;
  }
  return p <= end ? p : NOT_READ;
}

// Out-values of the header readers below (this runs per entry: no object per call).
let mapCount = 0;
let strStart = 0;
let strLen = 0;

/** Where the first key of the map at `at` starts (its entry count in `mapCount`); NOT_READ when that is not a map. */
function mapAt(b: Uint8Array, at: number, end: number): number {
  if (at >= end) return NOT_READ;
  const t = b[at]!;
  if (t >= 0x80 && t <= 0x8f) { mapCount = t & 0x0f; return at + 1; }
  if (t === 0xde && at + 3 <= end) { mapCount = u16(b, at + 1); return at + 3; }
  if (t === 0xdf && at + 5 <= end) { mapCount = u32(b, at + 1); return at + 5; }
  return NOT_READ;
}

/** Whether the value at `at` is a whole string (its bytes then `[strStart, strStart + strLen)`). */
function strAt(b: Uint8Array, at: number, end: number): boolean {
  if (at >= end) return false;
  const t = b[at]!;
  if (t >= 0xa0 && t <= 0xbf) { strStart = at + 1; strLen = t & 0x1f; }
  else if (t === 0xd9 && at + 2 <= end) { strStart = at + 2; strLen = b[at + 1]!; }
  else if (t === 0xda && at + 3 <= end) { strStart = at + 3; strLen = u16(b, at + 1); }
  else if (t === 0xdb && at + 5 <= end) { strStart = at + 5; strLen = u32(b, at + 1); }
  else return false;
  return strStart + strLen <= end;
}

/** Whether the string last found by `strAt` is `key` (its UTF-8 bytes). */
function strIs(b: Uint8Array, key: Uint8Array): boolean {
  if (strLen !== key.length) return false;
  for (let i = 0; i < strLen; i++) if (b[strStart + i] !== key[i]) return false;
  return true;
}

/**
 * The string last found by `strAt`, interned: a journal's types and actors are a few dozen strings seen thousands of
 * times, so each is made once. Bounded: past INTERN_MAX distinct strings, new ones are simply made each time.
 */
const interned = new Map<number, Array<{ readonly bytes: Buffer; readonly value: string }>>();
const INTERN_MAX = 4_096;
let internedCount = 0;
function internStr(b: Uint8Array): string {
  let h = strLen;
  for (let i = 0; i < strLen; i++) h = (Math.imul(h, 31) + b[strStart + i]!) | 0;
  const bucket = interned.get(h);
  if (bucket !== undefined) for (const c of bucket) if (strIs(b, c.bytes)) return c.value;
  const buf = asBuffer(b);
  const value = buf.toString('utf8', strStart, strStart + strLen);
  if (internedCount < INTERN_MAX) {
    internedCount++;
    const entry = { bytes: Buffer.from(buf.subarray(strStart, strStart + strLen)), value };
    if (bucket !== undefined) bucket.push(entry); else interned.set(h, [entry]);
  }
  return value;
}

/** The number at `at` (ints up to 32 bits, floats); null for anything else (64-bit ints: left to msgpackr's rules). */
function numberAt(b: Uint8Array, at: number, end: number): number | null {
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

const K_TYPE = Buffer.from('type');
const K_BODY = Buffer.from('body');
const K_SEQ = Buffer.from('seq');
const K_TS = Buffer.from('ts');
const K_ACTOR = Buffer.from('actor');
const K_CORR = Buffer.from('corrId');
const K_CYCLE = Buffer.from('cycleId');
/** The payload fields, by number (compared per key of every entry). */
const Key = { Other: 0, Seq: 1, Ts: 2, Actor: 3, Type: 4, CycleId: 5, CorrId: 6, Body: 7 } as const;
type Key = (typeof Key)[keyof typeof Key];

/** Which payload field the string last found by `strAt` names. */
function keyOf(b: Uint8Array): Key {
  switch (strLen) {
    case 2: return strIs(b, K_TS) ? Key.Ts : Key.Other;
    case 3: return strIs(b, K_SEQ) ? Key.Seq : Key.Other;
    case 4: return strIs(b, K_TYPE) ? Key.Type : strIs(b, K_BODY) ? Key.Body : Key.Other;
    case 5: return strIs(b, K_ACTOR) ? Key.Actor : Key.Other;
    case 6: return strIs(b, K_CORR) ? Key.CorrId : Key.Other;
    case 7: return strIs(b, K_CYCLE) ? Key.CycleId : Key.Other;
    default: return Key.Other;
  }
}
/** The UTF-8 bytes of the keys of each selected body path (cached per path array). */
const pathKeys = new WeakMap<readonly string[], readonly Buffer[]>();

/**
 * The frame `bytes[0, end)` parsed for `sel` (a FrameVisitor: the bytes are lent, nothing returned points into them;
 * never throws): PASSED_OVER for an unwanted type; the entry with only its body's selected part (`partial`); otherwise
 * — a wanted entry read whole, or one this walk cannot read — the frame parsed in full (`partial` false: the caller
 * selects from it). As msgpackr decodes a map, a key given twice takes its last value (but an entry is passed over on
 * the first type it names; no writer of ours repeats a key).
 */
export function parseSelected(bytes: Uint8Array, end: number, sel: Selection): SelectedFrame {
  let p = mapAt(bytes, HEADER_BYTES, end);
  if (p === NOT_READ) return whole(bytes, end);
  const count = mapCount;
  let seq = NOT_READ;
  let ts = NOT_READ;
  let actor = NOT_READ;
  let type: string | null = null;
  let cycleId = NOT_READ;
  let corrId = NOT_READ;
  let body = NOT_READ;
  let bodyEnd = NOT_READ;
  // Whether the part's place (partStart, partEnd) was found for this entry's body as the walk passed over it.
  let partFound = false;
  let path: readonly string[] | undefined;
  let keys: readonly Buffer[] = NO_KEYS;
  for (let i = 0; i < count; i++) {
    const key = strAt(bytes, p, end) ? keyOf(bytes) : Key.Other;
    const at = key !== Key.Other ? strStart + strLen : skipValue(bytes, p, end);
    if (at === NOT_READ) return whole(bytes, end);
    // The body, once the type has said which part of it is wanted, is walked once: to its part and past it.
    const walkBody = key === Key.Body && path !== undefined;
    const next = walkBody ? walkToPart(bytes, at, end, keys, 0) : skipValue(bytes, at, end);
    if (next === NOT_READ) return whole(bytes, end);
    switch (key) {
      case Key.Type:
        // Decided here, before the body is walked: most entries of a selective read are not wanted.
        if (!strAt(bytes, at, end)) return whole(bytes, end);
        type = internStr(bytes);
        if (sel.types !== undefined && !sel.types.has(type)) return PASSED_OVER;
        path = sel.bodyPaths?.[type];
        if (path === undefined) return whole(bytes, end);
        keys = keysOf(path);
        partFound = false; // a body already walked was walked for no path, or another one
        break;
      case Key.Seq: seq = at; break;
      case Key.Ts: ts = at; break;
      case Key.Actor: actor = at; break;
      case Key.CycleId: cycleId = at; break;
      case Key.CorrId: corrId = at; break;
      case Key.Body: body = at; bodyEnd = next; partFound = walkBody; break;
      default: break;
    }
    p = next;
  }
  if (p !== end || type === null || path === undefined || body === NOT_READ) return whole(bytes, end);
  // A body written before the type (another writer's key order) is walked again, now that its part is known.
  if (!partFound && walkToPart(bytes, body, bodyEnd, keys, 0) !== bodyEnd) return whole(bytes, end);
  const seqValue = seq === NOT_READ ? null : numberAt(bytes, seq, end);
  const tsValue = ts === NOT_READ ? null : numberAt(bytes, ts, end);
  if (seqValue === null || tsValue === null || actor === NOT_READ || !strAt(bytes, actor, end)) return whole(bytes, end);
  const actorValue = internStr(bytes);
  const part = partValue(bytes, path);
  if (part === NO_PART) return whole(bytes, end);
  const buf = asBuffer(bytes);
  const payload: Record<string, unknown> = { seq: seqValue, ts: tsValue, actor: actorValue, type, body: part };
  // As entryOf: a cycleId / corrId that is not a string is none.
  if (cycleId !== NOT_READ && strAt(bytes, cycleId, end)) payload['cycleId'] = buf.toString('utf8', strStart, strStart + strLen);
  if (corrId !== NOT_READ && strAt(bytes, corrId, end)) payload['corrId'] = buf.toString('utf8', strStart, strStart + strLen);
  return { payload, prevHash: buf.toString('hex', 1 + HASH_BYTES, HEADER_BYTES), hash: buf.toString('hex', 1, 1 + HASH_BYTES), hashOk: true, error: null, partial: true };
}

function whole(bytes: Uint8Array, end: number): SelectedFrame {
  return { ...parseFrame(bytes, end, false), partial: false };
}

const NO_PART = Symbol('no part');
const NO_KEYS: readonly Buffer[] = [];
/**
 * A small part is decoded from a copy here: msgpackr reads map keys through its key cache only while the source ends
 * before byte 180 (unpack.js readKey, `srcEnd < 180`, an end offset, not a length); a part near the end of a larger frame
 * has every key go through its native string extraction instead, which for a 3-key map cost more than the walk.
 */
const PART_SCRATCH = Buffer.alloc(179);
const SCRATCH_RANGE = { start: 0, end: 0 };

/** The UTF-8 bytes of the keys of a selected body path (cached per path array). */
function keysOf(path: readonly string[]): readonly Buffer[] {
  let keys = pathKeys.get(path);
  if (keys === undefined) pathKeys.set(path, (keys = path.map((k) => Buffer.from(k))));
  return keys;
}

// Out-values of `walkToPart`: where the selected part lies, partStart NOT_READ when the body has none.
let partStart = NOT_READ;
let partEnd = NOT_READ;

/**
 * Where the value at `at` ends (as `skipValue`), passing over it once while it finds the part at `keys[depth..]` in
 * it (keys of nested maps): sets `partStart`/`partEnd` to that part's bytes, or partStart NOT_READ when it has none
 * (a key missing, a step that is not a map). As msgpackr decodes a map, a key given twice is its last value.
 */
function walkToPart(b: Uint8Array, at: number, stop: number, keys: readonly Buffer[], depth: number): number {
  if (depth === keys.length) {
    const next = skipValue(b, at, stop);
    partStart = at;
    partEnd = next;
    return next;
  }
  if (depth === 0) partStart = NOT_READ;
  let p = mapAt(b, at, stop);
  if (p === NOT_READ) return skipValue(b, at, stop);
  const count = mapCount;
  const key = keys[depth]!;
  for (let i = 0; i < count; i++) {
    const isStr = strAt(b, p, stop);
    const match = isStr && strIs(b, key);
    const v = isStr ? strStart + strLen : skipValue(b, p, stop);
    if (v === NOT_READ) return NOT_READ;
    if (match) partStart = NOT_READ;
    const next = match ? walkToPart(b, v, stop, keys, depth + 1) : skipValue(b, v, stop);
    if (next === NOT_READ) return NOT_READ;
    p = next;
  }
  return p;
}

/**
 * The part `walkToPart` found, decoded alone and nested under the same keys — `{summary: {pnl: …}}` for
 * ['summary', 'pnl'] — or `{}` when the body has no such part; NO_PART when its bytes do not decode. What
 * `selectBodyPart` gives for the body decoded whole.
 */
function partValue(bytes: Uint8Array, path: readonly string[]): unknown {
  if (partStart === NOT_READ) return {};
  let value: unknown;
  try {
    const len = partEnd - partStart;
    if (len <= PART_SCRATCH.length) {
      // Byte by byte: Buffer#copy of a sub-range makes a view object per call.
      for (let i = 0; i < len; i++) PART_SCRATCH[i] = bytes[partStart + i]!;
      SCRATCH_RANGE.end = len;
      value = partPackr.unpack(PART_SCRATCH, SCRATCH_RANGE);
    } else {
      value = partPackr.unpack(asBuffer(bytes), { start: partStart, end: partEnd });
    }
  } catch {
    return NO_PART;
  }
  return nested(path, value);
}

/** The part of an already decoded body at `path`, as a selective read gives it (see `partValue`). */
export function selectBodyPart(body: unknown, path: readonly string[]): unknown {
  let value: unknown = body;
  for (const step of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, step)) return {};
    value = (value as Record<string, unknown>)[step];
  }
  return nested(path, value);
}

/**
 * `value` under the keys of `path`, outermost first. Assigned, not written as `{ [key]: value }`: a computed key in a
 * literal is a runtime call in V8, and this runs for every selected entry (but `__proto__` must be a plain key).
 */
function nested(path: readonly string[], value: unknown): unknown {
  for (let i = path.length - 1; i >= 0; i--) {
    const key = path[i]!;
    if (key === '__proto__') { value = { [key]: value }; continue; }
    const o: Record<string, unknown> = {};
    o[key] = value;
    value = o;
  }
  return value;
}

const u16 = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;
const u32 = (b: Uint8Array, at: number): number => ((b[at]! << 24) >>> 0) + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
