/**
 * @module Trading charges of NSE index options, from a dated schedule (data/charges-schedule.ts, or an operator's
 * `DATA_DIR/charges.csv`): brokerage per executed order, STT on sales and on exercise, exchange transaction charge,
 * SEBI fee, IPFT, stamp duty on buys and GST on its base. Pure: parse text, look up rates on a date, compute.
 *
 * Rounding, as a contract note does it, per executed order (the unit brokerage is charged in): the order's fills are
 * summed into buy and sell premium turnover (Σ price × quantity); STT is rounded to the nearest rupee (Zerodha and
 * Upstox contract notes round STT to the rupee, "STT-RND"); every other component to the paisa; GST is 18 % of its
 * rounded base components, rounded to the paisa; halves round up. An exchange computes STT per client, contract and
 * day, so a day's contract note can differ from the sum of per-order figures by under ₹0.50 of STT per order.
 *
 * @example
 *   const schedule = parseChargesSchedule(SHIPPED_CHARGES_CSV, SHIPPED_CHARGES_FILE);
 *   orderCharges(schedule, '2026-12-07', [{ side: 'SELL', quantity: 65, price: 100 }]).total;
 *   settlementCharges(schedule, '2026-12-08', { right: 'CE', strike: 26_000, settlementPrice: 26_150, quantity: 65 });
 *   chargesToClose(schedule, '2026-12-07', [{ side: 'BUY', price: 12.5, quantity: 130 }, …]);
 */
import { dateOfDay, dayNumber } from './calendar.ts';

export const CHARGE_COMPONENTS = ['brokerage', 'stt', 'stt_exercise', 'exchange_txn', 'sebi_fee', 'ipft', 'stamp_duty', 'gst'] as const;
export type ChargeComponent = (typeof CHARGE_COMPONENTS)[number];
export type ScheduleSide = 'buy' | 'sell' | 'any' | 'exercise' | 'charges';

export interface ScheduleRow {
  readonly component: ChargeComponent;
  readonly side: ScheduleSide;
  /** `order`, `premium`, `intrinsic`, or (gst) the components of its base. */
  readonly basis: 'order' | 'premium' | 'intrinsic' | readonly ChargeComponent[];
  readonly from: string;
  /** Inclusive; null = open-ended. */
  readonly until: string | null;
  readonly rate: number;
  readonly source: string;
  /** 1-based line in the file. */
  readonly line: number;
}

export interface ChargesSchedule {
  readonly file: string;
  readonly rows: readonly ScheduleRow[];
}

/** A schedule refused: the file, the line at fault (0 = the file as a whole) and why. */
export class ChargesScheduleError extends Error {
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, reason: string) {
    super(`${file}${line > 0 ? `:${line}` : ''}: ${reason}`);
    this.name = 'ChargesScheduleError';
    this.file = file;
    this.line = line;
  }
}

const HEADER = 'component,side,basis,from,until,rate,source';
const SIDES: Readonly<Record<ChargeComponent, readonly ScheduleSide[]>> = {
  brokerage: ['buy', 'sell', 'any'], stt: ['buy', 'sell', 'any'], stt_exercise: ['exercise'], exchange_txn: ['buy', 'sell', 'any'],
  sebi_fee: ['buy', 'sell', 'any'], ipft: ['buy', 'sell', 'any'], stamp_duty: ['buy', 'sell', 'any'], gst: ['charges'],
};
const BASIS: Readonly<Record<Exclude<ChargeComponent, 'gst'>, 'order' | 'premium' | 'intrinsic'>> = {
  brokerage: 'order', stt: 'premium', stt_exercise: 'intrinsic', exchange_txn: 'premium', sebi_fee: 'premium', ipft: 'premium', stamp_duty: 'premium',
};

function isDate(s: string): boolean {
  try { dayNumber(s); return true; } catch { return false; }
}

/**
 * Parses and checks a schedule. Refused, with the line at fault: a missing or wrong header, an unknown component,
 * side or basis, a bad date or rate, a negative rate (or a fraction above 1), an empty source, a period that ends
 * before it starts, two periods of one component and side that overlap, a gap between them, and a component with no
 * row at all (a forgotten charge must not silently be zero).
 */
export function parseChargesSchedule(text: string, file: string): ChargesSchedule {
  const rows: ScheduleRow[] = [];
  let header = false;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const s = raw.trim();
    if (s === '' || s.startsWith('#')) return;
    if (!header) {
      if (s !== HEADER) throw new ChargesScheduleError(file, line, `expected the header ${HEADER}, was ${JSON.stringify(s)}`);
      header = true;
      return;
    }
    const parts = s.split(',');
    if (parts.length < 7) throw new ChargesScheduleError(file, line, `expected 7 columns (${HEADER}), was ${parts.length}`);
    const [component, side, basisText, from, until, rateText] = parts.slice(0, 6).map((p) => p.trim()) as [string, string, string, string, string, string];
    const source = parts.slice(6).join(',').trim();
    if (!(CHARGE_COMPONENTS as readonly string[]).includes(component)) {
      throw new ChargesScheduleError(file, line, `expected a component ${CHARGE_COMPONENTS.join('|')}, was ${JSON.stringify(component)}`);
    }
    const c = component as ChargeComponent;
    if (!(SIDES[c] as readonly string[]).includes(side)) {
      throw new ChargesScheduleError(file, line, `expected side ${SIDES[c].join('|')} for ${c}, was ${JSON.stringify(side)}`);
    }
    let basis: ScheduleRow['basis'];
    if (c === 'gst') {
      const base = basisText.split('+').map((b) => b.trim());
      const bad = base.find((b) => !(CHARGE_COMPONENTS as readonly string[]).includes(b) || b === 'gst');
      if (bad !== undefined || base.length === 0) throw new ChargesScheduleError(file, line, `expected gst's basis as components joined by + (not gst), was ${JSON.stringify(basisText)}`);
      if (new Set(base).size !== base.length) throw new ChargesScheduleError(file, line, `expected each component once in gst's basis, was ${JSON.stringify(basisText)}`);
      basis = base as ChargeComponent[];
    } else {
      if (basisText !== BASIS[c]) throw new ChargesScheduleError(file, line, `expected basis ${BASIS[c]} for ${c}, was ${JSON.stringify(basisText)}`);
      basis = BASIS[c];
    }
    if (!isDate(from)) throw new ChargesScheduleError(file, line, `expected from as a date YYYY-MM-DD, was ${JSON.stringify(from)}`);
    if (until !== '' && !isDate(until)) throw new ChargesScheduleError(file, line, `expected until as a date YYYY-MM-DD or empty, was ${JSON.stringify(until)}`);
    if (until !== '' && until < from) throw new ChargesScheduleError(file, line, `expected until (${until}) on or after from (${from})`);
    const rate = rateText === '' ? Number.NaN : Number(rateText);
    if (!Number.isFinite(rate)) throw new ChargesScheduleError(file, line, `expected a numeric rate, was ${JSON.stringify(rateText)}`);
    if (rate < 0) throw new ChargesScheduleError(file, line, `expected a non-negative rate, was ${rateText} (a negative rate)`);
    if (basis !== 'order' && rate > 1) throw new ChargesScheduleError(file, line, `expected a fraction of at most 1 for ${c}, was ${rateText}`);
    if (source === '') throw new ChargesScheduleError(file, line, 'expected a source (who set this rate, since when)');
    rows.push({ component: c, side: side as ScheduleSide, basis, from, until: until === '' ? null : until, rate, source, line });
  });
  if (!header) throw new ChargesScheduleError(file, 0, `expected the header ${HEADER}, was an empty schedule`);
  for (const c of CHARGE_COMPONENTS) {
    if (!rows.some((r) => r.component === c)) throw new ChargesScheduleError(file, 0, `expected at least one row for ${c}, was none (a missing charge would count as zero)`);
  }
  // Periods per component and concrete side: `any` covers both buy and sell.
  for (const c of CHARGE_COMPONENTS) {
    for (const concrete of ['buy', 'sell', 'exercise', 'charges'] as const) {
      const own = rows.filter((r) => r.component === c && (r.side === concrete || (r.side === 'any' && (concrete === 'buy' || concrete === 'sell'))));
      own.sort((a, b) => (a.from === b.from ? a.line - b.line : a.from < b.from ? -1 : 1));
      for (let k = 1; k < own.length; k++) {
        const prev = own[k - 1]!;
        const next = own[k]!;
        const what = `${c} (${concrete})`;
        if (prev.until === null || next.from <= prev.until) {
          throw new ChargesScheduleError(file, next.line, `overlap: ${what} from ${next.from} starts before the period of line ${prev.line} ends (${prev.until ?? 'open-ended'})`);
        }
        const dayAfter = dateOfDay(dayNumber(prev.until) + 1);
        if (next.from !== dayAfter) {
          throw new ChargesScheduleError(file, next.line, `gap: ${what} from ${next.from} leaves ${dayAfter}…${dateOfDay(dayNumber(next.from) - 1)} uncovered after line ${prev.line}`);
        }
      }
    }
  }
  return { file, rows };
}

/** The rates in force on one date, per side (0 where the schedule does not charge that side). */
export interface RatesOn {
  readonly date: string;
  readonly brokeragePerOrder: { readonly buy: number; readonly sell: number };
  readonly stt: { readonly buy: number; readonly sell: number };
  readonly sttExercise: number;
  readonly exchangeTxn: { readonly buy: number; readonly sell: number };
  readonly sebiFee: { readonly buy: number; readonly sell: number };
  readonly ipft: { readonly buy: number; readonly sell: number };
  readonly stampDuty: { readonly buy: number; readonly sell: number };
  readonly gst: { readonly rate: number; readonly base: readonly ChargeComponent[] };
}

function rowOn(schedule: ChargesSchedule, c: ChargeComponent, side: 'buy' | 'sell' | 'exercise' | 'charges', date: string): ScheduleRow | null {
  const own = schedule.rows.filter((r) => r.component === c && (r.side === side || (r.side === 'any' && (side === 'buy' || side === 'sell'))));
  if (own.length === 0) return null;
  const hit = own.find((r) => r.from <= date && (r.until === null || date <= r.until));
  if (!hit) {
    const span = `${own.reduce((m, r) => (r.from < m ? r.from : m), own[0]!.from)}…${own.some((r) => r.until === null) ? '' : own.reduce((m, r) => (r.until! > m ? r.until! : m), own[0]!.until!)}`;
    throw new RangeError(`expected a ${c} (${side}) rate in force on ${date} in ${schedule.file}, was none (covered ${span})`);
  }
  return hit;
}

/** Every rate in force on IST `date`; RangeError when a charged component's periods do not cover the date. */
export function ratesOn(schedule: ChargesSchedule, date: string): RatesOn {
  dayNumber(date);
  const sided = (c: ChargeComponent) => ({ buy: rowOn(schedule, c, 'buy', date)?.rate ?? 0, sell: rowOn(schedule, c, 'sell', date)?.rate ?? 0 });
  const gst = rowOn(schedule, 'gst', 'charges', date);
  return {
    date,
    brokeragePerOrder: sided('brokerage'),
    stt: sided('stt'),
    sttExercise: rowOn(schedule, 'stt_exercise', 'exercise', date)?.rate ?? 0,
    exchangeTxn: sided('exchange_txn'),
    sebiFee: sided('sebi_fee'),
    ipft: sided('ipft'),
    stampDuty: sided('stamp_duty'),
    gst: { rate: gst?.rate ?? 0, base: gst && Array.isArray(gst.basis) ? gst.basis : [] },
  };
}

/** Charges in ₹, rounded as a contract note (see the module comment). `stt` includes STT on exercise. */
export interface ChargesBreakdown {
  readonly brokerage: number;
  readonly stt: number;
  readonly exchangeTxn: number;
  readonly sebiFee: number;
  readonly ipft: number;
  readonly stampDuty: number;
  readonly gst: number;
  readonly total: number;
}

export const NO_CHARGES: ChargesBreakdown = { brokerage: 0, stt: 0, exchangeTxn: 0, sebiFee: 0, ipft: 0, stampDuty: 0, gst: 0, total: 0 };

export interface Fill {
  readonly side: 'BUY' | 'SELL';
  /** Units (lots × lot size). */
  readonly quantity: number;
  /** Premium per unit, ₹. */
  readonly price: number;
}

/**
 * Half-up rounding at `dp` decimals as decimal arithmetic would do it: the binary product is first cut to 12
 * significant digits (6500 × 0.000005 is 0.0325 to a contract note, not 0.032499999…), then shifted by exponent.
 */
function round(x: number, dp: number): number {
  const clean = Number(x.toPrecision(12));
  return Number(`${Math.round(Number(`${clean}e${dp}`))}e-${dp}`);
}
const paise = (x: number): number => round(x, 2);
const rupees = (x: number): number => round(x, 0);

function total(b: Omit<ChargesBreakdown, 'total'>): ChargesBreakdown {
  return { ...b, total: paise(b.brokerage + b.stt + b.exchangeTxn + b.sebiFee + b.ipft + b.stampDuty + b.gst) };
}

const GST_FIELD: Readonly<Record<ChargeComponent, keyof Omit<ChargesBreakdown, 'total' | 'gst'> | null>> = {
  brokerage: 'brokerage', stt: 'stt', stt_exercise: 'stt', exchange_txn: 'exchangeTxn', sebi_fee: 'sebiFee', ipft: 'ipft', stamp_duty: 'stampDuty', gst: null,
};

function withGst(r: RatesOn, parts: Omit<ChargesBreakdown, 'total' | 'gst'>): ChargesBreakdown {
  let base = 0;
  for (const c of r.gst.base) {
    const f = GST_FIELD[c];
    if (f !== null) base += parts[f];
  }
  return total({ ...parts, gst: paise(r.gst.rate * base) });
}

/**
 * Charges of one executed order: its fills (one side) on IST `tradeDate`. No fill, or only zero-quantity fills,
 * means the order did not execute: no charges.
 */
export function orderCharges(schedule: ChargesSchedule, tradeDate: string, fills: readonly Fill[]): ChargesBreakdown {
  let buy = 0;
  let sell = 0;
  let executed = false;
  for (const f of fills) {
    if (f.side !== 'BUY' && f.side !== 'SELL') throw new RangeError(`expected a fill side BUY|SELL, was ${JSON.stringify(f.side)}`);
    if (!(Number.isInteger(f.quantity) && f.quantity >= 0)) throw new RangeError(`expected a non-negative integer fill quantity, was ${f.quantity}`);
    if (!(Number.isFinite(f.price) && f.price >= 0)) throw new RangeError(`expected a non-negative fill price, was ${f.price}`);
    if (f.quantity === 0) continue;
    executed = true;
    if (f.side === 'BUY') buy += f.quantity * f.price; else sell += f.quantity * f.price;
  }
  if (fills.some((f) => f.side !== fills[0]!.side)) throw new RangeError('expected the fills of one order, all on one side');
  if (!executed) return NO_CHARGES;
  const r = ratesOn(schedule, tradeDate);
  const side = buy > 0 || sell === 0 ? 'buy' : 'sell';
  const turnover = buy + sell;
  return withGst(r, {
    brokerage: paise(r.brokeragePerOrder[side]),
    stt: rupees(r.stt.buy * buy + r.stt.sell * sell),
    exchangeTxn: paise(r.exchangeTxn[side] * turnover),
    sebiFee: paise(r.sebiFee[side] * turnover),
    ipft: paise(r.ipft[side] * turnover),
    stampDuty: paise(r.stampDuty.buy * buy + r.stampDuty.sell * sell),
  });
}

/** Charges of a single fill treated as its own order (the common case: an order filled at once). */
export function fillCharges(schedule: ChargesSchedule, tradeDate: string, fill: Fill): ChargesBreakdown {
  return orderCharges(schedule, tradeDate, [fill]);
}

export interface Settlement {
  readonly right: 'CE' | 'PE';
  readonly strike: number;
  /** The final settlement price (the underlying's official close on expiry day). */
  readonly settlementPrice: number;
  /** Signed units held into expiry: positive long, negative short. */
  readonly quantity: number;
}

/**
 * Charges when a position settles at expiry: only a long in-the-money option is exercised and pays STT on its
 * intrinsic value × quantity (rounded to the rupee); a short (assigned) or an out-of-the-money option pays nothing,
 * and the broker charges nothing else on an exchange-settled contract.
 */
export function settlementCharges(schedule: ChargesSchedule, date: string, s: Settlement): ChargesBreakdown {
  if (!(s.strike > 0) || !(s.settlementPrice > 0) || !Number.isInteger(s.quantity)) {
    throw new RangeError(`expected a positive strike and settlement price and an integer quantity, was ${s.strike}, ${s.settlementPrice}, ${s.quantity}`);
  }
  const intrinsic = s.right === 'CE' ? s.settlementPrice - s.strike : s.strike - s.settlementPrice;
  if (s.quantity <= 0 || !(intrinsic > 0)) return NO_CHARGES;
  const r = ratesOn(schedule, date);
  return withGst(r, { brokerage: 0, stt: rupees(r.sttExercise * intrinsic * s.quantity), exchangeTxn: 0, sebiFee: 0, ipft: 0, stampDuty: 0 });
}

/** Component-wise sum (each already rounded). */
export function addCharges(a: ChargesBreakdown, b: ChargesBreakdown): ChargesBreakdown {
  return total({
    brokerage: paise(a.brokerage + b.brokerage), stt: paise(a.stt + b.stt), exchangeTxn: paise(a.exchangeTxn + b.exchangeTxn),
    sebiFee: paise(a.sebiFee + b.sebiFee), ipft: paise(a.ipft + b.ipft), stampDuty: paise(a.stampDuty + b.stampDuty), gst: paise(a.gst + b.gst),
  });
}

export interface ClosingLeg {
  /** The closing order's side (BUY back a short, SELL a long). */
  readonly side: 'BUY' | 'SELL';
  /** Expected price per unit, ₹ (a mark, or the limit the exit will use). */
  readonly price: number;
  readonly quantity: number;
  /** When the leg goes out in freeze-limit slices, their quantities (each an order); default one order. */
  readonly slices?: readonly number[];
}

/** What closing a structure at these prices would cost: each leg (or slice) one executed order. */
export function chargesToClose(schedule: ChargesSchedule, tradeDate: string, legs: readonly ClosingLeg[]): ChargesBreakdown {
  let sum = NO_CHARGES;
  for (const leg of legs) {
    const orders = leg.slices ?? [leg.quantity];
    const sliced = orders.reduce((a, q) => a + q, 0);
    if (sliced !== leg.quantity) throw new RangeError(`expected slices summing to the leg quantity ${leg.quantity}, was ${sliced}`);
    for (const q of orders) sum = addCharges(sum, orderCharges(schedule, tradeDate, [{ side: leg.side, quantity: q, price: leg.price }]));
  }
  return sum;
}

/**
 * A profit target net of the charges to close: with a structure's entry credit and current debit to close (₹ per
 * unit set) over `units` sets, gross P&L = (credit − debit)·units, net = gross − closeCharges.total, and the target
 * (`targetFraction` of the credit received) is reached only when the net reaches it.
 */
export function profitTargetNetOfCharges(p: {
  readonly creditPerUnit: number; readonly debitPerUnit: number; readonly units: number; readonly targetFraction: number;
  readonly closeCharges: ChargesBreakdown;
}): { readonly grossPnl: number; readonly netPnl: number; readonly target: number; readonly reached: boolean } {
  const grossPnl = (p.creditPerUnit - p.debitPerUnit) * p.units;
  const netPnl = grossPnl - p.closeCharges.total;
  const target = p.targetFraction * p.creditPerUnit * p.units;
  return { grossPnl, netPnl, target, reached: netPnl >= target };
}
