/**
 * @module The trading day, owned by the risk actor (issue 14; shapes in actors/domain/money.ts). Pure: the market time
 * and the book's money come in with every step; what to journal and persist goes out as effects.
 *
 * - A day opens on the first assessment of an IST **trading** date (`money.dayOpened`, once; kv `risk.day`). Its start
 *   is the previous day's closing equity (the overnight gap belongs to the new day). With no journaled close before
 *   it (the first day, or a book seen for the first time), the start is capital + realised + max(0, unrealised):
 *   losses carried into the first day count against it, carried-in gains are no cushion.
 * - Day P&L = equity now − the day's start, equity = capital + realised.net + unrealised. The daily loss limit reads
 *   it; a new day starts from zero again, so a breach that was only the day's clears (the kill switch's DAILY_LOSS
 *   hold is re-derived every cycle, so the reset it refused yesterday succeeds; its HALTED latch stays until then).
 * - The day closes (`money.dayClosed`, a DaySummary, once per date) on the first assessment at or after the session
 *   close (calendar.ts, dated) + `closeDelayMs`, or on the first assessment of a later date when it never closed
 *   (risk was down over the close: it closes at the last figures it persisted that day).
 * - Identity, checked at every close: first start + Σ daily net = equity at the close, to the rupee; and each day's
 *   net = gross + settlement − charges + change in unrealised. A mismatch is an alert (`money.identityMismatch`).
 * - Two books: the executor sends the live/paper book, or in SHADOW the shadow book (`book.shadow`). Each is tracked
 *   on its own (`book`, `shadow`); day P&L and the limit read the one assessed; the summary carries both.
 * - An assessment dated before the open day (a market clock that ran backwards) changes nothing (`stale`).
 *
 * Persisted (kv): `risk.day` = the open day's DayOpened; `risk.dayTrack` = this module's DayState (running peaks,
 * drawdowns, last figures, safety events, the identity ledger, the last close); `risk.days` = every DaySummary, the
 * index the gateway's `GET /api/v1/pnl` serves (the journal's `money.dayClosed` records are the audit trail).
 */
import { istDate, isTradingDay, sessionCloseMs } from '../domain/calendar.ts';
import { NO_REALISED, type DayOpened, type DaySummary, type RealisedMoney, type TradingDate } from '../domain/money.ts';
import type { IdentityMismatch, PnlDay, RiskPnl } from './messages.ts';

export type { IdentityMismatch };

import type { BookKind } from './messages.ts';

export type { BookKind };

/** A book's money at one instant, ₹. */
export interface Figures {
  readonly equity: number;
  readonly realised: RealisedMoney;
  readonly unrealised: number;
}

interface KindTrack {
  readonly start: Figures;
  /** Last figures seen on the day, and when (market ms). */
  readonly last: Figures & { readonly at: number };
  /** Highest day P&L seen (starts at 0: the open). */
  readonly peak: number;
  readonly maxDrawdown: number;
}

interface KindLedger {
  /** Equity at the start of the first day this book was tracked. */
  readonly start: number;
  /** Σ net of its closed days. */
  readonly net: number;
  /** Its figures at the last close (the next day's start). */
  readonly close: Figures | null;
}

export interface DayState {
  readonly date: TradingDate;
  readonly opened: DayOpened;
  readonly closed: boolean;
  readonly kinds: Readonly<Partial<Record<BookKind, KindTrack>>>;
  readonly ledger: Readonly<Partial<Record<BookKind, KindLedger>>>;
  /** Marks of the assessed book at its last figures on the open day. */
  readonly marks: Readonly<Record<string, number>>;
  /** Reference marks at the last close (the next DayOpened's marks). */
  readonly closeMarks: Readonly<Record<string, number>>;
  readonly safetyEvents: number;
  /** Market ms of the last `risk.dayTrack` write (the running figures are persisted at most every PERSIST_EVERY_MS). */
  readonly persistedAt: number;
}

export interface DayInput {
  /** Market time of the assessment (the snapshot's). */
  readonly now: number;
  readonly capital: number;
  readonly kind: BookKind;
  /** The book's lifetime realised money (RealisedMoney, or the executor's figure as gross until it reports one). */
  readonly realised: RealisedMoney;
  readonly unrealised: number;
  /** instrumentKey → mark used for the unrealised, ₹. */
  readonly marks: Readonly<Record<string, number>>;
}

export interface DayEffects {
  /** Journal `money.dayClosed` (and append to kv `risk.days`); before `opened` when both. */
  readonly closed: DaySummary | null;
  /** Journal `money.dayOpened`, write kv `risk.day`. */
  readonly opened: DayOpened | null;
  /** Journal `money.identityMismatch` each, at error. */
  readonly mismatches: readonly IdentityMismatch[];
  /** Write kv `risk.dayTrack` (the new state). */
  readonly persist: boolean;
  /** The assessment was dated before the open day: ignored for the day. */
  readonly stale: boolean;
}

export interface DayStep {
  readonly state: DayState | null;
  /** Day P&L of the assessed book, ₹ (0 before any day has opened). */
  readonly pnl: number;
  /** Realised money of the assessed book today (net), ₹. */
  readonly realisedToday: number;
  readonly effects: DayEffects;
}

export interface DaySettings {
  /** The day closes this long after the session close (market ms), so a settlement booked at the close lands in it. */
  readonly closeDelayMs: number;
}

/** Running figures are written at least this often (market time); and at opens, closes, new drawdowns and events. */
export const PERSIST_EVERY_MS = 15 * 60_000;
/** A deeper drawdown is written at most once a market minute (a falling market deepens it every cycle). */
export const DRAWDOWN_PERSIST_MS = 60_000;

/** An identity check passes within this many rupees (float sums of paise). */
export const IDENTITY_TOLERANCE = 0.5;

const NO_EFFECTS: DayEffects = { closed: null, opened: null, mismatches: [], persist: false, stale: false };

export function figuresOf(capital: number, realised: RealisedMoney, unrealised: number): Figures {
  return { equity: capital + realised.net + unrealised, realised, unrealised };
}

/** The book's lifetime money: `Book.realised`; a body without it (an older sender) has its realised P&L taken as gross. */
export function realisedOfBook(book: { readonly realisedPnlDay?: number; readonly realised?: RealisedMoney }): RealisedMoney {
  if (book.realised !== undefined) return book.realised;
  const gross = book.realisedPnlDay ?? 0;
  return { ...NO_REALISED, gross, net: gross };
}

/** The start of a day for a book with no journaled close before it: carried-in losses count, gains are no cushion. */
function firstStart(capital: number, f: Figures): Figures {
  return { equity: capital + f.realised.net + Math.max(0, f.unrealised), realised: f.realised, unrealised: f.unrealised };
}

function freshTrack(start: Figures, at: number): KindTrack {
  return { start, last: { ...start, at }, peak: 0, maxDrawdown: 0 };
}

/** One assessment's step of the day. */
export function stepDay(prev: DayState | null, input: DayInput, settings: DaySettings): DayStep {
  const figures = figuresOf(input.capital, input.realised, input.unrealised);
  const date = istDate(input.now);
  let s = prev;
  let closed: DaySummary | null = null;
  let opened: DayOpened | null = null;
  const mismatches: IdentityMismatch[] = [];

  if (s !== null && date < s.date) {
    // A clock that ran backwards: judge the day as it stands, change nothing.
    const t = s.kinds[input.kind];
    return { state: s, pnl: t ? figures.equity - t.start.equity : 0, realisedToday: t ? figures.realised.net - t.start.realised.net : 0, effects: { ...NO_EFFECTS, stale: true } };
  }
  if (s !== null && date === s.date && !s.closed) s = observe(s, input, figures);
  if (s !== null && !s.closed && (date > s.date || input.now >= sessionCloseMs(s.date) + settings.closeDelayMs)) {
    const c = closeDay(s, date === s.date ? input.now : s.kinds[input.kind]?.last.at ?? s.opened.at);
    s = c.state;
    closed = c.summary;
    mismatches.push(...c.mismatches);
  }
  if ((s === null || date > s.date) && isTradingDay(date)) {
    s = openDay(s, date, input, figures);
    opened = s.opened;
  }
  if (s === null) return { state: null, pnl: 0, realisedToday: 0, effects: NO_EFFECTS };

  // A book first seen mid-day (the phase left SHADOW) starts where it is now, or at its last close.
  if (s.kinds[input.kind] === undefined && !s.closed && date === s.date) {
    const start = s.ledger[input.kind]?.close ?? firstStart(input.capital, figures);
    s = {
      ...s,
      kinds: { ...s.kinds, [input.kind]: freshTrack(start, input.now) },
      ledger: { ...s.ledger, [input.kind]: s.ledger[input.kind] ?? { start: start.equity, net: 0, close: null } },
    };
    s = observe(s, input, figures);
  }
  const t = s.kinds[input.kind];
  const pnl = t ? figures.equity - t.start.equity : 0;
  const realisedToday = t ? figures.realised.net - t.start.realised.net : 0;
  const sincePersisted = input.now - s.persistedAt;
  const deeper = t !== undefined && t.maxDrawdown !== prev?.kinds[input.kind]?.maxDrawdown;
  const persist = opened !== null || closed !== null || prev === null || (deeper && sincePersisted >= DRAWDOWN_PERSIST_MS)
    || sincePersisted >= PERSIST_EVERY_MS || sincePersisted < 0;
  if (persist) s = { ...s, persistedAt: input.now };
  return { state: s, pnl, realisedToday, effects: { closed, opened, mismatches, persist, stale: false } };
}

/** The assessed book's figures on the open day: last seen, peak, drawdown (a new drawdown only in whole rupees). */
function observe(s: DayState, input: DayInput, f: Figures): DayState {
  const t = s.kinds[input.kind];
  if (t === undefined) return s;
  const pnl = f.equity - t.start.equity;
  const peak = Math.max(t.peak, pnl);
  const dd = peak - pnl;
  const maxDrawdown = dd >= t.maxDrawdown + 1 ? dd : t.maxDrawdown;
  return { ...s, marks: input.marks, kinds: { ...s.kinds, [input.kind]: { ...t, last: { ...f, at: input.now }, peak, maxDrawdown } } };
}

function openDay(prev: DayState | null, date: TradingDate, input: DayInput, f: Figures): DayState {
  const kinds: Partial<Record<BookKind, KindTrack>> = {};
  const ledger: Partial<Record<BookKind, KindLedger>> = { ...(prev?.ledger ?? {}) };
  for (const kind of ['book', 'shadow'] as const) {
    const close = prev?.ledger[kind]?.close ?? null;
    const start = close ?? (kind === input.kind ? firstStart(input.capital, f) : null);
    if (start === null) continue;
    kinds[kind] = freshTrack(start, input.now);
    ledger[kind] ??= { start: start.equity, net: 0, close: null };
  }
  // The live/paper book's start is always written: flat capital when it has never been seen (SHADOW from the start).
  const book = kinds.book?.start ?? figuresOf(input.capital, NO_REALISED, 0);
  const shadow = kinds.shadow?.start;
  const opened: DayOpened = {
    date, at: input.now, equity: book.equity, realised: book.realised, unrealised: book.unrealised,
    marks: prev !== null && Object.keys(prev.closeMarks).length > 0 ? prev.closeMarks : input.marks,
    ...(shadow ? { shadow: { equity: shadow.equity, realised: shadow.realised, unrealised: shadow.unrealised } } : {}),
  };
  const s: DayState = { date, opened, closed: false, kinds, ledger, marks: input.marks, closeMarks: {}, safetyEvents: 0, persistedAt: input.now };
  return observe(s, input, f);
}

interface Closed {
  readonly state: DayState;
  readonly summary: DaySummary;
  readonly mismatches: readonly IdentityMismatch[];
}

function closeDay(s: DayState, at: number): Closed {
  const mismatches: IdentityMismatch[] = [];
  const ledger: Partial<Record<BookKind, KindLedger>> = { ...s.ledger };
  const rows: Partial<Record<BookKind, ReturnType<typeof dayRow>>> = {};
  for (const kind of ['book', 'shadow'] as const) {
    const t = s.kinds[kind];
    const l = s.ledger[kind];
    if (t === undefined || l === undefined) continue;
    const row = dayRow(t);
    rows[kind] = row;
    const components = row.gross + row.settlement - row.charges + row.unrealised;
    if (Math.abs(components - row.net) > IDENTITY_TOLERANCE) {
      mismatches.push({
        date: s.date, book: kind, check: 'components', expected: row.net, actual: components,
        detail: `expected gross ${r2(row.gross)} + settlement ${r2(row.settlement)} − charges ${r2(row.charges)} + Δunrealised ${r2(row.unrealised)} = the change in equity ${r2(row.net)}, was ${r2(components)} (the book's realised.net ≠ gross + settlement − charges)`,
      });
    }
    const net = l.net + row.net;
    const end = t.last.equity;
    if (Math.abs(l.start + net - end) > IDENTITY_TOLERANCE) {
      mismatches.push({
        date: s.date, book: kind, check: 'cumulative', expected: end - l.start, actual: net,
        detail: `expected Σ daily net ${r2(net)} = equity ${r2(end)} − start ${r2(l.start)} = ${r2(end - l.start)} (a day's start is not the previous close)`,
      });
    }
    ledger[kind] = { start: l.start, net, close: { equity: t.last.equity, realised: t.last.realised, unrealised: t.last.unrealised } };
  }
  const book = rows.book ?? emptyRow(s.opened.equity);
  const summary: DaySummary = {
    date: s.date, at,
    gross: book.gross, charges: book.charges, settlement: book.settlement, net: book.net,
    realised: book.realised, unrealised: book.unrealised, trades: book.trades, maxDrawdown: book.maxDrawdown,
    safetyEvents: s.safetyEvents + mismatches.length,
    equity: { dayStart: book.dayStart, end: book.end },
    ...(rows.shadow ? { shadow: { net: rows.shadow.net, charges: rows.shadow.charges, equity: { dayStart: rows.shadow.dayStart, end: rows.shadow.end } } } : {}),
  };
  const state: DayState = { ...s, closed: true, ledger, closeMarks: s.marks, safetyEvents: summary.safetyEvents };
  return { state, summary, mismatches };
}

/** Counts kill-switch transitions, denials, restarts and alerts into the open day (none once it has closed). */
export function noteSafetyEvents(s: DayState | null, n = 1): DayState | null {
  if (s === null || s.closed || n <= 0) return s;
  return { ...s, safetyEvents: s.safetyEvents + n };
}

/** The open day so far, in the DaySummary's shape (`at` = its last figures); null when no day is open. */
export function liveSummary(s: DayState | null): DaySummary | null {
  if (s === null || s.closed) return null;
  const book = s.kinds.book ? dayRow(s.kinds.book) : emptyRow(s.opened.equity);
  const shadow = s.kinds.shadow ? dayRow(s.kinds.shadow) : null;
  const at = Math.max(s.kinds.book?.last.at ?? s.opened.at, s.kinds.shadow?.last.at ?? s.opened.at);
  return {
    date: s.date, at, gross: book.gross, charges: book.charges, settlement: book.settlement, net: book.net,
    realised: book.realised, unrealised: book.unrealised, trades: book.trades, maxDrawdown: book.maxDrawdown,
    safetyEvents: s.safetyEvents, equity: { dayStart: book.dayStart, end: book.end },
    ...(shadow ? { shadow: { net: shadow.net, charges: shadow.charges, equity: { dayStart: shadow.dayStart, end: shadow.end } } } : {}),
  };
}

/** Equity when the first tracked day opened, per book (the `start` of `GET /api/v1/pnl`). */
export function firstEquity(s: DayState | null, kind: BookKind): number | null {
  return s?.ledger[kind]?.start ?? null;
}

function dayRow(t: KindTrack) {
  const a = t.start;
  const b = t.last;
  return {
    gross: b.realised.gross - a.realised.gross,
    charges: b.realised.charges - a.realised.charges,
    settlement: b.realised.settlement - a.realised.settlement,
    realised: b.realised.net - a.realised.net,
    unrealised: b.unrealised - a.unrealised,
    trades: b.realised.trades - a.realised.trades,
    net: b.equity - a.equity,
    maxDrawdown: t.maxDrawdown,
    dayStart: a.equity,
    end: b.equity,
  };
}

function emptyRow(equity: number): ReturnType<typeof dayRow> {
  return { gross: 0, charges: 0, settlement: 0, realised: 0, unrealised: 0, trades: 0, net: 0, maxDrawdown: 0, dayStart: equity, end: equity };
}

const r2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * `GET /api/v1/pnl` (INTERFACE.md) from the closed days' summaries (the journal's money.dayClosed, oldest first) and
 * the open day. Totals are sums of the rows; equity.now − equity.start = total.net is the identity the close checks.
 */
export function pnlView(closed: readonly DaySummary[], s: DayState | null): RiskPnl {
  const live = liveSummary(s);
  const all = live ? [...closed, live] : [...closed];
  const days: PnlDay[] = all.map((d) => ({
    date: d.date, gross: d.gross, charges: d.charges, settlement: d.settlement, net: d.net, realised: d.realised,
    unrealised: d.unrealised, trades: d.trades, maxDrawdown: d.maxDrawdown, safetyEvents: d.safetyEvents, open: d === live,
  }));
  const sum = (f: (d: DaySummary) => number): number => all.reduce((a, d) => a + f(d), 0);
  const last = all[all.length - 1];
  const equity = {
    start: firstEquity(s, 'book') ?? all[0]?.equity.dayStart ?? null,
    dayStart: last?.equity.dayStart ?? null,
    now: last?.equity.end ?? null,
  };
  const view: RiskPnl = {
    days, total: { gross: sum((d) => d.gross), charges: sum((d) => d.charges), settlement: sum((d) => d.settlement), net: sum((d) => d.net) }, equity,
  };
  const shadowDays = all.filter((d) => d.shadow !== undefined);
  if (shadowDays.length === 0) return view;
  const lastShadow = shadowDays[shadowDays.length - 1]!.shadow!;
  return {
    ...view,
    shadow: {
      days: shadowDays.map((d) => ({ date: d.date, net: d.shadow!.net, charges: d.shadow!.charges, open: d === live })),
      total: { charges: shadowDays.reduce((a, d) => a + d.shadow!.charges, 0), net: shadowDays.reduce((a, d) => a + d.shadow!.net, 0) },
      equity: { start: firstEquity(s, 'shadow') ?? shadowDays[0]!.shadow!.equity.dayStart, dayStart: lastShadow.equity.dayStart, now: lastShadow.equity.end },
    },
  };
}
