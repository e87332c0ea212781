/**
 * @module Strategy actor shell: `strategy.propose` → core → journal each proposal → reply Proposal[];
 * `strategy.status` for the dashboard; `killswitch.changed` updates the core's view. All decisions are in core.ts.
 */
import { Counter } from 'prom-client';
import { defineActor } from '../../runtime/actor.ts';
import { InvariantError } from '../../runtime/errors.ts';
import { journalClient, type JournalClient } from '../journal/index.ts';
import { initialState, status, transition, type StrategyState } from './core.ts';
import { proposeRequestCheck, type EntrySkipped, type StrategyProtocol } from './messages.ts';
import { TRADING_STATES, type TradingState } from '../domain/trading-state.ts';
import type { StrategyParams } from './params.ts';
import { describeOlder, OLDER_INPUTS_HELP, OLDER_INPUTS_METRIC } from '../domain/market-time.ts';
import { PROPOSED_EVENT, restoreCooldowns, SKIPPED_EVENT, type ProposedEntry } from './recovery.ts';

/** Journal type of an event-calendar effect (once per IST day, event, bucket, underlying and effect). */
const EVENT_CALENDAR_EVENT = 'strategy.eventCalendar';

let state: StrategyState = initialState();
let params: StrategyParams | undefined;
let journal: JournalClient | undefined;
let proposed: Counter<'action'> | undefined;
let olderRefused: Counter<'actor' | 'input'> | undefined;
/** Journal skips only when the reasons change: a closed market would otherwise write the same lines every cycle. */
let lastSkipKey = '';

const skipKey = (s: readonly EntrySkipped[]) => s.map((k) => `${k.bucket}:${k.underlying ?? '*'}:${k.reason}`).join('|');

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new InvariantError(`strategy: expected ${what} after init, was none`);
  return v;
}

defineActor<StrategyParams, StrategyProtocol>({
  async init(ctx) {
    params = ctx.config;
    const events = params.events;
    ctx.log.info({ events: events.length, provisional: events.filter((e) => e.provisional).length, source: events[0]?.source.split(':')[0] ?? 'none' }, 'event calendar in force');
    journal = journalClient(ctx);
    proposed = new Counter({ name: 'volguard_strategy_proposals_total', help: 'Strategy proposals by action', labelNames: ['action'], registers: [ctx.metrics] });
    olderRefused = new Counter({ name: OLDER_INPUTS_METRIC, help: OLDER_INPUTS_HELP, labelNames: ['actor', 'input'], registers: [ctx.metrics] });
    const recovered = await journal.recover();
    state = restoreCooldowns(initialState(), recovered.events);
    ctx.log.info({ events: recovered.events.length, cooldowns: Object.keys(state.recent).length }, 'strategy recovered');
  },
  bodies: { 'strategy.propose': proposeRequestCheck },
  handlers: {
    async 'strategy.propose'(req, ctx) {
      const p = need(params, 'parameters');
      const { state: next, out } = transition(state, { type: 'strategy.propose', body: req }, p);
      if (out.older !== undefined) {
        need(olderRefused, 'metrics').inc({ actor: 'strategy', input: out.older.input });
        ctx.log.warn({ cycleId: req.cycleId, ts: out.older.ts, lastTs: out.older.lastTs }, describeOlder(out.older));
      }
      const j = need(journal, 'a journal client');
      // Journaled before the reply: the executor never acts on a proposal whose rationale is not on record.
      const entries: ({ type: string; body: unknown; cycleId: string })[] = out.proposals.map((proposal) => ({
        type: PROPOSED_EVENT, body: { proposal, marketTs: req.snapshot.ts } satisfies ProposedEntry, cycleId: req.cycleId,
      }));
      const key = skipKey(out.skipped);
      if (key !== lastSkipKey) entries.push({ type: SKIPPED_EVENT, body: { skipped: out.skipped, marketTs: req.snapshot.ts }, cycleId: req.cycleId });
      for (const a of out.eventActs) entries.push({ type: EVENT_CALENDAR_EVENT, body: a, cycleId: req.cycleId });
      if (entries.length > 0) await j.appendBatch(entries);
      state = next;
      lastSkipKey = key;
      for (const x of out.proposals) need(proposed, 'metrics').inc({ action: x.action });
      if (out.proposals.length > 0) {
        ctx.log.info({ cycleId: req.cycleId, proposals: out.proposals.map((x) => `${x.action}:${x.bucket}:${x.underlying}`) }, 'proposed');
      }
      return out.proposals;
    },
    'strategy.status': () => status(state, need(params, 'parameters')),
    'killswitch.changed'(body, ctx) {
      const s: unknown = body?.state;
      if (!TRADING_STATES.includes(s as TradingState)) {
        ctx.log.warn({ state: s }, `killswitch.changed: expected state ${TRADING_STATES.join('|')}, was ${JSON.stringify(s)}`);
        return;
      }
      state = transition(state, { type: 'killswitch.changed', body: { state: s as TradingState } }, need(params, 'parameters')).state;
    },
  },
  inspect() {
    return {
      lastCycleId: state.lastCycleId, killswitch: state.killswitch, proposalsTotal: state.proposalsTotal,
      cooldowns: Object.keys(state.recent).length, lastSkipped: state.lastSkipped.length,
    };
  },
});
