/**
 * @module The paper exchange's own SimMarket copy: built from the same `(SIM_SEED, simStartMs)` as the feed's, and
 * advanced to the asked time before every quote — so it shows the same prices the feed published at that time
 * (SimMarket is pure in (seed, startMs, t); actors/venues/sim/README.md), without any message between the threads.
 *
 * @example
 *   const sim = new SimQuotes({ seed: cfg.SIM_SEED, startMs: clockSpec.simStartMs });
 *   new PaperBroker({ dir, clock, quotes: sim.quote, instruments: sim.rules, margin: riskMargin(sim.describe, sim.spot), capital });
 */
import type { Underlying } from '../../../domain/underlying.ts';
import type { SimChain, SimMarket } from '../market.ts';
import { buildSimMarket } from '../resume.ts';
import type { MarketSettings } from '../../../domain/market-settings.ts';
import type { InstrumentLookup, InstrumentRules, OptionDescription, OptionLookup, PaperMarket, QuoteProvider, SettlementLookup, SpotLookup } from './quotes.ts';
import { sessionCloseMs } from '../../../domain/calendar.ts';

export class SimQuotes implements PaperMarket {
  readonly market: SimMarket;
  #listing: readonly SimChain[] | undefined;
  #rules = new Map<string, InstrumentRules>();
  #options = new Map<string, OptionDescription>();

  /** Market time of the checkpoint resumed from (null: built from the start), and why one offered was refused. */
  readonly resumedAt: number | null;
  readonly resumeRefused: string | null;

  /**
   * `market` must be the feed's (RISK_FREE_RATE, MARKET_VARIANCE_*): the two copies then agree on every quote.
   * `resumeFrom`: the feed's checkpoint from the journal (resume.ts), used when it fits and is not after `nowMs`.
   */
  constructor(opts: { readonly seed: number; readonly startMs: number; readonly market?: MarketSettings; readonly resumeFrom?: unknown; readonly nowMs?: number }) {
    const built = buildSimMarket({
      seed: opts.seed, startMs: opts.startMs, nowMs: opts.nowMs ?? Number.POSITIVE_INFINITY, resumeFrom: opts.resumeFrom,
      ...(opts.market ? { market: opts.market } : {}),
    });
    this.market = built.market;
    this.resumedAt = built.resumedAt;
    this.resumeRefused = built.refused;
  }

  /** Applies every grid step up to `nowMs` (a no-op when not ahead). */
  advanceTo(nowMs: number): void {
    this.market.advanceTo(nowMs);
  }

  readonly quote: QuoteProvider = (key, nowMs) => {
    this.market.advanceTo(nowMs);
    const q = this.market.quote(key);
    if (q === undefined) return undefined;
    return { bid: q.bid, ask: q.ask, ltp: q.ltp, bidQty: q.bidQty, askQty: q.askQty };
  };

  readonly rules: InstrumentLookup = (key) => {
    this.#index();
    return this.#rules.get(key);
  };

  readonly describe: OptionLookup = (key) => {
    this.#index();
    return this.#options.get(key);
  };

  readonly spot: SpotLookup = (u: Underlying) => this.market.spot(u);

  /** An expiry's final settlement price (the underlying's close that day), once `nowMs` is past that session's close. */
  readonly settlementPrice = (u: Underlying, expiry: string, nowMs: number): number | undefined => {
    if (nowMs < sessionCloseMs(expiry)) return undefined;
    this.market.advanceTo(nowMs);
    return this.market.closeOn(u, expiry);
  };

  /** What one unit of an option settles for at expiry (its intrinsic value at the settlement price), once known. */
  readonly settlementValue: SettlementLookup = (key, nowMs) => {
    const d = this.describe(key);
    if (d === undefined) return undefined;
    const price = this.settlementPrice(d.underlying, d.expiry, nowMs);
    if (price === undefined) return undefined;
    return { settlementPrice: price, value: Math.max(0, d.right === 'CE' ? price - d.strike : d.strike - price) };
  };

  /** Re-indexes the listing when it changed (a new session relists; the chains array is replaced then). */
  #index(): void {
    const chains = this.market.chains();
    if (chains === this.#listing) return;
    this.#listing = chains;
    // Keep what expired: orders and positions in it still need their rules and description.
    for (const c of chains) {
      const rules = { lotSize: c.lotSize, freezeQty: c.freezeQty };
      c.strikes.forEach((strike, i) => {
        const base = { underlying: c.underlying, expiry: c.expiry, strike };
        const ck = c.callKeys[i];
        const pk = c.putKeys[i];
        if (ck !== undefined) {
          this.#rules.set(ck, rules);
          this.#options.set(ck, { ...base, right: 'CE' });
        }
        if (pk !== undefined) {
          this.#rules.set(pk, rules);
          this.#options.set(pk, { ...base, right: 'PE' });
        }
      });
    }
  }
}

/** Quotes from `primary`, falling back to `fallback` for what it does not know (e.g. the sim and the last snapshot). */
export function withFallback(primary: PaperMarket, fallback: PaperMarket): PaperMarket {
  return {
    quote: (key, now) => primary.quote(key, now) ?? fallback.quote(key, now),
    rules: (key) => primary.rules(key) ?? fallback.rules(key),
    describe: (key) => primary.describe(key) ?? fallback.describe(key),
    spot: (u) => primary.spot(u) ?? fallback.spot(u),
  };
}
