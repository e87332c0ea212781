/**
 * @module Executor actor shell: wires messages ↔ ExecutorEngine, the journal, risk and the kill switch. Recovery in
 * init: replay this actor's journal stream, then the first cycle reconciles with the broker by tag.
 */
import { defineActor, dispatcher, type Handlers } from '../../runtime/actor.ts';
import { InvariantError } from '../../runtime/errors.ts';
import type { ExecutorSection } from './config.ts';
import type { ClockSpec } from '../../runtime/clock.ts';
import { Counter, Gauge } from 'prom-client';
import { journalClient } from '../journal/index.ts';
import { CHECKPOINT_ACTOR } from '../venues/sim/resume.ts';
import { OLDER_INPUTS_HELP, OLDER_INPUTS_METRIC } from '../domain/market-time.ts';
import type { PreTradeRequest } from '../risk/messages.ts';
import { BROKERS, brokerCredentials, type BrokerHandle } from './brokers.ts';
import { ExecutorEngine } from './engine.ts';
import { engineConfig } from './settings.ts';
import { CycleWindow, tickInterval, TICK_MAX_WALL_MS } from './tick.ts';
import type { ExecEvent } from './state.ts';
import type { ExecutorProtocol } from './messages.ts';
import { istDate } from '../domain/calendar.ts';
import { loadChargesSchedule } from '../../runtime/main/charges-schedule.ts';

let engine: ExecutorEngine | undefined;
/**
 * Ticks wait while a cycle runs through (tick.ts); bounded by wall time. None on a stepped clock (a replay): there a
 * tick's place is set by market time alone, so that a run gives the same result on any machine.
 */
let cycleWindow: CycleWindow | null = null;
let handle: BrokerHandle | undefined;
let offCredentials: (() => void) | undefined;
let offVenue: (() => void) | undefined;

/** Market ms per wall ms: the scaled sim clock's speed, 1 on the real clock. The engine's timers are market time. */
function clockSpeedOf(spec: ClockSpec): number {
  return spec.kind === 'scaled' ? spec.speed : 1;
}

function need(): ExecutorEngine {
  if (engine === undefined) throw new InvariantError('executor: expected an initialised engine, was none');
  return engine;
}

defineActor<ExecutorSection, ExecutorProtocol>({
  async init(ctx) {
    const cfg = ctx.config;
    const journal = journalClient(ctx);
    // The paper exchange's simulated market resumes from the feed's latest checkpoint (actors/venues/sim/resume.ts).
    const resumeFrom = cfg.SAFETY_MODE === 'paper' && cfg.FEED === 'sim' ? (await journal.recover(CHECKPOINT_ACTOR)).snapshot?.state : undefined;
    handle = await BROKERS[cfg.SAFETY_MODE](cfg, ctx.clock, ctx.log, resumeFrom);
    // Live token lifecycle → kill switch at once (HALTED with TOKEN_EXPIRED; cleared by a hot swap). Never the token.
    // Static-IP pre-flight at start and after every token swap (an IP change at Upstox invalidates the token, so a new
    // token follows it); a refusal HALTs with STATIC_IP, a pass (or an accepted order write) releases it.
    const preflight = () => {
      void handle?.broker.preflight?.().then(
        (r) => (r.ok && !r.warning ? ctx.log.info({ check: r.name }, r.detail) : ctx.log.warn({ check: r.name, ok: r.ok }, r.detail)),
        (err: unknown) => ctx.log.warn({ err }, 'static-IP pre-flight failed to run'),
      );
    };
    offCredentials = brokerCredentials(handle.broker)?.on((e) => {
      if (e.type === 'expired') ctx.send('killswitch', 'broker.tokenExpired', { message: `${handle?.broker.name ?? 'broker'} access token expired (executor); refresh with POST /api/token/refresh` });
      else if (e.type === 'swapped') {
        ctx.send('killswitch', 'broker.tokenRefreshed', { broker: handle?.broker.name ?? 'broker' });
        preflight();
      }
    });
    offVenue = handle.broker.events?.on((e) => {
      if (e.type === 'staticIpRefused') ctx.send('killswitch', 'broker.staticIpRefused', { message: e.message, action: e.action, evidence: e.evidence });
      else ctx.send('killswitch', 'broker.staticIpCleared', { message: e.message });
    });
    preflight();
    const recovered = await journal.recover();
    if (!recovered.complete) ctx.log.warn('journal stream incomplete: state rebuilt from what remains; reconciliation decides');
    // The executor's stream: its own events and the money it booked (money.charges, money.settlement).
    const events = recovered.events.filter((e) => e.type.startsWith('executor.') || e.type.startsWith('money.')).map((e) => e.body as ExecEvent);
    // Checked at boot already (runtime/cli/run.ts): the same file, read again here where it is used.
    const charges = loadChargesSchedule(cfg.DATA_DIR, istDate(ctx.clock.now()));
    const orders = new Counter({ name: 'volguard_orders_total', help: 'Order state changes by status', labelNames: ['status'], registers: [ctx.metrics] });
    const sagas = new Counter({ name: 'volguard_saga_outcomes_total', help: 'Saga outcomes', labelNames: ['outcome'], registers: [ctx.metrics] });
    const open = new Gauge({ name: 'volguard_positions_open', help: 'Open positions (instruments)', registers: [ctx.metrics] });
    const charged = new Counter({ name: 'volguard_charges_inr_total', help: 'Trading charges booked (fills and expiry settlement), ₹, per book', labelNames: ['book'], registers: [ctx.metrics] });
    const olderRefused = new Counter({ name: OLDER_INPUTS_METRIC, help: OLDER_INPUTS_HELP, labelNames: ['actor', 'input'], registers: [ctx.metrics] });
    const h = handle;
    engine = new ExecutorEngine({
      broker: h.broker,
      journal,
      preTrade: async ({ proposal }) => {
        // `ref`: risk replaces this proposal's reservation by exact identity when the saga re-checks before a group.
        const body: PreTradeRequest = { legs: proposal.legs, bucket: proposal.bucket, ref: proposal.id };
        const d = await ctx.request('risk', 'risk.preTrade', body, { timeoutMs: 2000 });
        return d.allow ? { allowed: true } : { allowed: false, reason: [...d.reasons, ...d.details].join('; ') };
      },
      // Fire and forget, never a request: the kill switch's EMERGENCY runs `executor.flatten` against this actor.
      emergency: ({ structureId, message }) => {
        const sent = ctx.send('killswitch', 'executor.nakedLegDetected', { structureId, message });
        if (!sent) ctx.log.error({ structureId }, 'naked-leg trigger dropped (kill switch restarting): the next check re-sends it');
        return sent;
      },
      clock: ctx.clock,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      ...(h.onSnapshot !== undefined ? { onMarket: h.onSnapshot } : {}),
      ...(h.rules !== undefined ? { rules: h.rules } : {}),
      ...(h.multiOrder === true ? { multiOrder: true } : {}),
      ...(h.marginCheck === true ? { marginCheck: true } : {}),
      ...(h.venueKillSwitch === true ? { venueKillSwitch: true } : {}),
      log: ctx.log,
      metrics: {
        order: (s) => orders.inc({ status: s }), saga: (o) => sagas.inc({ outcome: o }), positionsOpen: (n) => open.set(n),
        charges: (book, inr) => charged.inc({ book }, inr),
        olderRefused: (input) => olderRefused.inc({ actor: 'executor', input }),
      },
      charges,
      ...(h.settlementPrice !== undefined ? { settlementPrice: h.settlementPrice } : {}),
      ...(h.brokerBooksSettlement === true ? { brokerBooksSettlement: true } : {}),
    }, engineConfig(cfg, clockSpeedOf(ctx.clockSpec)), events);
    ctx.log.info({ events: events.length, broker: h.broker.name, quotes: h.quoteSource ?? 'broker' }, 'executor recovered');
    // Between cycles: pick up fills, move sagas, watch naked legs — a runtime timer on the market clock, so the tick
    // takes its turn in the mailbox with everything else (one engine call at a time; at most one tick waiting, so a
    // busy executor — a flatten — is not flooded) and is cleared with the actor on stop or crash. Its interval is a
    // quarter of the shortest market timer, bounded in wall time (tick.ts).
    const every = tickInterval(engineConfig(cfg), clockSpeedOf(ctx.clockSpec));
    cycleWindow = ctx.clockSpec.kind === 'stepped' ? null : new CycleWindow(TICK_MAX_WALL_MS, () => performance.now());
    ctx.log.info({ marketMs: every.marketMs, wallMs: every.wallMs, timerMs: every.timerMs }, 'executor tick');
    ctx.every(every.timerMs, 'executor.tick', { clock: 'market' });
  },
  receive(msg, ctx) {
    return dispatch(msg, ctx);
  },
  inspect() {
    const e = engine;
    if (e === undefined) return { ready: false };
    return {
      sagas: Object.keys(e.state.sagas).length, orders: Object.keys(e.state.orders).length, positions: e.book().positions.length,
      ...(handle?.marketResumedFrom !== undefined ? { marketResumedFrom: handle.marketResumedFrom } : {}),
    };
  },
  async stop() {
    offCredentials?.();
    offVenue?.();
    engine?.close();
    await handle?.broker.close();
  },
});

/** One handler per message type (ExecutorProtocol); the mailbox runs them one at a time, the tick among them. */
const handlers: Handlers<ExecutorProtocol, ExecutorSection> = {
  'executor.tick'(_b, ctx) {
    if (cycleWindow?.holdTick() === true) return;
    handle?.onTick?.();
    // Errors are logged, never a crash: the next cycle reconciles. A broken invariant (memory no longer what the
    // journal rebuilds: engine.ts #emit, #stagedRefusal) crashes it all the same, so the restart rebuilds.
    return need().tick().catch((err: unknown) => {
      if (err instanceof InvariantError) throw err;
      ctx.log.error({ err }, 'executor tick failed');
    });
  },
  'executor.book'(req) {
    if (req?.cycleId !== undefined) cycleWindow?.open();
    return need().book();
  },
  async 'executor.execute'(req, ctx) {
    try {
      return await need().execute(req);
    } finally {
      // The tick that waited runs next, after this reply has gone (the shell sends it before the next message).
      if (cycleWindow?.close() === true) ctx.next('executor.tick', null);
    }
  },
  'executor.approvals': () => ({ approvals: need().approvals() }),
  'executor.approve': (b) => need().approve(String(b?.id), String(b?.who)),
  'executor.reject': (b) => need().reject(String(b?.id), String(b?.who), String(b?.reason ?? '')),
  'executor.orders': () => ({ orders: need().orders() }),
  'executor.positions': () => {
    const b = need().book();
    return { positions: b.positions, structures: b.structures };
  },
  'executor.account': () => need().account(),
  'executor.setPhase': (req) => need().setPhase(req),
  'executor.approvePhase': (req) => need().approvePhase(req),
  'executor.phase': () => need().phaseView(),
  'executor.closeStructure': (b) => need().closeStructure(b),
  'executor.flatten': (b) => need().flatten(String(b?.reason ?? 'unspecified')),
  'executor.venueKillSwitch': () => need().venueKillSwitch(),
  'executor.releaseVenueKillSwitch': (b) => need().releaseVenueKillSwitch(b),
  'killswitch.changed': (view) => need().killswitchChanged(view),
  'executor.refreshToken'(b, ctx) {
    need();
    const creds = handle !== undefined ? brokerCredentials(handle.broker) : undefined;
    const token: unknown = b?.accessToken;
    if (typeof token !== 'string' || token === '') throw new TypeError('executor.refreshToken: expected {accessToken: non-empty string}, was another shape');
    if (creds === undefined) throw new TypeError(`executor.refreshToken: expected a broker with an access token, was ${handle?.broker.name ?? 'none'}`);
    creds.set(token); // 'swapped' → the portfolio stream re-authorizes; the kill switch hears broker.tokenRefreshed
    const t = creds.inspect();
    ctx.log.info({ token: t.fingerprint, expiresAt: t.expiresAt }, 'broker token swapped');
    return { state: t.state, expiresAt: t.expiresAt };
  },
};
const dispatch = dispatcher<ExecutorSection, ExecutorProtocol>({ handlers });
