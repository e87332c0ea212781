/**
 * @module Index-option contract data: lot sizes, freeze quantities, strike grids, instrument keys, carry. Pure.
 *
 * Sources (see /work/shared/reference/quant.md §4 and peers.md §3):
 * - Lots: NSE/FAOP/70616 (3 Oct 2025): NIFTY 75 → 65, BANKNIFTY 35 → 30 from the Jan-2026 expiries.
 * - Freeze quantities: NIFTY 1756, BANKNIFTY 601 (an order must be strictly below the freeze quantity, so at most
 *   27 and 20 lots per order) — third-party [FRZ], to verify against the daily contract master's `freeze_quantity`.
 * - Strike intervals: NIFTY 50 near the money and 100 further out [unconfirmed: read the contract file];
 *   BANKNIFTY 100 near and 500 further out (NSE scheme since Mar 2023).
 * - Carry: RBI repo 5.25% (5 Dec 2025); dividend yields are rough index trailing yields (used by the simulator and by
 *   the feed's forward-consistency check, which tolerates their error).
 */
import type { Underlying } from './underlying.ts';
import { dayNumber } from './calendar.ts';
import type { Right } from './right.ts';

export interface UnderlyingSpec {
  readonly underlying: Underlying;
  /** Upstox instrument key of the index. */
  readonly indexKey: string;
  readonly lotSize: number;
  readonly freezeQty: number;
  /** Strike interval near the money, and the band (points either side of ATM) where it applies. */
  readonly nearStep: number;
  readonly nearBand: number;
  /** Strike interval outside the near band, and the listed range (points either side of ATM). */
  readonly farStep: number;
  readonly farBand: number;
  readonly dividendYield: number;
  /** Earliest expiry these lot/freeze values apply to. */
  readonly validFromExpiry: string;
}

export const RISK_FREE_RATE = 0.0525;
export const VIX_KEY = 'NSE_INDEX|India VIX';

export const UNDERLYING_SPECS: Readonly<Record<Underlying, UnderlyingSpec>> = {
  NIFTY: {
    underlying: 'NIFTY', indexKey: 'NSE_INDEX|Nifty 50', lotSize: 65, freezeQty: 1756,
    nearStep: 50, nearBand: 1000, farStep: 100, farBand: 2000, dividendYield: 0.012, validFromExpiry: '2026-01-01',
  },
  BANKNIFTY: {
    underlying: 'BANKNIFTY', indexKey: 'NSE_INDEX|Nifty Bank', lotSize: 30, freezeQty: 601,
    nearStep: 100, nearBand: 2500, farStep: 500, farBand: 5000, dividendYield: 0.008, validFromExpiry: '2026-01-01',
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

/** Largest number of lots one order may carry (quantity strictly below the freeze quantity). */
export function maxLotsPerOrder(underlying: Underlying): number {
  const { lotSize, freezeQty } = UNDERLYING_SPECS[underlying];
  return Math.floor((freezeQty - 1) / lotSize);
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
