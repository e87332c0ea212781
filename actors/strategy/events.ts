/**
 * @module The event calendar: parsing (with `file:line` errors), loading the operator's override, and what it asks of
 * the strategy at a given market time. Parsing and queries are pure; `loadEventCalendar` reads one file.
 *
 * Format and shipped events: data/event-calendar.ts. `DATA_DIR/event-calendar.csv`, when present, replaces the shipped
 * calendar entirely (copy the shipped lines to keep them). Every bad line is reported at once at boot.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { previousTradingDay } from '../domain/calendar.ts';
import type { Underlying } from '../domain/underlying.ts';
import { ConfigError, type ConfigIssue } from '../../runtime/errors.ts';
import { SHIPPED_EVENT_CALENDAR } from './data/event-calendar.ts';
import { istTime } from './session.ts';

export type EventAction = 'skip_entries' | 'halve_size' | 'close_before';
const ACTIONS: readonly EventAction[] = ['skip_entries', 'halve_size', 'close_before'];
const UNDERLYINGS: readonly Underlying[] = ['NIFTY', 'BANKNIFTY'];

export interface MarketEvent {
  readonly date: string;
  readonly kind: string;
  readonly action: EventAction;
  /** Empty = every underlying. */
  readonly underlyings: readonly Underlying[];
  readonly provisional: boolean;
  readonly note: string;
  /** Where it was read: `shipped:3` or `event-calendar.csv:12`. */
  readonly source: string;
}

export const EVENT_CALENDAR_FILE = 'event-calendar.csv';

/** Parses calendar text; every bad line becomes one issue named `file:line`. */
export function parseEventCalendar(text: string, file: string): { events: MarketEvent[]; issues: ConfigIssue[] } {
  const events: MarketEvent[] = [];
  const issues: ConfigIssue[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${file}:${i + 1}`;
    const bad = (message: string) => issues.push({ variable: where, message });
    const parts = line.split(',');
    if (parts.length < 5) {
      bad(`expected date,kind,action,underlyings,provisional[,note], was ${parts.length} field(s): ${JSON.stringify(line)}`);
      return;
    }
    const [date = '', kind = '', action = '', unds = '', prov = ''] = parts.map((p) => p.trim());
    const note = parts.slice(5).join(',').trim();
    const before = issues.length;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)) || new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date) {
      bad(`expected a date YYYY-MM-DD, was ${JSON.stringify(date)}`);
    }
    if (!/^[a-z][a-z0-9_]{0,39}$/.test(kind)) bad(`expected a kind of lower-case letters, digits and _, was ${JSON.stringify(kind)}`);
    if (!(ACTIONS as readonly string[]).includes(action)) bad(`expected an action ${ACTIONS.join('|')}, was ${JSON.stringify(action)}`);
    const list = unds === '*' ? [] : unds.split('|').map((u) => u.trim());
    const unknown = list.filter((u) => !(UNDERLYINGS as readonly string[]).includes(u));
    if (unds === '' || unknown.length > 0) bad(`expected underlyings * or a |-list of ${UNDERLYINGS.join('|')}, was ${JSON.stringify(unds)}`);
    if (prov !== 'yes' && prov !== 'no') bad(`expected provisional yes|no, was ${JSON.stringify(prov)}`);
    if (issues.length > before) return;
    events.push({ date, kind, action: action as EventAction, underlyings: list as Underlying[], provisional: prov === 'yes', note, source: where });
  });
  return { events: events.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0)), issues };
}

/** The shipped calendar (data/event-calendar.ts); a parse error there is a bug, never a user's problem. */
export function shippedEventCalendar(): MarketEvent[] {
  const { events, issues } = parseEventCalendar(SHIPPED_EVENT_CALENDAR, 'shipped');
  if (issues.length > 0) throw new ConfigError(issues);
  return events;
}

/**
 * The calendar in force: `DATA_DIR/event-calendar.csv` when it exists (it replaces the shipped one), else the shipped
 * one. @throws ConfigError naming `event-calendar.csv:<line>` for every bad line (boot fails, nothing is half-applied).
 */
export function loadEventCalendar(dataDir: string): { events: MarketEvent[]; source: string } {
  const file = path.resolve(dataDir, EVENT_CALENDAR_FILE);
  if (!existsSync(file)) return { events: shippedEventCalendar(), source: 'shipped' };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ variable: EVENT_CALENDAR_FILE, message: `expected a readable file at ${file}, was ${(err as Error).message}` }]);
  }
  const { events, issues } = parseEventCalendar(text, EVENT_CALENDAR_FILE);
  if (issues.length > 0) throw new ConfigError(issues);
  return { events, source: file };
}

/** What the calendar asks of one underlying at one market time. */
export interface EventEffect {
  /** No new entry (skip_entries on the day; close_before from the cut-off on the day before through the day). */
  readonly block: MarketEvent | null;
  /** Entries at half size (halve_size on the day). */
  readonly halve: MarketEvent | null;
  /**
   * close_before in force: structures expiring on or after the event date are closed. The event whose window is open
   * (the earliest when several are).
   */
  readonly close: MarketEvent | null;
}

const NONE: EventEffect = { block: null, halve: null, close: null };

function covers(e: MarketEvent, u: Underlying): boolean {
  return e.underlyings.length === 0 || e.underlyings.includes(u);
}

/** `closeMinute` is STRATEGY_EVENT_CLOSE_TIME (IST minutes) on the trading day before a close_before event. */
export function eventEffect(events: readonly MarketEvent[], now: number, u: Underlying, closeMinute: number): EventEffect {
  if (events.length === 0) return NONE;
  const { date, minutes } = istTime(now);
  let block: MarketEvent | null = null;
  let halve: MarketEvent | null = null;
  let close: MarketEvent | null = null;
  for (const e of events) {
    if (e.date < date || !covers(e, u)) continue;
    if (e.date === date) {
      if (e.action === 'skip_entries') block ??= e;
      else if (e.action === 'halve_size') halve ??= e;
      else { block ??= e; close ??= e; }
      continue;
    }
    if (e.action !== 'close_before') continue;
    // The trading day before the event; an event dated beyond the holiday table's years is not acted on early.
    let eve: string;
    try {
      eve = previousTradingDay(e.date);
    } catch {
      continue;
    }
    if (date > eve || (date === eve && minutes >= closeMinute)) {
      block ??= e;
      close ??= e;
    }
  }
  return { block, halve, close };
}

export function describeEvent(e: MarketEvent): string {
  return `${e.kind} ${e.date}${e.provisional ? ' (provisional)' : ''}: ${e.note || e.action}`;
}
