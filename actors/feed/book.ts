/**
 * @module The live book: the latest state of every instrument, kept in typed arrays indexed through one Map lookup.
 *
 * Why typed arrays: applying a tick must cost a hash lookup and a few stores (≥ 250k ticks/s budget), and building the
 * per-cycle snapshot is then a gather by precomputed indices. NaN means "never seen".
 * Bad ticks (non-finite or negative numbers, a missing key or ts) are refused one by one and counted with the last
 * reason, so one malformed update never corrupts the book nor stops the others.
 */
import type { Tick } from '../venues/market-data.ts';

const FIELDS = ['bid', 'ask', 'ltp', 'bidQty', 'askQty', 'volume', 'oi', 'iv', 'delta', 'gamma', 'theta', 'vega', 'ts', 'derived'] as const;
type Field = (typeof FIELDS)[number];

export class Book {
  readonly #index = new Map<string, number>();
  #keys: string[] = [];
  #cap = 0;
  bid = new Float64Array(0);
  ask = new Float64Array(0);
  ltp = new Float64Array(0);
  bidQty = new Float64Array(0);
  askQty = new Float64Array(0);
  volume = new Float64Array(0);
  oi = new Float64Array(0);
  iv = new Float64Array(0);
  /** The broker's greeks, as it states them (Upstox option_greeks / full). */
  delta = new Float64Array(0);
  gamma = new Float64Array(0);
  theta = new Float64Array(0);
  vega = new Float64Array(0);
  /** Venue timestamp of the last accepted update, epoch ms. */
  ts = new Float64Array(0);
  /** 1 when the current bid/ask was derived by a spread model (Tick.derived), 0 when quoted, NaN before any quote. */
  derived = new Float64Array(0);
  applied = 0;
  rejected = 0;
  lastRejection: string | null = null;

  constructor(capacity = 1024) {
    this.#grow(capacity);
  }

  get size(): number {
    return this.#keys.length;
  }

  /** Index of a key, registering it (all fields NaN) when new. */
  indexOf(key: string): number {
    let i = this.#index.get(key);
    if (i === undefined) {
      i = this.#keys.length;
      if (i >= this.#cap) this.#grow(this.#cap * 2);
      this.#keys.push(key);
      this.#index.set(key, i);
    }
    return i;
  }

  /** Index of a key, or -1 when never seen. */
  find(key: string): number {
    return this.#index.get(key) ?? -1;
  }

  keyAt(i: number): string | undefined {
    return this.#keys[i];
  }

  /** Applies a batch; returns how many ticks were accepted. */
  applyAll(ticks: readonly Tick[]): number {
    let ok = 0;
    for (let j = 0; j < ticks.length; j++) if (this.apply(ticks[j]!)) ok++;
    return ok;
  }

  apply(t: Tick): boolean {
    const why = invalid(t);
    if (why !== null) {
      this.rejected++;
      this.lastRejection = why;
      return false;
    }
    const i = this.indexOf(t.instrumentKey);
    if (t.bid !== undefined) this.bid[i] = t.bid;
    if (t.ask !== undefined) this.ask[i] = t.ask;
    // The flag describes the prices: a tick that moves any of them says whether they were derived.
    if (t.bid !== undefined || t.ask !== undefined || t.ltp !== undefined) this.derived[i] = t.derived === true ? 1 : 0;
    if (t.ltp !== undefined) this.ltp[i] = t.ltp;
    if (t.bidQty !== undefined) this.bidQty[i] = t.bidQty;
    if (t.askQty !== undefined) this.askQty[i] = t.askQty;
    if (t.volume !== undefined) this.volume[i] = t.volume;
    if (t.oi !== undefined) this.oi[i] = t.oi;
    if (t.iv !== undefined) this.iv[i] = t.iv;
    if (t.delta !== undefined) this.delta[i] = t.delta;
    if (t.gamma !== undefined) this.gamma[i] = t.gamma;
    if (t.theta !== undefined) this.theta[i] = t.theta;
    if (t.vega !== undefined) this.vega[i] = t.vega;
    if (!(this.ts[i]! >= t.ts)) this.ts[i] = t.ts; // out-of-order arrivals never move an instrument's age backwards
    this.applied++;
    return true;
  }

  #grow(cap: number): void {
    for (const f of FIELDS) {
      const next = new Float64Array(cap).fill(Number.NaN);
      next.set(this[f as Field].subarray(0, this.#keys.length));
      this[f as Field] = next;
    }
    this.#cap = cap;
  }
}

function finiteOrAbsent(v: unknown): boolean {
  return v === undefined || (typeof v === 'number' && Number.isFinite(v));
}

function num(v: unknown): boolean {
  return v === undefined || (typeof v === 'number' && Number.isFinite(v) && v >= 0);
}

/** Null when acceptable, else "expected X, was Y". Prices ≥ 0 (0 = empty side), finite; iv may be any finite. */
export function invalid(t: Tick): string | null {
  if (typeof t !== 'object' || t === null) return `expected a tick object, was ${t === null ? 'null' : typeof t}`;
  if (typeof t.instrumentKey !== 'string' || t.instrumentKey.length === 0) return `expected an instrumentKey string, was ${JSON.stringify(t.instrumentKey)}`;
  if (typeof t.ts !== 'number' || !Number.isFinite(t.ts) || t.ts <= 0) return `expected ts as epoch ms on ${t.instrumentKey}, was ${String(t.ts)}`;
  if (!num(t.bid) || !num(t.ask) || !num(t.ltp) || !num(t.bidQty) || !num(t.askQty) || !num(t.volume) || !num(t.oi)) {
    return `expected finite non-negative prices and sizes on ${t.instrumentKey}, was ${JSON.stringify({ bid: t.bid, ask: t.ask, ltp: t.ltp, bidQty: t.bidQty, askQty: t.askQty, volume: t.volume, oi: t.oi })}`;
  }
  if (t.iv !== undefined && !(typeof t.iv === 'number' && Number.isFinite(t.iv))) return `expected a finite iv on ${t.instrumentKey}, was ${String(t.iv)}`;
  if (t.derived !== undefined && typeof t.derived !== 'boolean') return `expected derived as a boolean on ${t.instrumentKey}, was ${String(t.derived)}`;
  if (!finiteOrAbsent(t.delta) || !finiteOrAbsent(t.gamma) || !finiteOrAbsent(t.theta) || !finiteOrAbsent(t.vega)) {
    return `expected finite greeks on ${t.instrumentKey}, was ${JSON.stringify({ delta: t.delta, gamma: t.gamma, theta: t.theta, vega: t.vega })}`;
  }
  return null;
}
