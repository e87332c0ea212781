/**
 * @module SimMarket: the simulated NSE index-options market. The one source of truth for simulated prices.
 *
 * State at simulated time t is a pure function of (seed, the session startMs falls in, t): time advances on a fixed
 * grid of STEP_MS from that session's 09:15 open, each step's randomness is keyed by its index (prng.ts), and listing
 * changes happen only at session entry.
 * So the feed's copy and the paper exchange's copy (another thread) agree on every quote, however each is advanced
 * (both must be built with the same market settings: the rate and the variance clock).
 * Off-hours cost nothing: advancing jumps straight to the next session's first grid step.
 *
 * Time runs on the variance clock (domain/variance-clock.ts) like every consumer's: the spot diffuses by the clock's
 * units per step (shaped by an intraday activity curve), the overnight gap carries the clock's units between one
 * close and the next open, and options are priced with the clock's time to expiry and the configured rate — so the
 * implied vol the calibrator reads and the realised vol the strategy measures compare the same on every weekday.
 * Sessions, expiries and lot/freeze facts are the dated calendar's (15:40 close from 3 Aug 2026).
 */
import type { Underlying } from '../../domain/underlying.ts';
import type { InstrumentInfo, Tick } from '../market-data.ts';
import { istMinuteOfDay, nextSessionOpen, sessionCloseMs, sessionOpenMs, sessionTimes, istDate, isMarketOpen, upcomingExpiries, type Expiry } from '../../domain/calendar.ts';
import { UNDERLYING_SPECS, VIX_KEY, optionKey, simToken, strikeGrid, tradingSymbol } from '../../domain/instruments.ts';
import { ContractFacts } from '../../domain/contract-facts.ts';
import { DEFAULT_MARKET_SETTINGS, type MarketSettings } from '../../domain/market-settings.ts';
import { TICK_SIZE, roundToTick } from '../../domain/units.ts';
import { varianceClock, type VarianceClock } from '../../domain/variance-clock.ts';
import { uniform } from './prng.ts';
import { black76, sabrVolBeta1 } from './pricing.ts';
import { STEP_MS, activity, initialState, overnight, smileParams, step, vixLevel, type ModelState, type SmileParams } from './model.ts';

export { STEP_MS };

export interface SimMarketOptions {
  readonly seed: number;
  /** Epoch ms where the simulated clock starts (the model is anchored at that session's 09:15 open). */
  readonly startMs: number;
  /** Expiries listed per underlying (default NIFTY 4, BANKNIFTY 2). */
  readonly expiries?: Partial<Record<Underlying, number>>;
  /** Rate and variance clock (default: the shipped defaults; a run passes RISK_FREE_RATE, MARKET_VARIANCE_*). */
  readonly market?: MarketSettings;
  /**
   * Resume from a `checkpoint()` instead of building from `startMs` (which must be the same start, as must the seed,
   * the expiry counts and the market settings: a RangeError names what differs). The resumed market is the one that
   * was checkpointed, step for step: advancing it gives exactly what the uninterrupted market gives.
   */
  readonly from?: SimCheckpoint;
}

/**
 * The whole state of a SimMarket at one step, as plain data (msgpack and structured-clone safe): what a restarted
 * feed or paper exchange resumes from instead of replaying every step since the start (~1 s of CPU per simulated
 * hour). Only `checkpoint()` makes one; `from` checks it before use.
 */
export interface SimCheckpoint {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly seed: number;
  readonly anchorMs: number;
  /** The expiry counts and market settings the market was built with, as one comparable string. */
  readonly build: string;
  readonly n: number;
  /** IST date of the session the last step was in. */
  readonly sessionDate: string;
  readonly model: { readonly logS: readonly number[]; readonly h: number; readonly x: number; readonly y: number };
  readonly chains: readonly SimChain[];
  readonly chainT: readonly number[];
  readonly chainF: readonly number[];
  readonly smiles: readonly SmileParams[];
  readonly quotes: Readonly<Record<QuoteField, readonly number[]>>;
  /** The refresh ring, slot by slot. */
  readonly ring: readonly (readonly number[])[];
  /** Instruments changed since the last drain, in the order they changed. */
  readonly changed: readonly number[];
  /** Each past session's closing spots: [IST date, NIFTY, BANKNIFTY] (the settlement prices `closeOn` answers). */
  readonly closes: readonly (readonly [string, number, number])[];
}

const CHECKPOINT_FORMAT = 1;
const QUOTE_FIELDS = ['bid', 'ask', 'ltp', 'bidQty', 'askQty', 'volume', 'oi', 'ts'] as const;
type QuoteField = (typeof QUOTE_FIELDS)[number];

export interface SimQuote {
  readonly bid: number;
  readonly ask: number;
  readonly ltp: number;
  readonly bidQty: number;
  readonly askQty: number;
  readonly volume: number;
  readonly oi: number;
  /** Time of the step that last changed this quote. */
  readonly ts: number;
}

export interface SimChain extends Expiry {
  readonly lotSize: number;
  readonly freezeQty: number;
  readonly strikes: readonly number[];
  readonly callKeys: readonly string[];
  readonly putKeys: readonly string[];
}

interface Rec {
  readonly info: InstrumentInfo;
  /** 0 NIFTY, 1 BANKNIFTY, 2 VIX for indices; underlying index for options. */
  readonly u: 0 | 1 | 2;
  readonly isIndex: boolean;
  readonly isCall: boolean;
  readonly strike: number;
  readonly expiryTs: number;
  readonly chain: number;
}

const UNDERLYING_ORDER: readonly Underlying[] = ['NIFTY', 'BANKNIFTY'];
const RING = 64;
const MAX_GAP = 40;
// Local aliases: module-namespace getters (tsx's transform) are measurable in the per-step loop.
const uni = uniform;
const toTick = roundToTick;
const S = { refresh: 20, size: 21, trade: 22, tradeQty: 23, oi: 24 } as const;

export class SimMarket {
  static readonly STEP_MS = STEP_MS;
  readonly seed: number;
  /** Open of the session the model starts in; step n is at anchorMs + n·STEP_MS. */
  readonly anchorMs: number;
  readonly #counts: Record<Underlying, number>;
  readonly #st: ModelState;
  readonly #rate: number;
  readonly #clock: VarianceClock;
  #n = 0;
  #sessionStart = 0;
  #sessionEnd = 0;
  #sessionOpenMin = 0;
  #sessionMinutes = 0;
  #sessionDate = '';
  /** Each session's closing spots (its last step) by IST date: an expiry's final settlement price. */
  readonly #closes = new Map<string, readonly [number, number]>();
  #recs: Rec[] = [];
  #byKey = new Map<string, number>();
  #chains: SimChain[] = [];
  #smiles: SmileParams[] = [];
  #chainT = new Float64Array(0);
  #chainF = new Float64Array(0);
  /** Each chain's expiry instant on the variance clock (units), fixed per listing: a step reads the clock once. */
  #chainU = new Float64Array(0);
  #ring: number[][] = [];
  #bid = new Float64Array(0);
  #ask = new Float64Array(0);
  #ltp = new Float64Array(0);
  #bidQty = new Float64Array(0);
  #askQty = new Float64Array(0);
  #volume = new Float64Array(0);
  #oi = new Float64Array(0);
  #ts = new Float64Array(0);
  #changed = new Uint8Array(0);
  #changedList: number[] = [];

  readonly #build: string;

  constructor(opts: SimMarketOptions) {
    if (!Number.isInteger(opts.seed) || opts.seed < 0) throw new RangeError(`expected a non-negative integer seed, was ${opts.seed}`);
    if (!Number.isFinite(opts.startMs)) throw new RangeError(`expected startMs as epoch ms, was ${opts.startMs}`);
    this.seed = opts.seed;
    const market = opts.market ?? DEFAULT_MARKET_SETTINGS;
    this.#rate = market.rate;
    this.#clock = varianceClock(market.variance);
    // The step grid and the initial state are anchored at the open of the start's session (today's 09:15 IST when the
    // start is in session, else the next one), not at startMs itself: two copies started a few ms or hours apart on the
    // same session day (the feed's and the paper exchange's) then agree on every quote.
    this.anchorMs = isMarketOpen(opts.startMs) ? sessionOpenMs(istDate(opts.startMs)) : nextSessionOpen(opts.startMs);
    this.#counts = { NIFTY: opts.expiries?.NIFTY ?? 4, BANKNIFTY: opts.expiries?.BANKNIFTY ?? 2 };
    this.#build = JSON.stringify({ expiries: this.#counts, rate: market.rate, variance: market.variance });
    this.#st = initialState(this.seed);
    if (opts.from !== undefined) {
      this.#restore(opts.from);
      return;
    }
    this.#enterSession(istDate(this.anchorMs));
    this.#relist(Math.min(opts.startMs, this.anchorMs), 0);
    this.advanceTo(opts.startMs);
  }

  /** The whole state now, as plain data: `new SimMarket({ seed, startMs, market, from })` resumes exactly here. */
  checkpoint(): SimCheckpoint {
    const arrays = { bid: this.#bid, ask: this.#ask, ltp: this.#ltp, bidQty: this.#bidQty, askQty: this.#askQty, volume: this.#volume, oi: this.#oi, ts: this.#ts };
    const quotes = Object.fromEntries(QUOTE_FIELDS.map((f) => [f, Array.from(arrays[f])])) as Record<QuoteField, number[]>;
    return {
      format: CHECKPOINT_FORMAT, seed: this.seed, anchorMs: this.anchorMs, build: this.#build, n: this.#n, sessionDate: istDate(this.#sessionStart),
      model: { logS: Array.from(this.#st.logS), h: this.#st.h, x: this.#st.x, y: this.#st.y },
      chains: this.#chains.map((c) => ({ ...c, strikes: [...c.strikes], callKeys: [...c.callKeys], putKeys: [...c.putKeys] })),
      chainT: Array.from(this.#chainT), chainF: Array.from(this.#chainF), smiles: this.#smiles.map((sp) => ({ ...sp })),
      quotes, ring: this.#ring.map((slot) => [...slot]), changed: [...this.#changedList],
      closes: [...this.#closes].map(([date, [nifty, bank]]) => [date, nifty, bank] as const),
    };
  }

  /** Checks a checkpoint against this market's identity and its own shape, then takes its state. */
  #restore(cp: SimCheckpoint): void {
    const bad = checkpointProblem(cp, { seed: this.seed, anchorMs: this.anchorMs, build: this.#build });
    if (bad !== null) throw new RangeError(`expected a checkpoint of this market, ${bad}`);
    this.#enterSession(cp.sessionDate);
    this.#n = cp.n;
    this.#st.logS[0] = cp.model.logS[0]!;
    this.#st.logS[1] = cp.model.logS[1]!;
    this.#st.h = cp.model.h;
    this.#st.x = cp.model.x;
    this.#st.y = cp.model.y;
    this.#chains = cp.chains.map((c) => ({ ...c, strikes: [...c.strikes], callKeys: [...c.callKeys], putKeys: [...c.putKeys] }));
    this.#recs = recordsOf(this.#chains);
    this.#byKey = new Map(this.#recs.map((r, i) => [r.info.instrumentKey, i]));
    this.#chainT = Float64Array.from(cp.chainT);
    this.#chainF = Float64Array.from(cp.chainF);
    this.#chainU = Float64Array.from(this.#chains, (c) => this.#clock.units(c.expiryTs));
    this.#smiles = cp.smiles.map((sp) => ({ alpha: sp.alpha, rho: sp.rho, nu: sp.nu }));
    this.#bid = Float64Array.from(cp.quotes.bid); this.#ask = Float64Array.from(cp.quotes.ask); this.#ltp = Float64Array.from(cp.quotes.ltp);
    this.#bidQty = Float64Array.from(cp.quotes.bidQty); this.#askQty = Float64Array.from(cp.quotes.askQty);
    this.#volume = Float64Array.from(cp.quotes.volume); this.#oi = Float64Array.from(cp.quotes.oi); this.#ts = Float64Array.from(cp.quotes.ts);
    this.#ring = cp.ring.map((slot) => [...slot]);
    this.#changed = new Uint8Array(this.#recs.length);
    this.#changedList = [...cp.changed];
    for (const i of this.#changedList) this.#changed[i] = 1;
    for (const [date, nifty, bank] of cp.closes) this.#closes.set(date, [nifty, bank]);
  }

  /** Simulated time of the last applied step. */
  get now(): number {
    return this.anchorMs + this.#n * STEP_MS;
  }

  /** Applies every grid step up to `ms` (no-op when `ms` is not ahead). */
  advanceTo(ms: number): void {
    const target = Math.floor((ms - this.anchorMs) / STEP_MS);
    while (this.#n < target) {
      let n = this.#n + 1;
      let tn = this.anchorMs + n * STEP_MS;
      if (tn < this.#sessionStart || tn >= this.#sessionEnd) {
        this.#recordClose();
        const open = nextSessionOpen(tn);
        const nOpen = Math.ceil((open - this.anchorMs) / STEP_MS);
        if (nOpen > target) {
          this.#n = target;
          return;
        }
        n = nOpen;
        tn = this.anchorMs + n * STEP_MS;
        const gapYears = this.#clock.years(this.#sessionEnd, sessionOpenMs(istDate(tn)));
        this.#enterSession(istDate(tn));
        overnight(this.#st, this.seed, n, gapYears);
        this.#relist(tn, n);
      }
      this.#step(n, tn);
      this.#n = n;
    }
  }

  /** The session just left (or being left): its last step's spots are its close. */
  #recordClose(): void {
    if (this.#sessionDate === '' || this.#closes.has(this.#sessionDate) || this.now < this.#sessionStart) return;
    this.#closes.set(this.#sessionDate, [Math.exp(this.#st.logS[0]!), Math.exp(this.#st.logS[1]!)]);
  }

  /**
   * The underlying's close on IST `date` (its last simulated price of that session) once the model has run past
   * that session's close; undefined before, or for a session before this model started. On an expiry day this is
   * the final settlement price (NSE settles index options at the index's closing value).
   */
  closeOn(underlying: Underlying, date: string): number | undefined {
    if (date === this.#sessionDate && this.now + STEP_MS >= this.#sessionEnd) this.#recordClose();
    return this.#closes.get(date)?.[underlying === 'NIFTY' ? 0 : 1];
  }

  #enterSession(date: string): void {
    this.#sessionDate = date;
    const s = sessionTimes(date);
    this.#sessionStart = sessionOpenMs(date);
    this.#sessionEnd = sessionCloseMs(date);
    this.#sessionOpenMin = s.openMin;
    this.#sessionMinutes = s.closeMin - s.openMin;
  }

  isOpen(ms: number = this.now): boolean {
    return isMarketOpen(ms);
  }

  spot(underlying: Underlying): number {
    return Math.exp(this.#st.logS[underlying === 'NIFTY' ? 0 : 1]!);
  }

  vix(): number {
    return vixLevel(this.#st);
  }

  /** The current SABR (β = 1) smile and forward of a listed expiry, for diagnostics and tests. */
  smile(underlying: Underlying, expiry: string): (SmileParams & { forward: number; t: number }) | undefined {
    const i = this.#chains.findIndex((c) => c.underlying === underlying && c.expiry === expiry);
    const chain = this.#chains[i];
    if (!chain) return undefined;
    const t = this.#clock.yearsToExpiry(this.now, chain.expiryTs);
    const u = underlying === 'NIFTY' ? 0 : 1;
    const q = UNDERLYING_SPECS[underlying].dividendYield;
    return { ...smileParams(this.#st, u, t), forward: this.spot(underlying) * Math.exp((this.#rate - q) * t), t };
  }

  quote(instrumentKey: string): SimQuote | undefined {
    const i = this.#byKey.get(instrumentKey);
    if (i === undefined) return undefined;
    return {
      bid: this.#bid[i]!, ask: this.#ask[i]!, ltp: this.#ltp[i]!, bidQty: this.#bidQty[i]!, askQty: this.#askQty[i]!,
      volume: this.#volume[i]!, oi: this.#oi[i]!, ts: this.#ts[i]!,
    };
  }

  instruments(): readonly InstrumentInfo[] {
    return this.#recs.map((r) => r.info);
  }

  chains(): readonly SimChain[] {
    return this.#chains;
  }

  /** Ticks for every instrument changed since the previous drain (latest state only), in listing order. */
  drainChanged(): Tick[] {
    const list = this.#changedList.sort((a, b) => a - b);
    const out: Tick[] = new Array(list.length);
    for (let j = 0; j < list.length; j++) {
      const i = list[j]!;
      this.#changed[i] = 0;
      out[j] = this.tickOf(i);
    }
    this.#changedList = [];
    return out;
  }

  /** The full current state as ticks (one per instrument): what a fresh subscriber receives first. */
  snapshotTicks(): Tick[] {
    return this.#recs.map((_, i) => this.tickOf(i));
  }

  /** @internal */
  tickOf(i: number): Tick {
    const r = this.#recs[i]!;
    if (r.isIndex) return { instrumentKey: r.info.instrumentKey, ts: this.#ts[i]!, ltp: this.#ltp[i]! };
    return {
      instrumentKey: r.info.instrumentKey, ts: this.#ts[i]!, ltp: this.#ltp[i]!, bid: this.#bid[i]!, ask: this.#ask[i]!,
      bidQty: this.#bidQty[i]!, askQty: this.#askQty[i]!, volume: this.#volume[i]!, oi: this.#oi[i]!,
    };
  }

  #step(n: number, tn: number): void {
    const minute = istMinuteOfDay(tn) - this.#sessionOpenMin;
    // The step's share of the session's variance; the activity curve moves it within the session (mean ≈ 1).
    const u = this.#clock.units(tn);
    const dt = ((u - this.#clock.units(tn - STEP_MS)) / this.#clock.unitsPerYear) * activity(minute, this.#sessionMinutes);
    step(this.#st, this.seed, n, dt);
    this.#updateChains(u);
    for (let i = 0; i < 3; i++) {
      this.#ltp[i] = i === 2 ? vixLevel(this.#st) : toTick(Math.exp(this.#st.logS[i]!), TICK_SIZE);
      this.#touch(i, tn);
    }
    // Only the instruments due at this step are requoted (a ring of buckets): the per-step cost is the handful of
    // quotes that change, not the whole listing — the paper exchange advances its own copy at simulation speed.
    const slot = n % RING;
    const due = this.#ring[slot]!;
    this.#ring[slot] = [];
    for (let j = 0; j < due.length; j++) {
      const i = due[j]!;
      const r = this.#recs[i]!;
      if (r.expiryTs <= tn) continue;
      this.#requote(i, r, tn, n, true);
      this.#schedule(i, r, n);
    }
  }

  /** Next refresh of instrument i: geometric gap, mean ≈ 1/p steps; ATM every ~1 s, wings every ~10 s, cap 20 s. */
  #schedule(i: number, r: Rec, n: number): void {
    const m = Math.log(r.strike / this.#chainF[r.chain]!);
    const p = 0.05 + 0.45 * Math.exp(-m * m * 8000);
    const gap = 1 + Math.floor(Math.log(1 - uni(this.seed, n, S.refresh, i)) / Math.log(1 - p));
    this.#ring[(n + Math.min(gap, MAX_GAP)) % RING]!.push(i);
  }

  /** Forwards, times and smiles of every chain at the instant whose clock units are `unitsNow`. */
  #updateChains(unitsNow: number): void {
    for (let c = 0; c < this.#chains.length; c++) {
      const chain = this.#chains[c]!;
      const u = chain.underlying === 'NIFTY' ? 0 : 1;
      const t = Math.max(0, this.#chainU[c]! - unitsNow) / this.#clock.unitsPerYear;
      this.#chainT[c] = t;
      this.#chainF[c] = Math.exp(this.#st.logS[u]! + (this.#rate - UNDERLYING_SPECS[chain.underlying].dividendYield) * t);
      this.#smiles[c] = smileParams(this.#st, u, t);
    }
  }

  #requote(i: number, r: Rec, tn: number, n: number, trade: boolean): void {
    const t = Math.max(this.#chainT[r.chain]!, 1e-7);
    const f = this.#chainF[r.chain]!;
    const sp = this.#smiles[r.chain]!;
    const vol = Math.min(Math.max(sabrVolBeta1(f, r.strike, t, sp.alpha, sp.rho, sp.nu), 0.03), 3);
    const mid = black76(r.isCall, f, r.strike, t, this.#rate, vol);
    const m = Math.min(Math.abs(Math.log(r.strike / f)) / (sp.alpha * Math.sqrt(t)), 8); // standardised moneyness
    const rel = Math.min(0.004 + 0.004 * m * m + 0.02 * Math.exp(-t * 365), 0.6); // wider in the wings and near expiry
    const half = Math.max(TICK_SIZE / 2, mid * rel);
    const bid = Math.max(TICK_SIZE, toTick(Math.floor((mid - half) / TICK_SIZE + 1e-9) * TICK_SIZE));
    const ask = Math.max(bid + TICK_SIZE, toTick(Math.ceil((mid + half) / TICK_SIZE - 1e-9) * TICK_SIZE));
    const lot = r.info.lotSize ?? 1;
    const depth = 3 + 60 * Math.exp(-m * m / 2);
    this.#bid[i] = bid;
    this.#ask[i] = toTick(ask);
    this.#bidQty[i] = lot * (1 + Math.floor(uni(this.seed, n, S.size, 2 * i) * depth));
    this.#askQty[i] = lot * (1 + Math.floor(uni(this.seed, n, S.size, 2 * i + 1) * depth));
    if (!trade) {
      this.#ltp[i] = toTick(mid) || TICK_SIZE;
    } else {
      const u = uni(this.seed, n, S.trade, i);
      if (u < 0.35) {
        this.#ltp[i] = u < 0.175 ? bid : this.#ask[i]!;
        const qty = lot * (1 + Math.floor(uni(this.seed, n, S.tradeQty, i) * 10));
        this.#volume[i] = this.#volume[i]! + qty;
        const dOi = uni(this.seed, n, S.oi, i) < 0.55 ? qty : -qty; // slightly more opening than closing
        this.#oi[i] = Math.max(0, this.#oi[i]! + dOi);
      }
    }
    this.#touch(i, tn);
  }

  #touch(i: number, tn: number): void {
    this.#ts[i] = tn;
    if (this.#changed[i] === 0) {
      this.#changed[i] = 1;
      this.#changedList.push(i);
    }
  }

  /** Rebuilds the listing at session entry (and construction): live expiries, grids around today's spot. */
  #relist(tn: number, n: number): void {
    const old = { recs: this.#recs, byKey: this.#byKey, bid: this.#bid, ask: this.#ask, ltp: this.#ltp, bidQty: this.#bidQty, askQty: this.#askQty, volume: this.#volume, oi: this.#oi, ts: this.#ts };
    const oldStrikes = new Map(this.#chains.map((c) => [`${c.underlying}|${c.expiry}`, c.strikes]));
    const chains: SimChain[] = [];
    const tradeDate = istDate(tn);
    for (const underlying of UNDERLYING_ORDER) {
      const u = underlying === 'NIFTY' ? 0 : 1;
      for (const e of upcomingExpiries(underlying, tn, this.#counts[underlying])) {
        // The dated lot (by expiry) and freeze limit (by trade date) of this contract, as NSE lists it.
        const facts = ContractFacts.DEFAULT.contract(underlying, e.expiry, tradeDate);
        const spec = { lotSize: facts.lotSize.value, freezeQty: facts.freezeQty.value };
        const set = new Set([...(oldStrikes.get(`${underlying}|${e.expiry}`) ?? []), ...strikeGrid(underlying, Math.exp(this.#st.logS[u]!))]);
        const strikes = [...set].sort((a, b) => a - b);
        const callKeys = strikes.map((strike) => optionKey(simToken(underlying, e.expiry, strike, 'CE')));
        const putKeys = strikes.map((strike) => optionKey(simToken(underlying, e.expiry, strike, 'PE')));
        chains.push({ ...e, lotSize: spec.lotSize, freezeQty: spec.freezeQty, strikes, callKeys, putKeys });
      }
    }
    const recs = recordsOf(chains);
    const len = recs.length;
    this.#recs = recs;
    this.#chains = chains;
    this.#chainT = new Float64Array(chains.length);
    this.#chainF = new Float64Array(chains.length);
    this.#chainU = Float64Array.from(chains, (c) => this.#clock.units(c.expiryTs));
    this.#byKey = new Map(recs.map((r, i) => [r.info.instrumentKey, i]));
    this.#bid = new Float64Array(len); this.#ask = new Float64Array(len); this.#ltp = new Float64Array(len);
    this.#bidQty = new Float64Array(len); this.#askQty = new Float64Array(len); this.#volume = new Float64Array(len);
    this.#oi = new Float64Array(len); this.#ts = new Float64Array(len);
    this.#changed = new Uint8Array(len);
    this.#changedList = [];
    this.#updateChains(this.#clock.units(tn));
    this.#ring = Array.from({ length: RING }, () => []);
    for (let i = 0; i < len; i++) {
      const r = recs[i]!;
      const j = old.byKey.get(r.info.instrumentKey);
      if (r.isIndex) {
        this.#ltp[i] = r.u === 2 ? vixLevel(this.#st) : toTick(Math.exp(this.#st.logS[r.u]!), 0.05);
      } else {
        if (j !== undefined) {
          this.#oi[i] = old.oi[j]!; // volume resets each session, OI carries over
        } else {
          const m = Math.log(r.strike / this.#chainF[r.chain]!);
          this.#oi[i] = r.info.lotSize! * Math.round(4000 * Math.exp(-m * m * 200) * (0.5 + uni(this.seed, n, S.oi, 100_000 + i)));
        }
        this.#requote(i, r, tn, n, false);
        if (j !== undefined) this.#ltp[i] = old.ltp[j]!; // the last trade survives the night
        this.#schedule(i, r, n);
      }
      this.#touch(i, tn);
    }
  }
}

/** The instrument records of a listing: the three indices, then per chain each strike's call and put. */
function recordsOf(chains: readonly SimChain[]): Rec[] {
  const indexInfo = (key: string, underlying: InstrumentInfo['underlying']): InstrumentInfo => ({ instrumentKey: key, underlying, kind: 'INDEX', tickSize: 0.05 });
  const recs: Rec[] = [
    { info: indexInfo(UNDERLYING_SPECS.NIFTY.indexKey, 'NIFTY'), u: 0, isIndex: true, isCall: false, strike: 0, expiryTs: Infinity, chain: -1 },
    { info: indexInfo(UNDERLYING_SPECS.BANKNIFTY.indexKey, 'BANKNIFTY'), u: 1, isIndex: true, isCall: false, strike: 0, expiryTs: Infinity, chain: -1 },
    { info: indexInfo(VIX_KEY, 'INDIAVIX'), u: 2, isIndex: true, isCall: false, strike: 0, expiryTs: Infinity, chain: -1 },
  ];
  chains.forEach((c, chain) => {
    const u = c.underlying === 'NIFTY' ? 0 : 1;
    c.strikes.forEach((strike, j) => {
      for (const right of ['CE', 'PE'] as const) {
        const key = (right === 'CE' ? c.callKeys : c.putKeys)[j]!;
        recs.push({
          info: { instrumentKey: key, underlying: c.underlying, kind: right, expiry: c.expiry, strike, lotSize: c.lotSize, freezeQty: c.freezeQty, tickSize: TICK_SIZE, tradingSymbol: tradingSymbol(c.underlying, c.expiry, strike, right) },
          u, isIndex: false, isCall: right === 'CE', strike, expiryTs: c.expiryTs, chain,
        });
      }
    });
  });
  return recs;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const numbers = (v: unknown, len: number): boolean => Array.isArray(v) && v.length === len && v.every(finite);

/**
 * Why `cp` cannot be resumed by the market `self` (seed, anchor, build), or null. A checkpoint comes back from the
 * journal: a wrong one must be refused whole with the reason, never half applied.
 */
export function checkpointProblem(cp: unknown, self: { readonly seed: number; readonly anchorMs: number; readonly build: string }): string | null {
  if (typeof cp !== 'object' || cp === null) return `was ${cp === null ? 'null' : typeof cp}`;
  const c = cp as Partial<SimCheckpoint>;
  if (c.format !== CHECKPOINT_FORMAT) return `format ${CHECKPOINT_FORMAT}, was ${JSON.stringify(c.format)}`;
  if (c.seed !== self.seed) return `seed ${self.seed}, was ${JSON.stringify(c.seed)}`;
  if (c.anchorMs !== self.anchorMs) return `anchored at ${new Date(self.anchorMs).toISOString()}, was ${finite(c.anchorMs) ? new Date(c.anchorMs).toISOString() : JSON.stringify(c.anchorMs)}`;
  if (c.build !== self.build) return `built with ${self.build}, was ${JSON.stringify(c.build)}`;
  if (!(Number.isInteger(c.n) && (c.n as number) >= 0)) return `a step index ≥ 0, was ${JSON.stringify(c.n)}`;
  if (typeof c.sessionDate !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(c.sessionDate)) return `a session date, was ${JSON.stringify(c.sessionDate)}`;
  const m = c.model;
  if (!m || !numbers(m.logS, 2) || !finite(m.h) || !finite(m.x) || !finite(m.y)) return 'a finite model state (logS[2], h, x, y), was not';
  if (!Array.isArray(c.chains) || c.chains.length === 0) return 'a listing, was none';
  let len = 3;
  for (const ch of c.chains as unknown[]) {
    const x = ch as Partial<SimChain>;
    if (typeof x !== 'object' || x === null || (x.underlying !== 'NIFTY' && x.underlying !== 'BANKNIFTY') || typeof x.expiry !== 'string' || !finite(x.expiryTs)
      || !finite(x.lotSize) || !finite(x.freezeQty) || !Array.isArray(x.strikes) || !x.strikes.every(finite)
      || !Array.isArray(x.callKeys) || !Array.isArray(x.putKeys) || x.callKeys.length !== x.strikes.length || x.putKeys.length !== x.strikes.length
      || !x.callKeys.every((k) => typeof k === 'string') || !x.putKeys.every((k) => typeof k === 'string')) {
      return 'chains of {underlying, expiry, expiryTs, lotSize, freezeQty, strikes, callKeys, putKeys}, was a malformed one';
    }
    len += 2 * x.strikes.length;
  }
  const chains = c.chains.length;
  if (!numbers(c.chainT, chains) || !numbers(c.chainF, chains)) return `chainT and chainF of ${chains} finite numbers, were not`;
  if (!Array.isArray(c.smiles) || c.smiles.length !== chains || !c.smiles.every((sp) => typeof sp === 'object' && sp !== null && finite(sp.alpha) && finite(sp.rho) && finite(sp.nu))) {
    return `${chains} smiles {alpha, rho, nu}, were not`;
  }
  const q = c.quotes as Record<string, unknown> | undefined;
  for (const f of QUOTE_FIELDS) if (!q || !numbers(q[f], len)) return `quotes.${f} of ${len} finite numbers, was not`;
  const index = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0 && (v as number) < len;
  if (!Array.isArray(c.ring) || c.ring.length !== RING || !c.ring.every((slot) => Array.isArray(slot) && slot.every(index))) return `a ring of ${RING} slots of instrument indices, was not`;
  if (!Array.isArray(c.changed) || !c.changed.every(index) || new Set(c.changed).size !== c.changed.length) return 'distinct changed instrument indices, were not';
  if (!Array.isArray(c.closes) || !c.closes.every((x) => Array.isArray(x) && x.length === 3 && typeof x[0] === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(x[0]) && finite(x[1]) && finite(x[2]))) {
    return 'closes of [date, NIFTY, BANKNIFTY], were not';
  }
  return null;
}
