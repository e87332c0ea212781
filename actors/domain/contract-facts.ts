/**
 * @module Lot sizes and freeze limits of index-option contracts as facts with provenance: the shipped dated tables
 * (data/nse-contracts.ts) are the offline default; live, the broker's instrument master overrides them per contract.
 * Pure and immutable: `withInstrumentMaster` returns a new object.
 *
 * For the live venue (the instrument-master reader):
 * @example
 *   const facts = ContractFacts.DEFAULT.withInstrumentMaster({
 *     source: 'Upstox instrument master NSE.json.gz', asOf: '2026-12-07',
 *     contracts: master.map((c) => ({ underlying, expiry, lotSize: c.lot_size, freezeQty: c.freeze_quantity })),
 *   });
 *   const f = facts.contract('NIFTY', '2026-12-29', '2026-12-07');
 *   f.lotSize.value; f.freezeQty.source; f.maxLotsPerOrder;
 *   facts.differences('2026-12-07'); // master vs shipped table, for the operator
 *
 * A freeze limit is the largest quantity one order may carry (NSE: orders above it are frozen), so the most lots per
 * order is ⌊freeze / lot⌋: NIFTY ⌊1800 / 65⌋ = 27, BANKNIFTY ⌊600 / 30⌋ = 20.
 */
import type { Underlying } from './underlying.ts';
import { dayNumber } from './calendar.ts';
import { NSE_FREEZE_LIMITS, NSE_LOT_SIZES, type DatedValue } from './data/nse-contracts.ts';

/** One value with where it came from and since when. */
export interface Fact {
  readonly value: number;
  /** IST date the value took effect (for a master override: the day the master was read). */
  readonly effectiveFrom: string;
  readonly source: string;
}

export interface ContractFactSet {
  readonly underlying: Underlying;
  readonly expiry: string;
  readonly tradeDate: string;
  readonly lotSize: Fact;
  readonly freezeQty: Fact;
  /** ⌊freezeQty / lotSize⌋. */
  readonly maxLotsPerOrder: number;
}

export interface ContractOverride {
  readonly underlying: Underlying;
  /** IST `YYYY-MM-DD`. */
  readonly expiry: string;
  readonly lotSize: number;
  readonly freezeQty: number;
}

export interface InstrumentMaster {
  /** Where the values come from, e.g. `Upstox instrument master NSE.json.gz`. */
  readonly source: string;
  /** IST date the master was read; its values apply to trade dates from then on. */
  readonly asOf: string;
  readonly contracts: readonly ContractOverride[];
}

export interface ContractDifference {
  readonly underlying: Underlying;
  readonly expiry: string;
  readonly field: 'lotSize' | 'freezeQty';
  readonly table: number | null;
  readonly master: number;
}

/** Most lots one order may carry under a freeze limit. */
export function maxLotsPerOrder(lotSize: number, freezeQty: number): number {
  return Math.floor(freezeQty / lotSize);
}

function datedAt(rows: readonly DatedValue[] | undefined, date: string): DatedValue | undefined {
  let hit: DatedValue | undefined;
  for (const r of rows ?? []) if (r.from <= date) hit = r;
  return hit;
}

/** The shipped lot size of a contract by its expiry; RangeError before the table's first row. */
export function tableLotSize(underlying: Underlying, expiry: string): Fact {
  dayNumber(expiry);
  const row = datedAt(NSE_LOT_SIZES[underlying], expiry);
  if (!row) throw new RangeError(`expected a ${underlying} expiry on/after ${NSE_LOT_SIZES[underlying]?.[0]?.from ?? '?'} (lot size data), was ${expiry}`);
  return { value: row.value, effectiveFrom: row.from, source: row.source };
}

/** The shipped freeze limit on a trade date; RangeError before the table's first row. */
export function tableFreezeQty(underlying: Underlying, tradeDate: string): Fact {
  dayNumber(tradeDate);
  const row = datedAt(NSE_FREEZE_LIMITS[underlying], tradeDate);
  if (!row) throw new RangeError(`expected a trade date on/after ${NSE_FREEZE_LIMITS[underlying]?.[0]?.from ?? '?'} (${underlying} freeze limit data), was ${tradeDate}`);
  return { value: row.value, effectiveFrom: row.from, source: row.source };
}

const key = (underlying: Underlying, expiry: string): string => `${underlying}|${expiry}`;

export class ContractFacts {
  /** The shipped tables only. */
  static readonly DEFAULT = new ContractFacts(new Map(), null);

  readonly #overrides: ReadonlyMap<string, ContractOverride>;
  readonly #master: Omit<InstrumentMaster, 'contracts'> | null;

  private constructor(overrides: ReadonlyMap<string, ContractOverride>, master: Omit<InstrumentMaster, 'contracts'> | null) {
    this.#overrides = overrides;
    this.#master = master;
  }

  /** Where the overrides came from, or null when only the shipped tables are in use. */
  get master(): Omit<InstrumentMaster, 'contracts'> | null {
    return this.#master;
  }

  /**
   * The shipped tables overridden per (underlying, expiry) by a broker's instrument master. Every row must carry a
   * positive integer lot, a freeze limit of at least one lot, and agree with any other row for the same contract
   * (one row per option: a master lists each strike and side); a bad row is refused with its index and values.
   */
  withInstrumentMaster(master: InstrumentMaster): ContractFacts {
    dayNumber(master.asOf);
    if (!master.source.trim()) throw new RangeError('expected the instrument master source named, was empty');
    const out = new Map<string, ContractOverride>();
    master.contracts.forEach((c, i) => {
      const where = `instrument master row ${i} (${c.underlying} ${c.expiry})`;
      if (c.underlying !== 'NIFTY' && c.underlying !== 'BANKNIFTY') throw new RangeError(`${where}: expected NIFTY|BANKNIFTY, was ${JSON.stringify(c.underlying)}`);
      dayNumber(c.expiry);
      if (!(Number.isInteger(c.lotSize) && c.lotSize > 0)) throw new RangeError(`${where}: expected a positive integer lot size, was ${c.lotSize}`);
      if (!(Number.isInteger(c.freezeQty) && c.freezeQty >= c.lotSize)) throw new RangeError(`${where}: expected a freeze quantity of at least one lot (${c.lotSize}), was ${c.freezeQty}`);
      const k = key(c.underlying, c.expiry);
      const seen = out.get(k);
      if (seen && (seen.lotSize !== c.lotSize || seen.freezeQty !== c.freezeQty)) {
        throw new RangeError(`${where}: expected one lot/freeze per contract, was ${c.lotSize}/${c.freezeQty} after ${seen.lotSize}/${seen.freezeQty}`);
      }
      out.set(k, { underlying: c.underlying, expiry: c.expiry, lotSize: c.lotSize, freezeQty: c.freezeQty });
    });
    return new ContractFacts(out, { source: master.source, asOf: master.asOf });
  }

  /**
   * Lot and freeze of a contract for orders on `tradeDate`: the master's values when it lists the contract and the
   * trade date is on/after the day it was read, else the shipped tables (RangeError where those hold nothing).
   */
  contract(underlying: Underlying, expiry: string, tradeDate: string): ContractFactSet {
    dayNumber(tradeDate);
    const o = this.#overrides.get(key(underlying, expiry));
    const m = this.#master;
    let lotSize: Fact;
    let freezeQty: Fact;
    if (o && m && tradeDate >= m.asOf) {
      lotSize = { value: o.lotSize, effectiveFrom: m.asOf, source: m.source };
      freezeQty = { value: o.freezeQty, effectiveFrom: m.asOf, source: m.source };
    } else {
      lotSize = tableLotSize(underlying, expiry);
      freezeQty = tableFreezeQty(underlying, tradeDate);
    }
    return { underlying, expiry, tradeDate, lotSize, freezeQty, maxLotsPerOrder: maxLotsPerOrder(lotSize.value, freezeQty.value) };
  }

  /** Where the master disagrees with the shipped tables on `tradeDate` (null: the table holds nothing there). */
  differences(tradeDate: string): ContractDifference[] {
    const out: ContractDifference[] = [];
    for (const o of this.#overrides.values()) {
      const table = (f: () => Fact): number | null => { try { return f().value; } catch { return null; } };
      const lot = table(() => tableLotSize(o.underlying, o.expiry));
      const freeze = table(() => tableFreezeQty(o.underlying, tradeDate));
      if (lot !== o.lotSize) out.push({ underlying: o.underlying, expiry: o.expiry, field: 'lotSize', table: lot, master: o.lotSize });
      if (freeze !== o.freezeQty) out.push({ underlying: o.underlying, expiry: o.expiry, field: 'freezeQty', table: freeze, master: o.freezeQty });
    }
    return out.sort((a, b) => (a.underlying + a.expiry + a.field).localeCompare(b.underlying + b.expiry + b.field));
  }
}
