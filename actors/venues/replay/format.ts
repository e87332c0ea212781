/**
 * @module Recording format: a directory with `index.json` and time-chunked `chunk-NNNNNN.msgpack.gz` files.
 *
 * A chunk is gzip(msgpack(Entry[])) covering at most `chunkMs` of market time; entries are in arrival order:
 * `[ts, 0, Tick[]]` a batch of ticks, `[ts, 1, InstrumentInfo[]]` the instrument list (at start and on relisting),
 * `[ts, 2, SourceStatus]` a source status, `[ts, 3, Settlement[]]` official settlement prices (version 2, written by
 * the historical importers: actors/venues/replay/import/). `ts` is the market time the feed received it. The index is
 * rewritten (atomically) after each chunk, so a recording cut short by a crash is readable up to its last complete chunk.
 *
 * Version 2 is additive over version 1: entry kind 3, the optional `meta` in the index, and the optional `derived` flag
 * on ticks (actors/venues/market-data.ts). A version-1 recording reads unchanged; a reader that only knows version 1
 * refuses a version-2 index with its "expected version" error rather than misreading it.
 */
import type { Underlying } from '../../domain/underlying.ts';
import type { InstrumentInfo, Settlement, SourceStatus, Tick } from '../market-data.ts';

export const RECORDING_FORMAT = 'volguard-recording';
/** The version this code writes. */
export const RECORDING_VERSION = 2;
/** The versions this code reads. */
export const READABLE_VERSIONS: readonly number[] = [1, 2];

/** An official settlement price (declared with the sources that publish it: market-data.ts). */
export type { Settlement } from '../market-data.ts';

export type Entry =
  | readonly [ts: number, kind: 0, ticks: readonly Tick[]]
  | readonly [ts: number, kind: 1, instruments: readonly InstrumentInfo[]]
  | readonly [ts: number, kind: 2, status: SourceStatus]
  | readonly [ts: number, kind: 3, settlements: readonly Settlement[]];

/** What an imported recording says about itself (index.json `meta`, optional; recordings of a live feed have none). */
export interface RecordingMeta {
  /** The data it came from, e.g. `nse-bhavcopy-udiff`, `nse-bhavcopy-legacy`, `upstox-candles`. */
  readonly importedFrom?: string;
  /** `market`: real bid/ask; `derived`: every option quote was derived from closes by the spread model. */
  readonly quotes?: 'market' | 'derived';
  /** The spread model's parameters, when quotes are derived (import/spread-model.ts). */
  readonly spreadModel?: Readonly<Record<string, unknown>>;
  /** IST dates covered, ascending. */
  readonly days?: readonly string[];
  /** How a day becomes frames (human-readable; import/README.md has the details). */
  readonly frames?: string;
  /** Input files and their sha256, so a recording names exactly what it was built from. */
  readonly inputs?: readonly { readonly file: string; readonly sha256: string }[];
}

export interface ChunkInfo {
  readonly file: string;
  readonly startTs: number;
  readonly endTs: number;
  readonly entries: number;
  readonly ticks: number;
}

export interface RecordingIndex {
  readonly format: typeof RECORDING_FORMAT;
  readonly version: number;
  readonly source: string;
  readonly createdAt: string;
  readonly chunkMs: number;
  readonly startTs: number;
  readonly endTs: number;
  readonly chunks: readonly ChunkInfo[];
  readonly meta?: RecordingMeta;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Validates a parsed index.json; throws "expected X, was Y" naming the path. */
export function parseIndex(raw: unknown, where: string): RecordingIndex {
  const fail = (what: string, was: unknown): never => {
    throw new TypeError(`${where}: expected ${what}, was ${JSON.stringify(was)?.slice(0, 120)}`);
  };
  if (typeof raw !== 'object' || raw === null) fail('an object', raw);
  const r = raw as Record<string, unknown>;
  if (r.format !== RECORDING_FORMAT) fail(`format "${RECORDING_FORMAT}"`, r.format);
  if (!READABLE_VERSIONS.includes(r.version as number)) fail(`version ${READABLE_VERSIONS.join(' or ')}`, r.version);
  if (typeof r.source !== 'string') fail('source as a string', r.source);
  if (!isNum(r.chunkMs) || !isNum(r.startTs) || !isNum(r.endTs)) fail('numeric chunkMs/startTs/endTs', { chunkMs: r.chunkMs, startTs: r.startTs, endTs: r.endTs });
  if (!Array.isArray(r.chunks)) fail('chunks as an array', r.chunks);
  for (const c of r.chunks as unknown[]) {
    const ch = c as Record<string, unknown>;
    if (typeof ch !== 'object' || ch === null || typeof ch.file !== 'string' || !/^chunk-\d{6}\.msgpack\.gz$/.test(ch.file) ||
        !isNum(ch.startTs) || !isNum(ch.endTs) || !isNum(ch.entries) || !isNum(ch.ticks)) {
      fail('a chunk {file: chunk-NNNNNN.msgpack.gz, startTs, endTs, entries, ticks}', c);
    }
  }
  if (r.meta !== undefined && (typeof r.meta !== 'object' || r.meta === null || Array.isArray(r.meta))) fail('meta as an object', r.meta);
  return r as unknown as RecordingIndex;
}

/** Validates a decoded chunk's shape (tick contents are validated by the feed's book, one by one). */
export function parseEntries(raw: unknown, where: string): Entry[] {
  if (!Array.isArray(raw)) throw new TypeError(`${where}: expected an array of entries, was ${typeof raw}`);
  let last = -Infinity;
  raw.forEach((e, i) => {
    if (!Array.isArray(e) || e.length !== 3 || !isNum(e[0]) || ![0, 1, 2, 3].includes(e[1] as number)) {
      throw new TypeError(`${where}[${i}]: expected [ts, 0|1|2|3, payload], was ${JSON.stringify(e)?.slice(0, 120)}`);
    }
    if ((e[1] === 0 || e[1] === 1 || e[1] === 3) && !Array.isArray(e[2])) throw new TypeError(`${where}[${i}]: expected an array payload, was ${typeof e[2]}`);
    if (e[0] < last) throw new TypeError(`${where}[${i}]: expected non-decreasing ts, was ${e[0]} after ${last}`);
    last = e[0];
  });
  return raw as Entry[];
}
