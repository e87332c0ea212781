/**
 * @module The report's data layer: a fold over journal entries (a session's journal, or a backtest's) into fills,
 * trades, an equity curve, days, greeks through time and every safety event. Pure: entries in, data out.
 *
 * One projector per event type (`PROJECTORS`); an event type nobody projects is counted in `unprojected`, never an
 * error, so new events slot in by adding a projector. Event bodies are read structurally (narrow guards here), not
 * through the emitting actor's types: the report depends on what is journaled, not on an actor's internals.
 *
 * What is read today: `executor.sagaStarted|orderIntent|orderUpdated|shadowFill|sagaFinished|orderDenied|flatten|
 * nakedLegEmergency|approvalCreated|approvalChanged`, `killswitch.transition|resetRefused|flattenFailed|flattenRetriesExhausted`, `risk.orderDenied|
 * breaches`, `feed.stalled|recovered`, `journal.cycle` (its summary's optional `greeks` and `pnl`). Ready for the
 * money stream (issue 14): `money.charges` and `money.settlement`, bodies as actors/domain/money.ts defines them.
 */
import { istDate } from '../../domain/calendar.ts';
import type { JournalEntry } from '../messages.ts';
import { computeMetrics, DEFINITIONS, drawdowns, type DrawdownPoint, type Metrics } from './metrics.ts';

export interface Fill {
  readonly ts: number;
  readonly clientOrderId: string | null;
  readonly sagaId: string | null;
  readonly structureId: string | null;
  readonly instrumentKey: string;
  readonly side: 'BUY' | 'SELL';
  readonly quantity: number;
  readonly price: number;
  /** Realised P&L this fill booked (average cost per instrument), ₹. */
  readonly realised: number;
  /** True/false when known (journaled, or from the recording the session replayed); null when unknown. */
  readonly derivedQuote: boolean | null;
  readonly shadow: boolean;
}

export interface Trade {
  readonly structureId: string;
  readonly underlying: string;
  readonly kind: string;
  readonly expiry: string;
  openedAt: number;
  closedAt: number | null;
  readonly entry: { readonly reason: string; readonly rationale: Readonly<Record<string, unknown>> } | null;
  readonly exits: { ts: number; reason: string; rationale: Readonly<Record<string, unknown>> }[];
  realised: number;
  charges: number;
  settlement: number;
  net: number;
  fills: number;
  derivedFills: number;
}

export interface SafetyEvent {
  readonly ts: number;
  readonly seq: number;
  readonly type: string;
  /** One line a reader understands. */
  readonly summary: string;
}

export interface GreeksPoint {
  readonly ts: number;
  readonly delta: number;
  readonly gamma: number;
  readonly vega: number;
  readonly theta: number;
}

export interface DayRow {
  readonly date: string;
  readonly startEquity: number;
  readonly endEquity: number;
  readonly gross: number;
  readonly charges: number;
  readonly settlement: number;
  readonly net: number;
  readonly fills: number;
}

export interface ReportData {
  readonly format: 'volguard-report';
  readonly version: 1;
  readonly title: string;
  readonly capital: number;
  readonly from: number | null;
  readonly to: number | null;
  readonly metrics: Metrics;
  readonly definitions: Readonly<Record<string, string>>;
  readonly equity: readonly DrawdownPoint[];
  readonly days: readonly DayRow[];
  readonly trades: readonly Trade[];
  readonly fills: readonly Fill[];
  readonly derivedFills: readonly Fill[];
  readonly safety: readonly SafetyEvent[];
  readonly greeks: readonly GreeksPoint[];
  readonly notes: readonly string[];
  /** Event types seen with no projector, and how often. */
  readonly unprojected: Readonly<Record<string, number>>;
}

export interface ReportOptions {
  readonly title: string;
  readonly capital: number;
  /** Whether the quote a fill priced off was derived (an imported recording): by instrument and time; null = unknown. */
  readonly derivedQuote?: (instrumentKey: string, ts: number) => boolean | null;
}

interface Order {
  readonly sagaId: string;
  readonly instrumentKey: string;
  readonly side: 'BUY' | 'SELL';
  filled: number;
  average: number;
}

/** The fold's working state; projectors mutate it. */
export interface ReportState {
  readonly opts: ReportOptions;
  readonly orders: Map<string, Order>;
  readonly sagas: Map<string, { structureId: string; action: string }>;
  readonly trades: Map<string, Trade>;
  readonly positions: Map<string, { qty: number; avg: number }>;
  readonly fills: Fill[];
  readonly safety: SafetyEvent[];
  readonly greeks: GreeksPoint[];
  /** Cash events in time order: realised P&L, charges (positive = paid), settlement; and the latest unrealised mark. */
  readonly points: { ts: number; realised: number; charges: number; settlement: number; unrealised: number | null }[];
  readonly unprojected: Record<string, number>;
  /** SEMI_AUTO approvals by id: their latest status (pending until an `executor.approvalChanged` says otherwise). */
  readonly approvals: Map<string, string>;
  sawCharges: boolean;
  sawSettlement: boolean;
  sawMarks: boolean;
}

export type Projector = (s: ReportState, e: JournalEntry, body: Readonly<Record<string, unknown>>) => void;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const rec = (v: unknown): Readonly<Record<string, unknown>> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : {});
const tsOf = (e: JournalEntry, b: Readonly<Record<string, unknown>>): number => num(b['ts']) ?? num(b['at']) ?? e.ts;

function safety(s: ReportState, e: JournalEntry, b: Readonly<Record<string, unknown>>, summary: string): void {
  s.safety.push({ ts: tsOf(e, b), seq: e.seq, type: e.type, summary });
}

function trade(s: ReportState, structureId: string, p: Readonly<Record<string, unknown>>, ts: number): Trade {
  let t = s.trades.get(structureId);
  if (t === undefined) {
    t = {
      structureId, underlying: str(p['underlying']) ?? '', kind: str(p['kind']) ?? '', expiry: str(p['expiry']) ?? '', openedAt: ts, closedAt: null,
      entry: null, exits: [], realised: 0, charges: 0, settlement: 0, net: 0, fills: 0, derivedFills: 0,
    };
    s.trades.set(structureId, t);
  }
  return t;
}

function applyFill(s: ReportState, f: Omit<Fill, 'realised' | 'derivedQuote'> & { derivedQuote?: boolean | null }): void {
  const signed = f.side === 'BUY' ? f.quantity : -f.quantity;
  const p = s.positions.get(f.instrumentKey) ?? { qty: 0, avg: 0 };
  let realised = 0;
  if (p.qty === 0 || Math.sign(p.qty) === Math.sign(signed)) {
    p.avg = (Math.abs(p.qty) * p.avg + Math.abs(signed) * f.price) / Math.abs(p.qty + signed);
    p.qty += signed;
  } else {
    const closing = Math.min(Math.abs(signed), Math.abs(p.qty));
    realised = closing * (p.qty > 0 ? f.price - p.avg : p.avg - f.price);
    const q = p.qty + signed;
    p.avg = q === 0 ? 0 : Math.sign(q) !== Math.sign(p.qty) ? f.price : p.avg;
    p.qty = q;
  }
  s.positions.set(f.instrumentKey, p);
  const derivedQuote = f.derivedQuote ?? s.opts.derivedQuote?.(f.instrumentKey, f.ts) ?? null;
  const fill: Fill = { ...f, realised, derivedQuote };
  s.fills.push(fill);
  s.points.push({ ts: f.ts, realised, charges: 0, settlement: 0, unrealised: null });
  if (f.structureId !== null) {
    const t = s.trades.get(f.structureId) ?? trade(s, f.structureId, {}, f.ts);
    t.realised += realised;
    t.fills++;
    if (derivedQuote === true) t.derivedFills++;
  }
}

export const PROJECTORS: Readonly<Record<string, Projector>> = {
  'executor.sagaStarted': (s, e, b) => {
    const p = rec(b['proposal']);
    const sagaId = str(b['sagaId']);
    const structureId = str(b['structureId']);
    if (sagaId === null || structureId === null) return;
    const action = str(p['action']) ?? 'open';
    s.sagas.set(sagaId, { structureId, action });
    const ts = tsOf(e, b);
    const existing = s.trades.get(structureId);
    const t = existing ?? trade(s, structureId, p, ts);
    const why = { reason: str(p['reason']) ?? '', rationale: rec(p['rationale']) };
    if (action === 'open' && t.entry === null) s.trades.set(structureId, { ...t, entry: why });
    else t.exits.push({ ts, ...why });
  },
  'executor.orderIntent': (s, _e, b) => {
    const id = str(b['clientOrderId']);
    const side = b['side'];
    if (id === null || (side !== 'BUY' && side !== 'SELL')) return;
    s.orders.set(id, { sagaId: str(b['sagaId']) ?? '', instrumentKey: str(b['instrumentKey']) ?? '', side, filled: 0, average: 0 });
  },
  'executor.orderUpdated': (s, e, b) => {
    const id = str(b['clientOrderId']);
    const o = id === null ? undefined : s.orders.get(id);
    const filled = num(b['filledQuantity']);
    const average = num(b['averagePrice']);
    if (o === undefined || filled === null || average === null || !(filled > o.filled)) return;
    // Cumulative quantity and average price → this update's increment and its price.
    const qty = filled - o.filled;
    const price = (average * filled - o.average * o.filled) / qty;
    o.filled = filled;
    o.average = average;
    const derived = b['quoteDerived'];
    applyFill(s, {
      ts: tsOf(e, b), clientOrderId: id, sagaId: o.sagaId, structureId: s.sagas.get(o.sagaId)?.structureId ?? null, instrumentKey: o.instrumentKey,
      side: o.side, quantity: qty, price, shadow: false, ...(typeof derived === 'boolean' ? { derivedQuote: derived } : {}),
    });
  },
  'executor.shadowFill': (s, e, b) => {
    const structureId = str(b['structureId']);
    const fills = Array.isArray(b['fills']) ? b['fills'] : [];
    if (structureId !== null && !s.trades.has(structureId)) {
      const legs = Array.isArray(b['legs']) ? b['legs'].map(rec) : [];
      const first = legs[0] ?? {};
      s.trades.set(structureId, { ...trade(s, structureId, first, tsOf(e, b)), entry: { reason: 'shadow fill', rationale: {} } });
    }
    for (const raw of fills) {
      const f = rec(raw);
      const side = f['side'];
      const qty = num(f['quantity']);
      const price = num(f['price']);
      const key = str(f['instrumentKey']);
      if ((side !== 'BUY' && side !== 'SELL') || qty === null || price === null || key === null) continue;
      applyFill(s, { ts: tsOf(e, b), clientOrderId: null, sagaId: null, structureId, instrumentKey: key, side, quantity: qty, price, shadow: true });
    }
  },
  'executor.sagaFinished': (s, e, b) => {
    const outcome = str(b['outcome']);
    if (outcome !== 'completed') safety(s, e, b, `saga ${str(b['sagaId'])} ${outcome}: ${str(b['reason']) ?? ''}`);
  },
  'executor.orderDenied': (s, e, b) => {
    const d = rec(b['denied']);
    safety(s, e, b, `order denied ${str(d['reason'])}: ${str(d['detail']) ?? ''} (proposal ${str(d['proposalId'])})`);
  },
  'executor.approvalCreated': (s, _e, b) => {
    const id = str(rec(b['approval'])['id']);
    if (id !== null && !s.approvals.has(id)) s.approvals.set(id, 'pending');
  },
  'executor.approvalChanged': (s, _e, b) => {
    const id = str(b['id']);
    const status = str(b['status']);
    if (id !== null && status !== null && s.approvals.has(id)) s.approvals.set(id, status);
  },
  'executor.flatten': (s, e, b) => safety(s, e, b, `flatten ${str(b['stage'])}: ${str(b['reason']) ?? ''}${b['flat'] === false ? ' — NOT flat' : ''}`),
  'executor.nakedLegEmergency': (s, e, b) => safety(s, e, b, `naked leg emergency: ${str(b['detail']) ?? ''}`),
  'killswitch.transition': (s, e, b) => {
    const c = rec(b['cause']);
    safety(s, e, b, `kill switch ${str(b['from'])} → ${str(b['to'])}: ${str(c['code']) ?? ''} ${str(c['message']) ?? ''}`.trim());
  },
  'killswitch.resetRefused': (s, e, b) => safety(s, e, b, `kill-switch reset refused (${str(b['who']) ?? '?'}): ${str(b['reason']) ?? ''}`),
  'killswitch.flattenFailed': (s, e, b) => safety(s, e, b, `flatten failed: ${JSON.stringify(b).slice(0, 160)}`),
  'killswitch.flattenRetriesExhausted': (s, e, b) => safety(s, e, b, `flatten retries exhausted: ${JSON.stringify(b).slice(0, 160)}`),
  'risk.orderDenied': (s, e, b) => {
    const reasons = Array.isArray(b['reasons']) ? b['reasons'].join(', ') : '';
    const details = Array.isArray(b['details']) ? b['details'].join('; ') : '';
    safety(s, e, b, `risk refused the order (${reasons})${details ? `: ${details}` : ''}`);
  },
  'risk.breaches': (s, e, b) => {
    const list = Array.isArray(b['breaches']) ? b['breaches'].map(rec) : [];
    if (list.length > 0) safety(s, e, b, `limit breach: ${list.map((x) => `${str(x['limit'])} ${str(x['level'])} (${num(x['value'])?.toFixed(0)} vs ${num(x['threshold'])?.toFixed(0)})`).join(', ')}`);
  },
  'feed.stalled': (s, e, b) => safety(s, e, b, `feed stalled: ${str(b['reason']) ?? ''}`),
  'feed.recovered': (s, e, b) => safety(s, e, b, `feed recovered (${str(b['reason']) ?? ''})`),
  'journal.cycle': (s, e, b) => {
    const summary = rec(b['summary']);
    const ts = num(b['ts']) ?? e.ts;
    const g = rec(summary['greeks']);
    const [delta, gamma, vega, theta] = [num(g['delta']), num(g['gamma']), num(g['vega']), num(g['theta'])];
    if (delta !== null && gamma !== null && vega !== null && theta !== null) s.greeks.push({ ts, delta, gamma, vega, theta });
    const unrealised = num(rec(summary['pnl'])['unrealised']);
    if (unrealised !== null) {
      s.sawMarks = true;
      s.points.push({ ts, realised: 0, charges: 0, settlement: 0, unrealised });
    }
  },
  // Issue 14 (money stream): the bodies are actors/domain/money.ts ChargesBooked and SettlementBooked. The shadow
  // book's bookings are not this book's money.
  'money.charges': (s, e, b) => {
    if (b['shadow'] === true) return;
    const amount = num(rec(b['charges'])['total']) ?? num(b['amount']);
    if (amount === null) return;
    s.sawCharges = true;
    const ts = tsOf(e, b);
    s.points.push({ ts, realised: 0, charges: amount, settlement: 0, unrealised: null });
    const t = str(b['structureId']);
    const tr = t === null ? undefined : s.trades.get(t);
    if (tr) tr.charges += amount;
  },
  'money.settlement': (s, e, b) => {
    if (b['shadow'] === true) return;
    const amount = num(b['pnl']) ?? num(b['amount']);
    const key = str(b['instrumentKey']);
    if (amount === null) return;
    // A long in the money pays STT on exercise: a charge of the settlement.
    const charges = num(rec(b['charges'])['total']) ?? 0;
    s.sawSettlement = true;
    if (charges > 0) s.sawCharges = true;
    if (key !== null) s.positions.delete(key);
    s.points.push({ ts: tsOf(e, b), realised: 0, charges, settlement: amount, unrealised: null });
    const t = str(b['structureId']);
    const tr = t === null ? undefined : s.trades.get(t);
    if (tr) {
      tr.settlement += amount;
      tr.charges += charges;
    }
  },
};

/**
 * Proposals that became SEMI_AUTO approvals are trades a human was asked for: an unattended run (a backtest) gives none,
 * so a run that "did nothing" often did this — the note says how many and points at the executor's FULL_AUTO gates.
 */
function approvalsNote(approvals: ReadonlyMap<string, string>): string {
  const count = new Map<string, number>();
  for (const st of approvals.values()) count.set(st, (count.get(st) ?? 0) + 1);
  const parts = [...count].sort((a, b) => a[0].localeCompare(b[0])).map(([st, n]) => `${n} ${st}`).join(', ');
  return `${approvals.size} proposal(s) waited for a human approval (the executor's effective phase was SEMI_AUTO): ${parts}. `
    + 'Nobody approves in an unattended run; FULL_AUTO needs data quality above FULL_AUTO_MIN_QUALITY, the kill switch not DEGRADED '
    + 'and, unless waived on paper (PAPER_WAIVE_PHASE_HISTORY), the SHADOW and SEMI_AUTO day history.';
}

/** The projectors' state after journal entries (in seq order), and the span of market time they cover. */
export interface Projected {
  readonly state: ReportState;
  readonly from: number | null;
  readonly to: number | null;
}

/**
 * Runs the projectors over journal entries (in seq order): the fills, safety events, marks and cash points the report
 * is derived from (`buildReport`), without deriving it — for a reader that needs only some of them (`report day`).
 */
export function projectEntries(entries: Iterable<JournalEntry>, opts: ReportOptions, projectors: Readonly<Record<string, Projector>> = PROJECTORS): Projected {
  const s: ReportState = {
    opts, orders: new Map(), sagas: new Map(), trades: new Map(), positions: new Map(), fills: [], safety: [], greeks: [], points: [],
    unprojected: {}, approvals: new Map(), sawCharges: false, sawSettlement: false, sawMarks: false,
  };
  let from: number | null = null;
  let to: number | null = null;
  for (const e of entries) {
    // The session's span in market time: bodies carry it (ts / at; a cycle's own ts), the entry's ts is the journal's.
    const at = tsOf(e, rec(e.body));
    if (from === null || at < from) from = at;
    if (to === null || at > to) to = at;
    const p = projectors[e.type];
    if (p === undefined) { s.unprojected[e.type] = (s.unprojected[e.type] ?? 0) + 1; continue; }
    p(s, e, rec(e.body));
  }
  return { state: s, from, to };
}

/** Folds journal entries (in seq order) into the report's data. */
export function buildReport(entries: Iterable<JournalEntry>, opts: ReportOptions, projectors: Readonly<Record<string, Projector>> = PROJECTORS): ReportData {
  const { state: s, from, to } = projectEntries(entries, opts, projectors);
  // Trades: net, and closed when every instrument they touched is flat again.
  const byStructure = new Map<string, Map<string, number>>();
  for (const f of s.fills) {
    if (f.structureId === null) continue;
    const m = byStructure.get(f.structureId) ?? new Map<string, number>();
    m.set(f.instrumentKey, (m.get(f.instrumentKey) ?? 0) + (f.side === 'BUY' ? f.quantity : -f.quantity));
    byStructure.set(f.structureId, m);
    const t = s.trades.get(f.structureId)!;
    if ([...m.values()].every((q) => q === 0)) t.closedAt = f.ts; else t.closedAt = null;
  }
  for (const t of s.trades.values()) t.net = t.realised + t.settlement - t.charges;
  const trades = [...s.trades.values()].sort((a, b) => a.openedAt - b.openedAt);

  // Equity curve in time order (stable: journal order within a timestamp).
  const points = s.points.map((p, i) => ({ p, i })).sort((a, b) => a.p.ts - b.p.ts || a.i - b.i).map((x) => x.p);
  let realised = 0;
  let charges = 0;
  let settlement = 0;
  let unrealised = 0;
  const curve: { ts: number; equity: number; charges: number; settlement: number }[] = [];
  for (const p of points) {
    realised += p.realised;
    charges += p.charges;
    settlement += p.settlement;
    if (p.unrealised !== null) unrealised = p.unrealised;
    curve.push({ ts: p.ts, equity: opts.capital + realised + settlement - charges + unrealised, charges, settlement });
  }
  // Days: by IST date of each point; the day's start is the previous day's end.
  const days: DayRow[] = [];
  let prev = { equity: opts.capital, charges: 0, settlement: 0 };
  for (let i = 0; i < curve.length; i++) {
    const date = istDate(curve[i]!.ts);
    const next = curve[i + 1];
    if (next !== undefined && istDate(next.ts) === date) continue;
    const end = curve[i]!;
    const fills = s.fills.filter((f) => istDate(f.ts) === date).length;
    const dayCharges = end.charges - prev.charges;
    const daySettlement = end.settlement - prev.settlement;
    const net = end.equity - prev.equity;
    days.push({ date, startEquity: prev.equity, endEquity: end.equity, gross: net - daySettlement + dayCharges, charges: dayCharges, settlement: daySettlement, net, fills });
    prev = end;
  }
  const equity = drawdowns([{ ts: from ?? 0, equity: opts.capital }, ...curve.map((c) => ({ ts: c.ts, equity: c.equity }))]);
  const closed = trades.filter((t) => t.closedAt !== null);
  const notes: string[] = [];
  if (!s.sawCharges) notes.push('No charges were journaled (money.charges): every figure is gross of brokerage, STT, exchange charges, SEBI fee, stamp duty and GST.');
  if (!s.sawSettlement) notes.push('No expiry settlements were journaled (money.settlement): positions held into expiry show no settlement P&L.');
  if (!s.sawMarks) notes.push('No unrealised marks were journaled (journal.cycle summary.pnl): the equity curve moves on realised P&L only.');
  if (s.approvals.size > 0) notes.push(approvalsNote(s.approvals));
  if (s.fills.some((f) => f.derivedQuote === null)) notes.push('For some fills it is unknown whether the quote was derived; pass the recording the session replayed (--recording) to tell.');
  return {
    format: 'volguard-report', version: 1, title: opts.title, capital: opts.capital, from, to,
    metrics: computeMetrics(equity, days, closed), definitions: DEFINITIONS, equity, days, trades, fills: s.fills,
    derivedFills: s.fills.filter((f) => f.derivedQuote === true), safety: s.safety, greeks: s.greeks, notes, unprojected: s.unprojected,
  };
}
