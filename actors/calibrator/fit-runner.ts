/**
 * @module Runs a snapshot's fits inline or on a piscina pool the runner owns; a newer snapshot aborts the stale one.
 *
 * Why inline is the default: a 41–61-strike fit costs tens of µs, while a piscina round trip (structured clone of
 * the typed arrays + thread hop) costs ~50–150 µs per task — the pool only pays off when fits are slow (many strikes,
 * β < 1, noisy smiles) and the actor's own thread must stay responsive. `test/bench/quant.ts` measures both.
 */
import { Piscina } from 'piscina';
import { assembleSurface, fitExpiry, snapshotInputs, type ExpiryFitResult } from './core.ts';
import type { CalibratorSettings } from './config.ts';
import type { MarketSnapshot } from '../domain/market-snapshot.ts';
import type { SurfaceCalibrated } from './messages.ts';
import type { FitTask } from './fit-task.ts';
import { OlderInputError } from '../../runtime/errors.ts';
import { isOlder } from '../domain/market-time.ts';

export class FitRunner {
  readonly #settings: CalibratorSettings;
  readonly #pool: Piscina | null;
  #current: AbortController | null = null;
  /** Market time of the latest snapshot calibrated: an earlier one is bad data (DESIGN.md §8). */
  #lastTs: number | null = null;

  constructor(settings: CalibratorSettings) {
    this.#settings = settings;
    this.#pool = settings.mode === 'pool'
      ? new Piscina({ filename: new URL('./fit-task.ts', import.meta.url).href, minThreads: settings.threads, maxThreads: settings.threads, execArgv: [...process.execArgv] })
      : null;
  }

  /**
   * Calibrates a snapshot. Rejects with an AbortError when a newer call superseded it (pool mode), and with an
   * OlderInputError, fitting nothing, when its market time is before the latest snapshot's (a surface from an earlier
   * market would be taken for the current one downstream).
   */
  async calibrate(snapshot: MarketSnapshot, now: () => number): Promise<SurfaceCalibrated & { expiries: readonly ExpiryFitResult[] }> {
    if (isOlder(this.#lastTs, snapshot.ts)) throw new OlderInputError('calibrator', { input: 'snapshot', ts: snapshot.ts, lastTs: this.#lastTs });
    this.#lastTs = snapshot.ts;
    const started = now();
    this.#current?.abort();
    const controller = new AbortController();
    this.#current = controller;
    const inputs = snapshotInputs(snapshot, this.#settings);
    let fits: ExpiryFitResult[];
    if (this.#pool === null) {
      fits = inputs.map((input) => fitExpiry(input, this.#settings));
    } else {
      const pool = this.#pool;
      fits = await Promise.all(inputs.map((input) => pool.run({ input, settings: this.#settings } satisfies FitTask, { signal: controller.signal }) as Promise<ExpiryFitResult>));
    }
    if (this.#current === controller) this.#current = null;
    return assembleSurface(snapshot, fits, now() - started);
  }

  async destroy(): Promise<void> {
    this.#current?.abort();
    await this.#pool?.destroy();
  }
}
