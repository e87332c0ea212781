/**
 * @module The fake's market: every contract NSE lists (master.ts: NIFTY weeklies to half-yearlies in 2031, BANKNIFTY
 * monthlies and quarterlies, every listed strike — thousands of contracts) behind `FakeMarket`, the seam through which
 * the simulator's SimMarket can be plugged in instead. Prices come from Black-Scholes on a seeded random walk; the
 * maths is fake-only and deliberately crude.
 */
import type { InstrumentInfo } from '../../market-data.ts';
import type { FeedQuote } from '../feed/proto-encode.ts';
import { UNDERLYING_SPECS } from '../../../domain/instruments.ts';
import { DEFAULT_RATE } from '../../../domain/market-settings.ts';
import type { Underlying } from '../../../domain/underlying.ts';
import { sessionCloseMs } from '../../../domain/calendar.ts';
import { listingDate, nseOptionMaster, type ExpiryCycle } from './master.ts';

export interface FakeInstrument extends InstrumentInfo {
  /** NSE cycle of the expiry (options only). */
  readonly cycle?: ExpiryCycle;
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

/** NSE's contract facts as of 2026 (lots NSE/FAOP/70616; freeze quantities NSE circular of 30 Jan 2026): what the
 *  real instrument master says, which is what the fake serves unless a test asks otherwise. */
export const NSE_CONTRACTS = { NIFTY: { lot: 65, freeze: 1800 }, BANKNIFTY: { lot: 30, freeze: 600 } } as const;
const UNDERLYINGS = [
  { name: 'NIFTY' as const, key: UNDERLYING_SPECS.NIFTY.indexKey, spot: 26_000, tokenBase: 40_000 },
  { name: 'BANKNIFTY' as const, key: UNDERLYING_SPECS.BANKNIFTY.indexKey, spot: 59_500, tokenBase: 60_000 },
];
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_MS = 86_400_000;

interface Row {
  readonly info: FakeInstrument;
  readonly u: number;
  readonly expiryMs: number;
}

export interface DeterministicMarketOptions {
  readonly seed?: number;
  readonly nowMs: number;
  /** Lot size / freeze quantity per underlying (default NSE_CONTRACTS: 65/1800, 30/600). */
  readonly contracts?: Partial<Record<Underlying, { lot: number; freeze: number }>>;
  /** A market that never moves (deterministic fills at the quoted touch) but keeps streaming fresh quotes. */
  readonly calm?: boolean;
  /** Index levels the strikes are listed around (default NIFTY 26,000, BANKNIFTY 59,500). */
  readonly spots?: Partial<Record<Underlying, number>>;
}

export class DeterministicMarket implements FakeMarket {
  readonly #rows = new Map<string, Row>();
  readonly #spots: number[];
  readonly #closes: number[];
  #seed: number;
  #now: number;
  /** Quotes are priced lazily, on first ask after a market step (thousands of contracts, a few hundred watched). */
  readonly #quotes = new Map<string, { readonly step: number; quote: FeedQuote }>();
  #step = 0;
  /** Last-trade stamp of every quote (moves on every step, even in a calm market). */
  #ltt: number;
  #volume = 0;
  /** Calm: prices never move (spot and pricing time frozen); every step still re-stamps the quotes (fresh ltt). */
  readonly #calm: boolean;

  /** Lists every contract NSE would list on the day of `nowMs` (master.ts): thousands, to 2031. */
  constructor(opts: DeterministicMarketOptions) {
    this.#calm = opts.calm === true;
    this.#seed = (opts.seed ?? 1) >>> 0 || 1;
    this.#now = opts.nowMs;
    this.#ltt = opts.nowMs;
    const specs = UNDERLYINGS.map((u) => ({ ...u, spot: opts.spots?.[u.name] ?? u.spot, ...(opts.contracts?.[u.name] ?? NSE_CONTRACTS[u.name]) }));
    this.#spots = specs.map((u) => u.spot);
    this.#closes = specs.map((u) => u.spot - 40);
    specs.forEach((spec, u) => {
      const token = spec.key.split('|')[1]!;
      this.#rows.set(spec.key, {
        u, expiryMs: 0,
        info: { instrumentKey: spec.key, underlying: spec.name, kind: 'INDEX', tickSize: 0.05, token, quoteKey: `NSE_INDEX:${token}`, contractSymbol: token, tradingSymbol: token },
      });
    });
    const listed = nseOptionMaster(listingDate(opts.nowMs), specs.map((s) => ({
      underlying: s.name, indexKey: s.key, spot: s.spot, lotSize: s.lot, freezeQty: s.freeze, tokenBase: s.tokenBase,
    })));
    for (const c of listed) {
      const u = specs.findIndex((s) => s.name === c.underlying);
      const [yyyy, mm, dd] = [c.expiry.slice(0, 4), Number(c.expiry.slice(5, 7)), c.expiry.slice(8, 10)];
      const yy = yyyy.slice(2);
      const info: FakeInstrument = {
        instrumentKey: `NSE_FO|${c.token}`, underlying: c.underlying, kind: c.right, expiry: c.expiry, strike: c.strike,
        lotSize: c.lotSize, freezeQty: c.freezeQty, tickSize: 0.05, token: c.token, underlyingKey: c.indexKey,
        cycle: c.cycle, weekly: c.cycle === 'weekly',
        quoteKey: `NSE_FO:${c.underlying}${yy}${mm}${dd}${c.strike}${c.right}`,
        contractSymbol: `${c.underlying} ${c.strike} ${c.right} ${dd} ${MONTHS[mm - 1]} ${yy}`,
        tradingSymbol: `${c.underlying}${yy}${mm}${dd}${c.strike}${c.right}`,
      };
      this.#rows.set(info.instrumentKey, { info, u, expiryMs: sessionCloseMs(c.expiry) });
    }
  }

  instruments(): readonly FakeInstrument[] {
    return [...this.#rows.values()].map((r) => r.info);
  }

  instrument(key: string): FakeInstrument | undefined {
    return this.#rows.get(key)?.info;
  }

  quote(key: string): FeedQuote | undefined {
    const row = this.#rows.get(key);
    if (row === undefined) return undefined;
    let cached = this.#quotes.get(key);
    if (cached === undefined || cached.step !== this.#step) {
      cached = { step: this.#step, quote: this.#price(row) };
      this.#quotes.set(key, cached);
    }
    if (cached.quote.ltt !== this.#ltt) cached.quote = { ...cached.quote, ltt: this.#ltt };
    return cached.quote;
  }

  /** Every key's quote changes on a step (priced when asked). */
  advance(nowMs: number): readonly string[] {
    if (this.#calm) {
      this.#ltt = Math.max(nowMs, this.#ltt);
      return [...this.#rows.keys()];
    }
    this.#now = Math.max(this.#now + 1000, nowMs);
    this.#ltt = this.#now;
    for (let u = 0; u < this.#spots.length; u++) {
      const z = this.#rand() - 0.5;
      this.#spots[u] = Math.round((this.#spots[u]! * (1 + z * 0.0008)) * 20) / 20;
    }
    this.#volume += UNDERLYING_SPECS.NIFTY.lotSize;
    this.#step++;
    return [...this.#rows.keys()];
  }

  #price(row: Row): FeedQuote {
    {
      const spot = this.#spots[row.u]!;
      if (row.info.kind === 'INDEX') {
        return { ltp: spot, ltt: this.#ltt, ltq: 0, cp: this.#closes[row.u]!, isIndex: true };
      }
      const t = Math.max((row.expiryMs - this.#now) / (365 * DAY_MS), 1 / 365 / 24);
      const strike = row.info.strike!;
      const vol = 0.13 + 0.4 * Math.abs(Math.log(strike / spot));
      const { price, delta, gamma, vega, theta } = blackScholes(spot, strike, t, vol, row.info.kind === 'CE', UNDERLYING_SPECS[row.info.underlying as Underlying].dividendYield);
      const mid = Math.max(0.05, Math.round(price * 20) / 20);
      const half = Math.max(0.05, Math.round(mid * 0.004 * 20) / 20);
      const depth = Array.from({ length: 5 }, (_, l) => ({
        bidQ: (row.info.lotSize ?? 1) * (10 + l * 5), bidP: Math.max(0.05, round2(mid - half - l * 0.05)),
        askQ: (row.info.lotSize ?? 1) * (12 + l * 5), askP: round2(mid + half + l * 0.05),
      }));
      return {
        ltp: mid, ltt: this.#ltt, ltq: row.info.lotSize ?? 1, cp: mid * 0.97, isIndex: false, depth,
        greeks: { delta, theta, gamma, vega, rho: 0 }, atp: mid, vtt: 100_000 + this.#volume, oi: 2_000_000, iv: vol,
        tbq: 150_000, tsq: 160_000,
      };
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

/**
 * Black-Scholes with carry (r = the default configured rate, q = the index's dividend yield, as our own forward uses): the fake's prices
 * must embed the same forward F = S·e^{(r−q)t} a real chain does, or put-call parity disagrees with the carry forward.
 */
function blackScholes(s: number, k: number, t: number, sigma: number, call: boolean, q: number) {
  const r = DEFAULT_RATE;
  const sq = sigma * Math.sqrt(t);
  const f = s * Math.exp((r - q) * t);
  const d1 = (Math.log(f / k) + 0.5 * sigma * sigma * t) / sq;
  const d2 = d1 - sq;
  const df = Math.exp(-r * t);
  const dq = Math.exp(-q * t);
  const pdf = Math.exp(-0.5 * d1 * d1) / Math.sqrt(2 * Math.PI);
  const price = df * (call ? f * cdf(d1) - k * cdf(d2) : k * cdf(-d2) - f * cdf(-d1));
  return {
    price, delta: dq * (call ? cdf(d1) : cdf(d1) - 1), gamma: (dq * pdf) / (s * sq), vega: (s * dq * pdf * Math.sqrt(t)) / 100,
    theta: -(s * dq * pdf * sigma) / (2 * Math.sqrt(t)) / 365,
  };
}

/** Abramowitz-Stegun 7.1.26 normal CDF (1e-7), enough for a fake. */
function cdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}
