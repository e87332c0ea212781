/**
 * @module The fake's market: a small deterministic chain model (NIFTY 2 weeklies, BANKNIFTY 1 monthly, ±10 strikes)
 * behind `FakeMarket`, the seam through which the simulator's SimMarket can be plugged in instead. Prices come
 * from Black-Scholes on a seeded random walk; the maths is fake-only and deliberately crude.
 */
import type { InstrumentInfo } from '../../market-data.ts';
import type { FeedQuote } from '../feed/proto-encode.ts';
import { UNDERLYING_SPECS } from '../../../domain/instruments.ts';
import type { Underlying } from '../../../domain/underlying.ts';

export interface FakeInstrument extends InstrumentInfo {
  /** Exchange token (the number in `NSE_FO|<token>`). */
  readonly token: string;
  /** Quote-map key, `SEGMENT:SYMBOL` (e.g. `NSE_FO:NIFTY2641622450CE`). */
  readonly quoteKey: string;
  /** Contract-API trading symbol, e.g. `NIFTY 22450 CE 16 APR 26`. */
  readonly contractSymbol: string;
  readonly underlyingKey?: string;
}

export interface FakeMarket {
  instruments(): readonly FakeInstrument[];
  instrument(key: string): FakeInstrument | undefined;
  quote(key: string): FeedQuote | undefined;
  /** Moves the market one step; returns the keys whose quotes changed. */
  advance(nowMs: number): readonly string[];
}

/** Lot size / freeze quantity default to our own contract data (actors/domain/instruments.ts), so the system and
 *  `volguard validate` agree with the fake unless a test asks for a mismatch. */
const UNDERLYINGS = [
  { name: 'NIFTY' as const, key: UNDERLYING_SPECS.NIFTY.indexKey, spot: 22_450, step: 50, lot: UNDERLYING_SPECS.NIFTY.lotSize, freeze: UNDERLYING_SPECS.NIFTY.freezeQty, expiries: 2, tokenBase: 40_000 },
  { name: 'BANKNIFTY' as const, key: UNDERLYING_SPECS.BANKNIFTY.indexKey, spot: 48_200, step: 100, lot: UNDERLYING_SPECS.BANKNIFTY.lotSize, freeze: UNDERLYING_SPECS.BANKNIFTY.freezeQty, expiries: 1, tokenBase: 50_000 },
];
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_MS = 86_400_000;

interface Row {
  readonly info: FakeInstrument;
  readonly u: number;
  readonly expiryMs: number;
}

export class DeterministicMarket implements FakeMarket {
  readonly #rows = new Map<string, Row>();
  readonly #spots: number[];
  readonly #closes: number[];
  #seed: number;
  #now: number;
  readonly #quotes = new Map<string, FeedQuote>();
  #volume = 0;
  /** Calm: prices never move (spot and pricing time frozen); every step still re-stamps the quotes (fresh ltt). */
  readonly #calm: boolean;

  /** `calm`: a market that never moves (deterministic fills at the quoted touch) but keeps streaming fresh quotes.
   *  `contracts`: lot size / freeze quantity per underlying (default: our data, NIFTY 65/1800 and BANKNIFTY 30/600
   *  from actors/domain/instruments.ts; pass other values to make `volguard validate` see a mismatch). */
  constructor(opts: { seed?: number; nowMs: number; contracts?: Partial<Record<Underlying, { lot: number; freeze: number }>>; calm?: boolean }) {
    this.#calm = opts.calm === true;
    this.#seed = (opts.seed ?? 1) >>> 0 || 1;
    this.#now = opts.nowMs;
    this.#spots = UNDERLYINGS.map((u) => u.spot);
    this.#closes = UNDERLYINGS.map((u) => u.spot - 40);
    for (let u = 0; u < UNDERLYINGS.length; u++) {
      const spec = { ...UNDERLYINGS[u]!, ...opts.contracts?.[UNDERLYINGS[u]!.name] };
      this.#rows.set(spec.key, {
        u, expiryMs: 0,
        info: { instrumentKey: spec.key, underlying: spec.name, kind: 'INDEX', tickSize: 0.05, token: spec.key.split('|')[1]!, quoteKey: `NSE_INDEX:${spec.key.split('|')[1]!}`, contractSymbol: spec.key.split('|')[1]! },
      });
      for (let e = 0; e < spec.expiries; e++) {
        const expiryMs = nextTuesday(opts.nowMs) + e * 7 * DAY_MS + (spec.name === 'BANKNIFTY' ? 14 * DAY_MS : 0);
        const d = new Date(expiryMs);
        const expiry = d.toISOString().slice(0, 10);
        const atm = Math.round(spec.spot / spec.step) * spec.step;
        for (let k = -10; k <= 10; k++) {
          const strike = atm + k * spec.step;
          for (const kind of ['CE', 'PE'] as const) {
            const token = String(spec.tokenBase + e * 1000 + (k + 10) * 2 + (kind === 'CE' ? 0 : 1));
            const yy = String(d.getUTCFullYear() % 100).padStart(2, '0');
            const info: FakeInstrument = {
              instrumentKey: `NSE_FO|${token}`, underlying: spec.name, kind, expiry, strike, lotSize: spec.lot, freezeQty: spec.freeze,
              tickSize: 0.05, token, underlyingKey: spec.key,
              quoteKey: `NSE_FO:${spec.name}${yy}${d.getUTCMonth() + 1}${String(d.getUTCDate()).padStart(2, '0')}${strike}${kind}`,
              contractSymbol: `${spec.name} ${strike} ${kind} ${String(d.getUTCDate()).padStart(2, '0')} ${MONTHS[d.getUTCMonth()]} ${yy}`,
              tradingSymbol: `${spec.name}${yy}${d.getUTCMonth() + 1}${String(d.getUTCDate()).padStart(2, '0')}${strike}${kind}`,
            };
            this.#rows.set(info.instrumentKey, { info, u, expiryMs: expiryMs + 10 * 3_600_000 });
          }
        }
      }
    }
    this.#reprice([...this.#rows.keys()]);
  }

  instruments(): readonly FakeInstrument[] {
    return [...this.#rows.values()].map((r) => r.info);
  }

  instrument(key: string): FakeInstrument | undefined {
    return this.#rows.get(key)?.info;
  }

  quote(key: string): FeedQuote | undefined {
    return this.#quotes.get(key);
  }

  advance(nowMs: number): readonly string[] {
    if (this.#calm) {
      const ltt = Math.max(nowMs, this.#now);
      for (const [k, q] of this.#quotes) this.#quotes.set(k, { ...q, ltt });
      return [...this.#quotes.keys()];
    }
    this.#now = Math.max(this.#now + 1000, nowMs);
    for (let u = 0; u < this.#spots.length; u++) {
      const z = this.#rand() - 0.5;
      this.#spots[u] = Math.round((this.#spots[u]! * (1 + z * 0.0008)) * 20) / 20;
    }
    this.#volume += UNDERLYING_SPECS.NIFTY.lotSize;
    const keys = [...this.#rows.keys()];
    this.#reprice(keys);
    return keys;
  }

  #reprice(keys: readonly string[]): void {
    for (const key of keys) {
      const row = this.#rows.get(key)!;
      const spot = this.#spots[row.u]!;
      if (row.info.kind === 'INDEX') {
        this.#quotes.set(key, { ltp: spot, ltt: this.#now, ltq: 0, cp: this.#closes[row.u]!, isIndex: true });
        continue;
      }
      const t = Math.max((row.expiryMs - this.#now) / (365 * DAY_MS), 1 / 365 / 24);
      const strike = row.info.strike!;
      const vol = 0.13 + 0.4 * Math.abs(Math.log(strike / spot));
      const { price, delta, gamma, vega, theta } = blackScholes(spot, strike, t, vol, row.info.kind === 'CE');
      const mid = Math.max(0.05, Math.round(price * 20) / 20);
      const half = Math.max(0.05, Math.round(mid * 0.004 * 20) / 20);
      const depth = Array.from({ length: 5 }, (_, l) => ({
        bidQ: (row.info.lotSize ?? 1) * (10 + l * 5), bidP: Math.max(0.05, round2(mid - half - l * 0.05)),
        askQ: (row.info.lotSize ?? 1) * (12 + l * 5), askP: round2(mid + half + l * 0.05),
      }));
      this.#quotes.set(key, {
        ltp: mid, ltt: this.#now, ltq: row.info.lotSize ?? 1, cp: mid * 0.97, isIndex: false, depth,
        greeks: { delta, theta, gamma, vega, rho: 0 }, atp: mid, vtt: 100_000 + this.#volume, oi: 2_000_000, iv: vol,
        tbq: 150_000, tsq: 160_000,
      });
    }
  }

  /** xorshift32: deterministic per seed. */
  #rand(): number {
    let x = this.#seed;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.#seed = x;
    return x / 0x1_0000_0000;
  }
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

function nextTuesday(nowMs: number): number {
  const d = new Date(nowMs);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const dow = new Date(day).getUTCDay();
  return day + (((2 - dow + 7) % 7) || 7) * DAY_MS;
}

function blackScholes(s: number, k: number, t: number, sigma: number, call: boolean) {
  const sq = sigma * Math.sqrt(t);
  const d1 = (Math.log(s / k) + 0.5 * sigma * sigma * t) / sq;
  const d2 = d1 - sq;
  const pdf = Math.exp(-0.5 * d1 * d1) / Math.sqrt(2 * Math.PI);
  const price = call ? s * cdf(d1) - k * cdf(d2) : k * cdf(-d2) - s * cdf(-d1);
  return { price, delta: call ? cdf(d1) : cdf(d1) - 1, gamma: pdf / (s * sq), vega: (s * pdf * Math.sqrt(t)) / 100, theta: -(s * pdf * sigma) / (2 * Math.sqrt(t)) / 365 };
}

/** Abramowitz-Stegun 7.1.26 normal CDF (1e-7), enough for a fake. */
function cdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}
