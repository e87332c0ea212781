/**
 * @module Plays a recording as a MarketDataSource at any speed, through the same feed actor as a live source.
 *
 * Playback time = recording start + wall elapsed × speed (its own `clock`, which the feed uses as market time).
 * Chunks are read and decompressed one at a time as playback reaches them. Instrument-list entries replace the list
 * and are announced with a `connected` status (the feed refetches instruments and subscribes on it; playback pauses
 * there until the next poll, so the new contracts' ticks are not filtered out before that); at the end the source reports
 * the market closed, so a finished replay is not mistaken for a stall.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { unpack } from 'msgpackr';
import type { Clock } from '../../../runtime/clock.ts';
import { istDate, istInstant } from '../../domain/calendar.ts';
import type { InstrumentInfo, MarketDataSource, SourceStatus, Tick } from '../market-data.ts';
import { parseEntries, parseIndex, type Entry, type RecordingIndex, type Settlement } from './format.ts';

export interface ReplayOptions {
  readonly dir: string;
  readonly speed: number;
  /** Wall clock for pacing (monotonic ms). */
  readonly wall: { monotonic(): number };
  readonly intervalMs?: number;
  /**
   * A data-driven clock (the stepped clock of a backtest, runtime/clock.ts): playback time is this clock, nothing is
   * paced on wall time, and the feed calls `poll()` before each snapshot to play every entry up to it. `speed` and
   * `wall` are then unused. Playback starts at the IST day the clock stands in (see `#seekDay`), not at the
   * recording's first entry.
   */
  readonly clock?: Clock;
}

export function readIndex(dir: string): RecordingIndex {
  const file = path.join(dir, 'index.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`expected a recording index at ${file}, was unreadable (${(err as Error).message})`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`expected JSON in ${file}, was invalid (${(err as Error).message})`, { cause: err });
  }
  return parseIndex(raw, file);
}

export function readChunk(dir: string, file: string): Entry[] {
  const where = path.join(dir, file);
  let raw: unknown;
  try {
    raw = unpack(gunzipSync(readFileSync(where)));
  } catch (err) {
    throw new Error(`expected a gzip msgpack chunk at ${where}, was undecodable (${(err as Error).message})`, { cause: err });
  }
  return parseEntries(raw, where);
}

export class ReplaySource implements MarketDataSource {
  readonly name = 'replay';
  readonly index: RecordingIndex;
  readonly clock: Clock;
  readonly #dir: string;
  readonly #speed: number;
  readonly #wall: { monotonic(): number };
  readonly #intervalMs: number;
  readonly #tickListeners = new Set<(ticks: readonly Tick[]) => void>();
  readonly #statusListeners = new Set<(s: SourceStatus) => void>();
  readonly #settlementListeners = new Set<(s: readonly Settlement[], ts: number) => void>();
  #wall0 = Number.NaN;
  #chunk = 0;
  #entries: Entry[] = [];
  #pos = 0;
  #instruments: readonly InstrumentInfo[] = [];
  #subs: Set<string> | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  #ended = false;
  readonly #stepped: boolean;

  constructor(opts: ReplayOptions) {
    if (!(opts.speed > 0)) throw new RangeError(`expected a positive replay speed, was ${opts.speed}`);
    this.#dir = opts.dir;
    this.#speed = opts.speed;
    this.#wall = opts.wall;
    this.#intervalMs = opts.intervalMs ?? 20;
    this.index = readIndex(opts.dir);
    if (this.index.chunks.length === 0) throw new Error(`expected at least one chunk in ${opts.dir}, was none`);
    this.#entries = readChunk(this.#dir, this.index.chunks[0]!.file);
    const first = this.#entries.find((e) => e[1] === 1);
    if (first) this.#instruments = first[2] as readonly InstrumentInfo[];
    const { startTs, endTs } = this.index;
    this.#stepped = opts.clock !== undefined;
    if (opts.clock !== undefined) this.#seekDay(opts.clock.now());
    this.clock = opts.clock ?? {
      now: () => (Number.isNaN(this.#wall0) ? startTs : Math.min(endTs, startTs + (this.#wall.monotonic() - this.#wall0) * this.#speed)),
      monotonic: () => this.#wall.monotonic() * this.#speed,
    };
  }

  /**
   * A source made on a stepped clock that already stands days into the recording (a resumed backtest, a feed
   * restarted mid-run) starts at the first chunk of the clock's IST day, as a live feed restarted that day would: it
   * never pushes the earlier days' ticks through the feed in one poll (on a month of minute data, minutes of work in one
   * snapshot, past its reply timeout and the feed's heartbeat, so the restarted feed was declared hung again and
   * again). The instrument list in force is the last one before that chunk (an imported day opens with its own).
   */
  #seekDay(now: number): void {
    const chunks = this.index.chunks;
    const dayStart = istInstant(istDate(now), 0);
    let c = 0;
    while (c + 1 < chunks.length && chunks[c]!.endTs < dayStart) c++;
    if (c === 0) return;
    this.#chunk = c;
    this.#entries = readChunk(this.#dir, chunks[c]!.file);
    this.#pos = 0;
    if (this.#entries[0]?.[1] === 1) {
      this.#instruments = this.#entries[0][2];
      return;
    }
    for (let b = c - 1; b >= 0; b--) {
      const list = readChunk(this.#dir, chunks[b]!.file).findLast((e) => e[1] === 1);
      if (list !== undefined) {
        this.#instruments = list[2] as readonly InstrumentInfo[];
        return;
      }
    }
  }

  get ended(): boolean {
    return this.#ended;
  }

  async instruments(): Promise<readonly InstrumentInfo[]> {
    return this.#instruments;
  }

  async subscribe(keys: readonly string[]): Promise<void> {
    this.#subs ??= new Set();
    for (const k of keys) this.#subs.add(k);
  }

  async unsubscribe(keys: readonly string[]): Promise<void> {
    for (const k of keys) this.#subs?.delete(k);
  }

  onTicks(listener: (ticks: readonly Tick[]) => void): () => void {
    this.#tickListeners.add(listener);
    return () => this.#tickListeners.delete(listener);
  }

  onStatus(listener: (s: SourceStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  /** Official settlement prices as playback reaches them (imported recordings; see format.ts `Settlement`). */
  onSettlements(listener: (settlements: readonly Settlement[], ts: number) => void): () => void {
    this.#settlementListeners.add(listener);
    return () => this.#settlementListeners.delete(listener);
  }

  async start(): Promise<void> {
    this.#wall0 = this.#wall.monotonic();
    this.#status({ kind: 'connected' });
    this.poll();
    if (this.#stepped) return;
    this.#timer = setInterval(() => this.poll(), this.#intervalMs);
    this.#timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Plays every entry up to the playback time. Public for tests (drive it with a manual wall clock). */
  poll(): void {
    if (this.#ended) return;
    const now = this.clock.now();
    for (;;) {
      if (this.#pos >= this.#entries.length) {
        if (this.#chunk + 1 >= this.index.chunks.length) {
          this.#ended = true;
          void this.stop();
          this.#status({ kind: 'market', open: false });
          this.#status({ kind: 'disconnected', reason: 'replay ended' });
          return;
        }
        this.#chunk++;
        this.#entries = readChunk(this.#dir, this.index.chunks[this.#chunk]!.file);
        this.#pos = 0;
        continue;
      }
      const e = this.#entries[this.#pos]!;
      if (e[0] > now) return;
      this.#pos++;
      if (e[1] === 0) {
        const subs = this.#subs;
        const ticks = subs === null ? e[2] : e[2].filter((t) => subs.has(t.instrumentKey));
        if (ticks.length > 0) for (const l of this.#tickListeners) l(ticks);
      } else if (e[1] === 1) {
        this.#instruments = e[2];
        this.#status({ kind: 'connected' });
        // The consumer refetches the list and subscribes on `connected`, asynchronously: the entries after it (the new
        // contracts' first ticks, often at this same instant) wait for the next poll, or the subscription filter above
        // would drop them. A data-driven consumer polls again once its refresh is done (actors/feed/worker.ts).
        return;
      } else if (e[1] === 2) {
        this.#status(e[2]);
      } else {
        for (const l of this.#settlementListeners) l(e[2], e[0]);
      }
    }
  }

  #status(s: SourceStatus): void {
    for (const l of this.#statusListeners) l(s);
  }
}
