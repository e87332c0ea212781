/**
 * @module The strategy's pure core: `initialState()`, `transition(state, msg, params)` → `{ state, out }`.
 *
 * State carried across cycles: the spot history behind realised vol, the last kill-switch state pushed to it, and the
 * market time each proposal key was last proposed (so an exit or entry awaiting approval is not re-proposed every
 * cycle). Proposal ids are `${cycleId}-s${index}`: deterministic, so a replayed cycle proposes the same ids.
 */
import type { Underlying } from '../domain/underlying.ts';
import type { Proposal } from '../domain/proposal.ts';
import { describeOlder, isOlder, type OlderInput } from '../domain/market-time.ts';
import type { EntrySkipped, EventActed, KillSwitchView, ProposeRequest, StrategyStatus } from './messages.ts';
import { TRADING_STATES, type TradingState } from '../domain/trading-state.ts';
import type { StrategyParams } from './params.ts';
import { marketView } from './market.ts';
import { addSpot, EMPTY_SERIES, realisedVol, type RvSeries } from './realised-vol.ts';
import { openKey, planEntries, type EventAct } from './entries.ts';
import { istTime } from './session.ts';
import { exitKey, planExits } from './exits.ts';

export interface StrategyState {
  readonly rv: Readonly<Partial<Record<Underlying, RvSeries>>>;
  readonly recent: Readonly<Record<string, number>>;
  /** Last state pushed by `killswitch.changed` (or seen in a cycle). */
  readonly killswitch: TradingState | null;
  readonly lastCycleId: string | null;
  readonly lastTs: number | null;
  readonly lastProposals: readonly Proposal[];
  readonly lastSkipped: readonly EntrySkipped[];
  readonly proposalsTotal: number;
  /** Snapshots refused because their market time was before `lastTs` (bad data, DESIGN.md §8). */
  readonly olderRefused: number;
  /** Event-calendar effects journaled today (one entry per event, bucket, underlying, structure and effect). */
  readonly eventActed: { readonly date: string; readonly keys: Readonly<Record<string, true>> };
}

export type StrategyMsg =
  | { readonly type: 'strategy.propose'; readonly body: ProposeRequest }
  | { readonly type: 'killswitch.changed'; readonly body: KillSwitchView };

export interface StrategyOut {
  readonly proposals: readonly Proposal[];
  readonly skipped: readonly EntrySkipped[];
  /** Set when the snapshot was refused as older than one already acted on: nothing was proposed. */
  readonly older?: OlderInput;
  /** The event calendar changed a decision, first time today for each (journal `strategy.eventCalendar`). */
  readonly eventActs: readonly EventActed[];
}

export function initialState(): StrategyState {
  return {
    rv: {}, recent: {}, killswitch: null, lastCycleId: null, lastTs: null, lastProposals: [], lastSkipped: [], proposalsTotal: 0, olderRefused: 0,
    eventActed: { date: '', keys: {} },
  };
}

const severity = (s: TradingState): number => TRADING_STATES.indexOf(s);

/** Fail closed: a push that arrived after the cycle's own evaluation may be more severe than the cycle's view. */
function effectiveKillSwitch(cycle: TradingState, pushed: TradingState | null): TradingState {
  return pushed !== null && severity(pushed) > severity(cycle) ? pushed : cycle;
}

export function proposalId(cycleId: string, index: number): string {
  return `${cycleId}-s${index}`;
}

function propose(state: StrategyState, req: ProposeRequest, params: StrategyParams): { state: StrategyState; out: StrategyOut } {
  const now = req.snapshot.ts;
  if (isOlder(state.lastTs, now)) return refuseOlder(state, req, params, { input: 'snapshot', ts: now, lastTs: state.lastTs });
  const rvState: Partial<Record<Underlying, RvSeries>> = { ...state.rv };
  if (req.snapshot.marketOpen) {
    for (const s of req.snapshot.spots) {
      if (s.spot > 0 && Number.isFinite(s.spot)) rvState[s.underlying] = addSpot(rvState[s.underlying] ?? EMPTY_SERIES, now, s.spot, params.rv);
    }
  }
  const rv = new Map<Underlying, number>();
  for (const [u, series] of Object.entries(rvState) as [Underlying, RvSeries][]) rv.set(u, realisedVol(series, params.rv.minSamples, params.rv));

  const recent: Record<string, number> = {};
  for (const [k, ts] of Object.entries(state.recent)) if (now - ts < params.cooldownMs) recent[k] = ts;

  const killswitch = effectiveKillSwitch(req.killswitch.state, state.killswitch);
  const view = marketView(req.snapshot, req.surface);
  const exits = planExits({ req, view, params, killswitch, recent });
  const { drafts: entries, skipped, acts } = planEntries({ req, view, params, killswitch, realisedVol: rv, recent });
  const proposals = [...exits.drafts, ...entries].map((d, i): Proposal => ({ id: proposalId(req.cycleId, i), ...d }));
  const date = istTime(now).date;
  const keys: Record<string, true> = state.eventActed.date === date ? { ...state.eventActed.keys } : {};
  const eventActs: EventActed[] = [];
  for (const a of [...exits.acts, ...acts] as EventAct[]) {
    const k = `${a.source}|${a.bucket}|${a.underlying}|${a.structureId ?? ''}|${a.effect}`;
    if (keys[k]) continue;
    keys[k] = true;
    eventActs.push({ ...a, marketTs: now });
  }
  for (const p of proposals) {
    recent[p.action === 'open' ? openKey(p.bucket, p.underlying) : exitKey(p.structureId ?? p.id)] = now;
  }
  return {
    state: {
      rv: rvState, recent, killswitch: req.killswitch.state, lastCycleId: req.cycleId, lastTs: now,
      lastProposals: proposals, lastSkipped: skipped, proposalsTotal: state.proposalsTotal + proposals.length,
      olderRefused: state.olderRefused,
      eventActed: { date, keys },
    },
    out: { proposals, skipped, eventActs },
  };
}

/**
 * A snapshot older than one already acted on is bad data: acting on it would put an earlier spot into realised vol
 * (a negative interval), re-arm cooldowns and exit on stale prices. Nothing is proposed; every enabled bucket says why.
 */
function refuseOlder(state: StrategyState, req: ProposeRequest, params: StrategyParams, older: OlderInput): { state: StrategyState; out: StrategyOut } {
  const detail = `${describeOlder(older)} (cycle ${req.cycleId})`;
  const skipped: EntrySkipped[] = params.buckets.filter((b) => b.kind !== null).map((b) => ({ bucket: b.bucket, underlying: null, reason: 'STALE_MARKET', detail }));
  return {
    state: { ...state, lastProposals: [], lastSkipped: skipped, olderRefused: state.olderRefused + 1 },
    out: { proposals: [], skipped, older, eventActs: [] },
  };
}

export function transition(state: StrategyState, msg: StrategyMsg, params: StrategyParams): { state: StrategyState; out: StrategyOut } {
  switch (msg.type) {
    case 'strategy.propose':
      return propose(state, msg.body, params);
    case 'killswitch.changed':
      return { state: { ...state, killswitch: msg.body.state }, out: { proposals: [], skipped: [], eventActs: [] } };
  }
}

export function status(state: StrategyState, params: StrategyParams): StrategyStatus {
  const realised: Partial<Record<Underlying, number>> = {};
  for (const [u, series] of Object.entries(state.rv) as [Underlying, RvSeries][]) realised[u] = realisedVol(series, params.rv.minSamples, params.rv);
  return {
    lastCycleId: state.lastCycleId, lastTs: state.lastTs, killswitch: state.killswitch, realisedVol: realised,
    lastProposals: state.lastProposals, lastSkipped: state.lastSkipped, proposalsTotal: state.proposalsTotal,
    olderRefused: state.olderRefused,
  };
}
