/**
 * @module Index-option contract data: strike grids, instrument keys, carry. Pure.
 *
 * Lot sizes and freeze limits are dated facts: read them with `ContractFacts` (contract-facts.ts) for a contract's
 * expiry and the trade date; the shipped tables are data/nse-contracts.ts and live overrides them from the broker's
 * instrument master. The `lotSize`/`freezeQty` fields below are the newest table rows, kept for callers not yet moved.
 *
 * Sources (see /work/shared/reference/quant.md §4 and peers.md §3):
 * - Strike intervals: NIFTY 50 near the money and 100 further out [unconfirmed: read the contract file];
 *   BANKNIFTY 100 near and 500 further out (NSE scheme since Mar 2023).
 * - Carry: the rate is configured once (RISK_FREE_RATE, market-settings.ts); dividend yields are rough index trailing
 *   yields (used by the simulator and by the feed's forward-consistency check, which tolerates their error).
 */
import type { Underlying } from './underlying.ts';
import { dayNumber } from './calendar.ts';
import type { Right } from './right.ts';
import { NSE_FREEZE_LIMITS, NSE_LOT_SIZES } from './data/nse-contracts.ts';

export interface UnderlyingSpec {
  readonly underlying: Underlying;
  /** Upstox instrument key of the index. */
  readonly indexKey: string;
  /** @deprecated The newest lot in data/nse-contracts.ts; use ContractFacts.contract(underlying, expiry, tradeDate). */
  readonly lotSize: number;
  /** @deprecated The newest freeze limit in data/nse-contracts.ts; use ContractFacts.contract(…). */
  readonly freezeQty: number;
  /** Strike interval near the money, and the band (points either side of ATM) where it applies. */
  readonly nearStep: number;
  readonly nearBand: number;
  /** Strike interval outside the near band, and the listed range (points either side of ATM). */
  readonly farStep: number;
  readonly farBand: number;
  readonly dividendYield: number;
  /** @deprecated Earliest expiry the newest lot applies to. */
  readonly validFromExpiry: string;
}

export const VIX_KEY = 'NSE_INDEX|India VIX';

const newest = (u: Underlying) => ({
  lotSize: NSE_LOT_SIZES[u].at(-1)!.value, freezeQty: NSE_FREEZE_LIMITS[u].at(-1)!.value, validFromExpiry: NSE_LOT_SIZES[u].at(-1)!.from,
});

export const UNDERLYING_SPECS: Readonly<Record<Underlying, UnderlyingSpec>> = {
  NIFTY: {
    underlying: 'NIFTY', indexKey: 'NSE_INDEX|Nifty 50', ...newest('NIFTY'),
    nearStep: 50, nearBand: 1000, farStep: 100, farBand: 2000, dividendYield: 0.012,
  },
  BANKNIFTY: {
    underlying: 'BANKNIFTY', indexKey: 'NSE_INDEX|Nifty Bank', ...newest('BANKNIFTY'),
    nearStep: 100, nearBand: 2500, farStep: 500, farBand: 5000, dividendYield: 0.008,
  },
};

export function underlyingSpec(underlying: Underlying, expiry?: string): UnderlyingSpec {
  const spec = UNDERLYING_SPECS[underlying];
  if (!spec) throw new RangeError(`expected NIFTY|BANKNIFTY, was ${JSON.stringify(underlying)}`);
  if (expiry !== undefined && expiry < spec.validFromExpiry) {
    throw new RangeError(`expected an expiry on/after ${spec.validFromExpiry} (lot data coverage), was ${expiry}`);
  }
  return spec;
}

/**
 * The listed strikes around `reference` (usually spot at listing): every `nearStep` within ±nearBand of the ATM
 * strike, every `farStep` out to ±farBand. Ascending, no duplicates.
 */
export function strikeGrid(underlying: Underlying, reference: number): number[] {
  if (!(reference > 0)) throw new RangeError(`expected a positive reference price, was ${reference}`);
  const { nearStep, nearBand, farStep, farBand } = UNDERLYING_SPECS[underlying];
  const atm = Math.round(reference / nearStep) * nearStep;
  const out = new Set<number>();
  for (let k = atm - nearBand; k <= atm + nearBand; k += nearStep) if (k > 0) out.add(k);
  const farStart = Math.ceil((atm - farBand) / farStep) * farStep;
  for (let k = farStart; k <= atm + farBand; k += farStep) if (k > 0) out.add(k);
  return [...out].sort((a, b) => a - b);
}

const UNDERLYING_CODE: Readonly<Record<Underlying, number>> = { NIFTY: 1, BANKNIFTY: 2 };
const TOKEN_EPOCH_DAY = dayNumber('2024-01-01');

/**
 * A deterministic numeric exchange token for a simulated contract (the simulator's `NSE_FO|<token>` keys).
 * Packs underlying, expiry day, strike and side, so it is unique per contract and stable across threads and runs.
 */
export function simToken(underlying: Underlying, expiry: string, strike: number, right: Right): number {
  const day = dayNumber(expiry) - TOKEN_EPOCH_DAY;
  const k = strike / UNDERLYING_SPECS[underlying].nearStep;
  if (!(day >= 0 && day < 8192) || !Number.isInteger(k) || k < 0 || k >= 8192) {
    throw new RangeError(`expected a grid strike and an expiry in 2024–2046, was ${underlying} ${expiry} ${strike}`);
  }
  return ((UNDERLYING_CODE[underlying] * 8192 + day) * 8192 + k) * 2 + (right === 'CE' ? 0 : 1);
}

export function optionKey(token: number): string {
  return `NSE_FO|${token}`;
}

/** NSE-style trading symbol, e.g. `NIFTY 24500 CE 24 NOV 26`. */
export function tradingSymbol(underlying: Underlying, expiry: string, strike: number, right: Right): string {
  const months = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
  return `${underlying} ${strike} ${right} ${expiry.slice(8, 10)} ${months[Number(expiry.slice(5, 7)) - 1]} ${expiry.slice(2, 4)}`;
}
