/**
 * @module Downloads historical data from its public sources into a cache folder, politely and resumably, so an
 * import can run offline afterwards on what is already there.
 *
 * - Polite: one request at a time, at least `delayMs` between request starts, a User-Agent naming VolGuard; on 429 or
 *   5xx it backs off (doubling, from `delayMs`) and retries up to `retries` times.
 * - Resumable: a file is written as `<name>.part` and renamed when complete; an existing complete file is skipped
 *   (checked by `valid`, not trusted by its name); a `.part` left by an interrupted run is continued with an HTTP
 *   Range request when the server honours it (206), else downloaded again.
 * - Honest about absence: 404 means "not published" (a holiday, a date before the data exists) and is reported, not
 *   retried; any other failure stops the fetch with the URL (never a token) in the error.
 * Wall time only paces requests here; nothing market-facing reads it.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';

export interface FetchTarget {
  readonly url: string;
  /** Path relative to the cache folder. */
  readonly file: string;
  /** Shown in progress lines. */
  readonly label: string;
}

export interface FetchOptions {
  readonly cacheDir: string;
  readonly delayMs: number;
  readonly retries?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** A complete file's check (e.g. the zip opens); a file failing it is fetched again. */
  readonly valid?: (bytes: Uint8Array) => boolean;
  readonly progress?: (line: string) => void;
  /** Injected for tests (defaults: setTimeout and performance.now). */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

export type FetchOutcome = 'cached' | 'downloaded' | 'resumed' | 'missing';

export interface FetchReport {
  readonly outcomes: readonly { readonly target: FetchTarget; readonly outcome: FetchOutcome; readonly bytes: number }[];
}

export class FetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FetchError';
  }
}

const USER_AGENT = 'VolGuard-import/0.1 (historical data for backtests; one request at a time)';

export async function fetchAll(targets: readonly FetchTarget[], opts: FetchOptions): Promise<FetchReport> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = opts.now ?? (() => performance.now());
  const retries = opts.retries ?? 3;
  const outcomes: FetchReport['outcomes'][number][] = [];
  let lastStart = Number.NEGATIVE_INFINITY;
  const pace = async (): Promise<void> => {
    const wait = lastStart + opts.delayMs - now();
    if (wait > 0) await sleep(wait);
    lastStart = now();
  };
  for (let n = 0; n < targets.length; n++) {
    const target = targets[n]!;
    const dest = path.join(opts.cacheDir, target.file);
    const tag = `[${n + 1}/${targets.length}] ${target.label}`;
    if (existsSync(dest) && (opts.valid?.(readFileSync(dest)) ?? true)) {
      outcomes.push({ target, outcome: 'cached', bytes: statSync(dest).size });
      opts.progress?.(`${tag}: cached`);
      continue;
    }
    mkdirSync(path.dirname(dest), { recursive: true });
    const part = `${dest}.part`;
    let backoff = Math.max(opts.delayMs, 100);
    for (let attempt = 0; ; attempt++) {
      await pace();
      const have = existsSync(part) ? statSync(part).size : 0;
      const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...opts.headers };
      if (have > 0) headers['range'] = `bytes=${have}-`;
      let res: Response;
      try {
        res = await fetch(target.url, { headers });
      } catch (err) {
        if (attempt < retries) { opts.progress?.(`${tag}: ${(err as Error).message}; retrying in ${backoff} ms`); await sleep(backoff); backoff *= 2; continue; }
        throw new FetchError(`${target.url}: expected a response, was a network error (${(err as Error).message})`);
      }
      if (res.status === 404) {
        await res.body?.cancel();
        outcomes.push({ target, outcome: 'missing', bytes: 0 });
        opts.progress?.(`${tag}: not published (404)`);
        break;
      }
      if (res.status === 429 || res.status >= 500) {
        await res.body?.cancel();
        if (attempt < retries) { opts.progress?.(`${tag}: HTTP ${res.status}; retrying in ${backoff} ms`); await sleep(backoff); backoff *= 2; continue; }
        throw new FetchError(`${target.url}: expected 200, was HTTP ${res.status} after ${retries + 1} attempts`);
      }
      if (res.status !== 200 && res.status !== 206) {
        await res.body?.cancel();
        throw new FetchError(`${target.url}: expected 200, was HTTP ${res.status}`);
      }
      const resumed = res.status === 206 && have > 0;
      if (!resumed) rmSync(part, { force: true });
      if (res.body === null) throw new FetchError(`${target.url}: expected a body, was none`);
      // Each chunk is written as it arrives (synchronously), so whatever came before a cut-off is on disk to resume from.
      const fd = openSync(part, resumed ? 'a' : 'w');
      try {
        for await (const chunk of res.body as AsyncIterable<Uint8Array>) writeSync(fd, chunk);
      } catch (err) {
        closeSync(fd);
        // The .part stays: the next attempt (or the next run) continues it.
        if (attempt < retries) { opts.progress?.(`${tag}: cut off (${(err as Error).message}); resuming`); await sleep(backoff); backoff *= 2; continue; }
        throw new FetchError(`${target.url}: expected the whole body, was cut off (${(err as Error).message})`);
      }
      closeSync(fd);
      const bytes = readFileSync(part);
      if (opts.valid !== undefined && !opts.valid(bytes)) {
        rmSync(part, { force: true });
        if (attempt < retries) { opts.progress?.(`${tag}: downloaded file failed its check; fetching again`); continue; }
        throw new FetchError(`${target.url}: expected a valid file, was ${bytes.length} bytes that failed the check`);
      }
      renameSync(part, dest);
      outcomes.push({ target, outcome: resumed ? 'resumed' : 'downloaded', bytes: bytes.length });
      opts.progress?.(`${tag}: ${resumed ? 'resumed' : 'downloaded'} ${(bytes.length / 1024).toFixed(0)} KB`);
      break;
    }
  }
  return { outcomes };
}
