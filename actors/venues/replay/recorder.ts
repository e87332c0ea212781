/**
 * @module Records a feed's input (ticks, instrument lists, statuses) into a chunked, compressed recording.
 * Synchronous writes: a chunk is at most `chunkMs` of market time (tens to hundreds of KB), written once.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'msgpackr';
import type { InstrumentInfo, SourceStatus, Tick } from '../market-data.ts';
import { RECORDING_FORMAT, RECORDING_VERSION, type ChunkInfo, type Entry, type RecordingIndex, type RecordingMeta, type Settlement } from './format.ts';

export interface RecorderOptions {
  readonly dir: string;
  readonly source: string;
  /** Market ms per chunk (default 60 s). */
  readonly chunkMs?: number;
  readonly createdAt: string;
  /** Written into the index (imported recordings say what they were built from). */
  readonly meta?: RecordingMeta;
}

export class Recorder {
  readonly dir: string;
  readonly #source: string;
  readonly #chunkMs: number;
  readonly #createdAt: string;
  #meta: RecordingMeta | undefined;
  #chunks: ChunkInfo[] = [];
  #buf: Entry[] = [];
  #bufTicks = 0;
  #startTs = Number.NaN;
  #endTs = Number.NaN;
  #closed = false;

  constructor(opts: RecorderOptions) {
    this.dir = opts.dir;
    this.#source = opts.source;
    this.#chunkMs = opts.chunkMs ?? 60_000;
    this.#createdAt = opts.createdAt;
    this.#meta = opts.meta;
    mkdirSync(this.dir, { recursive: true });
  }

  ticks(ts: number, ticks: readonly Tick[]): void {
    if (ticks.length === 0) return;
    this.#add([ts, 0, ticks]);
    this.#bufTicks += ticks.length;
  }

  instruments(ts: number, list: readonly InstrumentInfo[]): void {
    this.#add([ts, 1, list]);
  }

  status(ts: number, status: SourceStatus): void {
    this.#add([ts, 2, status]);
  }

  /** Replaces the index's `meta` (written with the next chunk and on close). */
  setMeta(meta: RecordingMeta): void {
    this.#meta = meta;
  }

  settlements(ts: number, list: readonly Settlement[]): void {
    if (list.length === 0) return;
    this.#add([ts, 3, list]);
  }

  /** Writes the open chunk and the index. Idempotent. */
  close(): RecordingIndex {
    if (!this.#closed) this.#flush();
    this.#closed = true;
    return this.#index();
  }

  #add(e: Entry): void {
    if (this.#closed) throw new Error(`expected an open recorder, was closed (${this.dir})`);
    const first = this.#buf[0];
    if (first && e[0] - first[0] >= this.#chunkMs) this.#flush();
    if (!(e[0] >= this.#endTs)) {
      // Entries must be non-decreasing in time for playback; clamp a late arrival to the last time rather than drop it.
      if (Number.isFinite(this.#endTs)) e = [this.#endTs, e[1], e[2]] as unknown as Entry;
    }
    if (Number.isNaN(this.#startTs)) this.#startTs = e[0];
    this.#endTs = e[0];
    this.#buf.push(e);
  }

  #flush(): void {
    if (this.#buf.length === 0) return;
    const file = `chunk-${String(this.#chunks.length).padStart(6, '0')}.msgpack.gz`;
    writeFileSync(path.join(this.dir, file), gzipSync(pack(this.#buf)));
    this.#chunks.push({ file, startTs: this.#buf[0]![0], endTs: this.#buf.at(-1)![0], entries: this.#buf.length, ticks: this.#bufTicks });
    this.#buf = [];
    this.#bufTicks = 0;
    const tmp = path.join(this.dir, 'index.json.tmp');
    writeFileSync(tmp, `${JSON.stringify(this.#index(), null, 1)}\n`);
    renameSync(tmp, path.join(this.dir, 'index.json'));
  }

  #index(): RecordingIndex {
    return {
      format: RECORDING_FORMAT, version: RECORDING_VERSION, source: this.#source, createdAt: this.#createdAt,
      chunkMs: this.#chunkMs, startTs: this.#startTs, endTs: this.#endTs, chunks: this.#chunks,
      ...(this.#meta !== undefined ? { meta: this.#meta } : {}),
    };
  }
}
