/**
 * @module `volguard report day`: one trading day's money and safety from the journal. Pure: entries in, data out.
 *
 * The figures are the risk actor's own (it owns the day, actors/risk/day.ts): a closed day is its `money.dayClosed`
 * summary (gross, charges, settlement, net, trades, max drawdown, safety events, equity). A day still open has only its
 * `money.dayOpened` start: its net so far is the last cycle's day P&L (`journal.cycle` summary.pnl.day), its charges
 * and settlement the day's `money.charges` / `money.settlement`, gross the rest of its realised. The safety events
 * listed are every actor's between the day's open and the next day's (the session report's projectors, model.ts), not
 * only those risk counted.
 */
import type { DayOpened, DaySummary } from '../../domain/money.ts';
import type { JournalEntry } from '../messages.ts';
import type { ReadOptions } from '../store.ts';
import { projectEntries, PROJECTORS, type SafetyEvent } from './model.ts';

/** The day's figures are risk's daily summary (actors/domain/money.ts DaySummary), without its market instant. */
export interface DayReport extends Omit<DaySummary, 'at'> {
  readonly format: 'volguard-day-report';
  readonly version: 1;
  /** closed: the journaled summary; open: the day so far (no summary yet; drawdown from the cycles' day P&L so far). */
  readonly status: 'closed' | 'open';
  /** Orders the executor intended and fills it saw that date (paper/live and shadow). */
  readonly orders: number;
  readonly fills: number;
  readonly safety: readonly SafetyEvent[];
  readonly notes: readonly string[];
}

/**
 * What the fold reads of a journal, as read selections (store.ts ReadOptions; the rest is passed over undecoded): the
 * day's open and close and the entry types the session model projects (fills, safety events) — DAY_READ — and, for a
 * day still open, of each cycle only its summary's P&L — DAY_CYCLES_READ. A day is mostly cycles, and a closed day's
 * figures are its summary: decoding every entry whole was most of the command's time (day-read.test.ts: same output).
 */
export const DAY_READ: Pick<ReadOptions, 'types'> = {
  types: new Set(['money.dayOpened', 'money.dayClosed', ...Object.keys(PROJECTORS).filter((t) => t !== 'journal.cycle')]),
};
/** DAY_READ and the cycles' P&L in one pass: for a day likely still open (one scan instead of two). */
export const DAY_OPEN_READ: Pick<ReadOptions, 'types' | 'bodyPaths'> = {
  types: new Set([...DAY_READ.types!, 'journal.cycle']),
  bodyPaths: { 'journal.cycle': ['summary', 'pnl'] },
};
export const DAY_CYCLES_READ: Pick<ReadOptions, 'types' | 'bodyPaths'> = {
  // With the days' opens: the next one ends the day, also when it was written after the first pass (a rollover).
  types: new Set(['journal.cycle', 'money.dayOpened']),
  bodyPaths: { 'journal.cycle': ['summary', 'pnl'] },
};

type Rec = Readonly<Record<string, unknown>>;
const rec = (v: unknown): Rec => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Rec : {});
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * A day's cycles' P&L (`journal.cycle` summary.pnl), folded in seq order as they are read: a day in progress is mostly
 * cycles, and its report needs of them only the last one's P&L and the deepest fall of the day P&L from its peak.
 */
export class CyclesPnl {
  /** The last cycle's day and realised P&L; null before any cycle with a day P&L. */
  last: { day: number; realised: number } | null = null;
  peak = 0;
  maxDrawdown = 0;

  add(body: unknown): void {
    const p = rec(rec(rec(body)['summary'])['pnl']);
    const d = num(p['day']);
    if (d === null) return;
    this.last = { day: d, realised: num(p['realised']) ?? 0 };
    this.peak = Math.max(this.peak, d);
    this.maxDrawdown = Math.max(this.maxDrawdown, this.peak - d);
  }
}

/** A day as found in the journal: its open, its close when there is one, and what lies between. */
export interface FoundDay {
  readonly opened: DayOpened;
  /** Seq of its `money.dayOpened`. */
  readonly openSeq: number;
  /** Seq of the next `money.dayOpened` (which ends it), Infinity when none follows. */
  readonly endSeq: number;
  readonly closed: DaySummary | null;
  /** Its other entries but the cycles (not its open and close), in seq order. */
  readonly entries: readonly JournalEntry[];
  /** Its cycles, folded (empty when they were not read: a closed day's figures need none). */
  readonly cycles: CyclesPnl;
}

/**
 * The day's report, or null when the journal holds no `money.dayOpened` for the date (`date` null: the latest day).
 * One pass over the journal in seq order. A day's entries are those from its `money.dayOpened` to the next day's:
 * by sequence, not by timestamps (many bodies carry no market time, and on a simulated market the journal's wall-clock
 * stamps are another day's), so its evening and night belong to it.
 */
export function buildDayReport(date: string | null, entries: Iterable<JournalEntry>): DayReport | null {
  const found = findDay(date, entries);
  return found === null ? null : dayReport(found);
}

/** The day of `buildDayReport` in `entries` (in seq order), or null. */
export function findDay(date: string | null, entries: Iterable<JournalEntry>): FoundDay | null {
  let opened: DayOpened | null = null;
  let openSeq = 0;
  let endSeq = Infinity;
  let closed: DaySummary | null = null;
  let day: JournalEntry[] = [];
  let cycles = new CyclesPnl();
  let inDay = false;
  for (const e of entries) {
    if (e.type === 'money.dayOpened') {
      const d = rec(e.body)['date'];
      if (date === null || d === date) {
        opened = e.body as DayOpened;
        openSeq = e.seq;
        endSeq = Infinity;
        closed = null;
        day = [];
        cycles = new CyclesPnl();
        inDay = true;
        continue;
      }
      if (inDay) endSeq = e.seq;
      inDay = false;
    }
    if (!inDay) continue;
    if (e.type === 'journal.cycle') cycles.add(e.body);
    else if (e.type === 'money.dayClosed' && rec(e.body)['date'] === opened?.date) closed = e.body as DaySummary;
    else day.push(e);
  }
  return opened === null ? null : { opened, openSeq, endSeq, closed, entries: day, cycles };
}

/**
 * The report of a found day. A closed day's figures are its summary: its cycles are not read (`cycles` may be empty);
 * a day still open needs every cycle's summary P&L (net so far, drawdown).
 */
export function dayReport(found: FoundDay): DayReport {
  const { opened, closed, entries: day } = found;
  const date = opened.date;
  let orders = 0;
  let charges = 0;
  let settlement = 0;
  let trades = 0;
  for (const e of day) {
    const b = rec(e.body);
    if (e.type === 'executor.orderIntent') orders++;
    else if (e.type === 'money.charges' && b['shadow'] !== true) { charges += num(rec(b['charges'])['total']) ?? 0; trades++; }
    else if (e.type === 'money.settlement' && b['shadow'] !== true) settlement += num(b['pnl']) ?? 0;
  }
  // The session model's projections (fills, safety events) alone: the session report derived from them is not needed.
  const { state: r } = projectEntries(day, { title: date, capital: 0 });
  const base = { format: 'volguard-day-report' as const, version: 1 as const, date, orders, fills: r.fills.length, safety: r.safety };
  if (closed !== null) {
    return {
      ...base, status: 'closed', gross: closed.gross, charges: closed.charges, settlement: closed.settlement, net: closed.net,
      realised: closed.realised, unrealised: closed.unrealised, trades: closed.trades, maxDrawdown: closed.maxDrawdown,
      safetyEvents: closed.safetyEvents, equity: closed.equity, ...(closed.shadow ? { shadow: closed.shadow } : {}), notes: [],
    };
  }
  const { last, maxDrawdown } = found.cycles;
  const net = last?.day ?? 0;
  const realised = last?.realised ?? 0;
  return {
    ...base, status: 'open', gross: realised - settlement + charges, charges, settlement, net, realised, unrealised: net - realised,
    trades, maxDrawdown, safetyEvents: r.safety.length, equity: { dayStart: opened.equity, end: opened.equity + net },
    notes: ['The day has not closed (no money.dayClosed yet): figures so far, net from the last cycle\'s day P&L.'],
  };
}

const inr = (x: number): string => `${x < 0 ? '−' : ''}₹${Math.abs(x).toLocaleString('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const hhmmss = (ms: number): string => new Date(ms + 330 * 60_000).toISOString().slice(11, 19);

/** The text a person reads in a terminal. */
export function renderDayText(d: DayReport): string {
  const row = (k: string, v: string): string => `  ${k.padEnd(16)}${v.padStart(18)}\n`;
  let out = `VolGuard day ${d.date} (${d.status})\n`;
  out += row('gross', inr(d.gross)) + row('charges', inr(d.charges)) + row('settlement', inr(d.settlement)) + row('net', inr(d.net));
  out += row('  realised', inr(d.realised)) + row('  Δ unrealised', inr(d.unrealised));
  out += row('trades', String(d.trades)) + row('max drawdown', inr(d.maxDrawdown)) + row('safety events', String(d.safetyEvents));
  out += row('equity start', inr(d.equity.dayStart)) + row('equity end', inr(d.equity.end));
  if (d.shadow) out += row('shadow net', inr(d.shadow.net)) + row('shadow charges', inr(d.shadow.charges));
  out += `  orders ${d.orders}, fills ${d.fills}\n`;
  if (d.safety.length > 0) out += `safety (${d.safety.length}):\n${d.safety.map((s) => `  ${hhmmss(s.ts)} IST  ${s.summary}\n`).join('')}`;
  for (const n of d.notes) out += `note: ${n}\n`;
  return out;
}
