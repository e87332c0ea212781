/**
 * @module Feed worker: wires a MarketDataSource (sources.ts) to the pure FeedCore; answers `feed.snapshot`,
 * `feed.injectFault` and `feed.refreshToken` (FeedProtocol, messages.ts); raises `feed.stalled` / `feed.recovered` to the kill switch and main the moment they happen;
 * optionally records everything it receives (FEED_RECORD=1).
 */
import path from 'node:path';
import { Counter, Gauge } from 'prom-client';
import { defineActor, type ActorContext } from '../../runtime/actor.ts';
import { prepack } from '../../runtime/envelope.ts';
import { faultRequestCheck, refreshTokenCheck, snapshotRequestCheck, type FeedProtocol } from './messages.ts';
import { InvariantError } from '../../runtime/errors.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { InstrumentInfo, MarketDataSource } from '../venues/market-data.ts';
import { FeedCore } from './core.ts';
import { DEFAULT_QUALITY, staleAfterMarketMs } from './quality.ts';
import { createSource, type FeedActorConfig, type SourceCredentials } from './sources.ts';
import type { StallEvent } from './stall.ts';
import type { FaultKind } from '../venues/sim/faults.ts';
import { Recorder } from '../venues/replay/recorder.ts';
import { DEFAULT_PLAN, type PlanSettings } from './subscriptions.ts';

/** Wall ms between subscription re-plans on a venue with caps (the window follows the spot, with hysteresis). */
const REPLAN_EVERY_MS = 1000;
/** A refresh that found chains this recently makes a `connected` / `market open` refresh unnecessary. */
const REFRESH_FRESH_MS = 30_000;
import { CHECKPOINT_EVERY_MS } from '../venues/sim/resume.ts';
import { journalClient, type JournalClient } from '../journal/index.ts';

const wall = { monotonic: () => performance.now() };

interface State {
  core: FeedCore;
  source: MarketDataSource;
  market: Clock;
  /** What silence is measured on: wall time, or the market clock when it is stepped (data-driven). */
  runtime: { monotonic(): number };
  sync: (() => void) | undefined;
  /** The instrument refresh in flight (on a source's `connected`), or null. */
  refreshing: () => Promise<void> | null;
  recorder: Recorder | null;
  credentials: SourceCredentials | undefined;
  offCredentials: (() => void) | undefined;
  timer: ReturnType<typeof setInterval> | undefined;
  resumed: { readonly at: number | null; readonly refused: string | null } | undefined;
  metrics: {
    ticks: Counter;
    quality: Gauge;
    component: Gauge<'component'>;
  };
}
let st: State | null = null;
/** Seq of the feed's latest journal entry: a snapshot covers the stream up to it. */
let ownSeq = 0;
/** How long init waits for the journal's market checkpoint before building the market from its start. */
const CHECKPOINT_READ_TIMEOUT_MS = 3000;

function emit(ctx: ActorContext<FeedActorConfig>, ev: StallEvent): void {
  // Both at once, not at the next cycle: the kill switch degrades trading, main shows it on the dashboard.
  ctx.send('killswitch', ev.type, ev.body);
  ctx.send('main', ev.type, ev.body);
  if (ev.type === 'feed.stalled') ctx.log.warn(ev.body, 'feed stalled');
  else ctx.log.info(ev.body, 'feed recovered');
  ctx.request('journal', 'journal.append', { actor: 'feed', type: ev.type, body: ev.body })
    .then((r) => { ownSeq = Math.max(ownSeq, r.seq); })
    .catch((err: unknown) => ctx.log.warn({ err }, `journal.append of ${ev.type} failed`));
}

/** The market checkpoint in the feed's journal snapshot; undefined when there is none or the journal does not answer. */
async function readCheckpoint(journal: JournalClient, ctx: ActorContext<FeedActorConfig>): Promise<unknown> {
  try {
    const r = await journal.recover();
    for (const e of r.events) ownSeq = Math.max(ownSeq, e.seq);
    ownSeq = Math.max(ownSeq, r.snapshot?.seq ?? 0);
    return r.snapshot?.state ?? undefined;
  } catch (err) {
    ctx.log.warn({ err }, 'market checkpoint not read from the journal: stepping the simulated market from its start');
    return undefined;
  }
}

function need(): State {
  if (!st) throw new InvariantError('expected the feed initialised before its first message');
  return st;
}

defineActor<FeedActorConfig, FeedProtocol>({
  async init(ctx) {
    const cfg = ctx.config;
    const journal = journalClient(ctx, { timeoutMs: CHECKPOINT_READ_TIMEOUT_MS });
    // A simulated market resumes from its latest checkpoint instead of stepping from the start (resume.ts).
    const resumeFrom = ctx.clockSpec.kind === 'scaled' ? await readCheckpoint(journal, ctx) : undefined;
    const handle = createSource({ config: cfg, clock: ctx.clock, wall, log: ctx.log, resumeFrom });
    const { source, clock: market, credentials, sync } = handle;
    if (handle.resumed !== undefined) {
      const { at, refused } = handle.resumed;
      if (refused !== null) ctx.log.warn({ refused }, 'market checkpoint not used: stepping the simulated market from its start (slower, same prices)');
      ctx.log.info({ resumedFrom: at === null ? null : new Date(at).toISOString(), marketNow: new Date(market.now()).toISOString() }, at === null ? 'simulated market built from its start' : 'simulated market resumed from its checkpoint');
    }
    const saveCheckpoint = handle.checkpoint;
    let checkpointAt = handle.resumed?.at ?? Number.NEGATIVE_INFINITY;
    let checkpointing = false;
    // A stepped clock (backtest): nothing here may depend on how fast the machine runs. Silence is market time since
    // the last tick, checked at each snapshot (never on a wall timer), with the data's own frame spacing tolerated.
    const stepped = ctx.clockSpec.kind === 'stepped';
    const runtime = stepped ? { monotonic: () => market.now() } : wall;
    // Token expiry (clock or a 401) halts trading at once; the message never carries the token.
    const offCredentials = credentials?.on((e) => {
      if (e.type !== 'expired') return;
      const message = `${source.name} access token expired (feed); refresh with POST /api/token/refresh`;
      if (!ctx.send('killswitch', 'broker.tokenExpired', { message })) ctx.log.error('broker.tokenExpired dropped (kill switch restarting)');
    });
    // FEED_STALE_MS is how long an operator tolerates a silent instrument, in wall time. The book's ages are in market
    // time, which runs `speed` times faster in a simulation or replay: scale the threshold, or at 600× one delayed poll
    // (100 ms of wall time = one market minute) would flag the whole chain stale. At speed 1 (live) nothing changes.
    const speed = stepped ? 1 : source.name === 'replay' ? cfg.replaySpeed : ctx.clockSpec.kind === 'scaled' ? ctx.clockSpec.speed : 1;
    const plan: PlanSettings = cfg.plan ?? DEFAULT_PLAN;
    const spacing = stepped ? cfg.dataSpacingMs ?? 0 : 0;
    const qualityParams = stepped
      ? { stallMs: cfg.stallMs + spacing, staleMs: cfg.staleMs + spacing, silenceOkMs: DEFAULT_QUALITY.silenceOkMs + spacing, market: cfg.market }
      : { stallMs: cfg.stallMs, staleMs: staleAfterMarketMs(cfg.staleMs, speed), market: cfg.market };
    const core = new FeedCore({ source: source.name, counts: plan.expiries, quality: qualityParams }, runtime.monotonic());
    const recorder = cfg.record
      ? new Recorder({ dir: path.join(cfg.recordingsDir, `${source.name}-${new Date(market.now()).toISOString().replace(/[:.]/g, '-')}`), source: source.name, createdAt: new Date().toISOString() })
      : null;
    const ticks = new Counter({ name: 'volguard_feed_ticks_total', help: 'Ticks applied to the feed book', registers: [ctx.metrics] });
    new Gauge({
      name: 'volguard_feed_age_seconds', help: 'Wall seconds since the last tick', registers: [ctx.metrics],
      collect() { this.set(st ? st.core.stall.silenceMs(st.runtime.monotonic()) / 1000 : 0); },
    });
    const quality = new Gauge({ name: 'volguard_data_quality', help: 'Data quality score in [0,1] (minimum of the components)', registers: [ctx.metrics] });
    const component = new Gauge({ name: 'volguard_data_quality_component', help: 'Data quality component in [0,1]', labelNames: ['component'] as const, registers: [ctx.metrics] });

    // On a venue with subscription caps the feed subscribes a planned window (subscriptions.ts), never the whole list;
    // plans are applied one at a time (unsubscribe first, so the caps hold throughout).
    let planning: Promise<void> = Promise.resolve();
    const applyPlan = (): Promise<void> => {
      const caps = source.caps;
      if (caps === undefined) return Promise.resolve();
      planning = planning.then(async () => {
        const { next, diff } = core.replan(market.now(), plan, caps);
        if (diff.unsubscribe.length === 0 && diff.subscribe.size === 0) return;
        if (diff.unsubscribe.length > 0) await source.unsubscribe(diff.unsubscribe);
        for (const [need, keys] of diff.subscribe) await source.subscribe(keys, need);
        const was = core.plan;
        core.plan = next;
        const info = { counts: next.counts, centres: next.centres, strikes: next.strikes, added: [...diff.subscribe.values()].reduce((a, k) => a + k.length, 0), removed: diff.unsubscribe.length };
        if (next.trimmed !== null && was?.trimmed !== next.trimmed) ctx.log.warn({ ...info, cap: next.trimmed }, 'feed subscriptions narrowed to fit the venue caps');
        else ctx.log.info(info, was === null ? 'feed subscriptions planned' : 'feed subscriptions re-centred');
      }).catch((err: unknown) => ctx.log.error({ err }, 'feed subscription plan not applied'));
      return planning;
    };
    // One refresh at a time; a request while one runs is folded into one more run after it (the start sends
    // `connected` and `market open` within moments of each other).
    let refreshing: Promise<void> | null = null;
    let again = false;
    let lastLoaded: number | null = null;
    const refreshOnce = async (): Promise<void> => {
      const list: readonly InstrumentInfo[] = await source.instruments();
      core.setInstruments(list);
      lastLoaded = wall.monotonic();
      recorder?.instruments(market.now(), list);
      if (source.caps === undefined) await source.subscribe(list.map((i) => i.instrumentKey));
      else await applyPlan();
    };
    const refresh = (): Promise<void> => {
      if (refreshing !== null) {
        again = true;
        return refreshing;
      }
      refreshing = (async () => {
        try {
          do {
            again = false;
            await refreshOnce();
          } while (again);
        } finally {
          refreshing = null;
        }
      })();
      return refreshing;
    };
    source.onTicks((batch) => {
      recorder?.ticks(market.now(), batch);
      const before = core.ticksTotal;
      const ev = core.onTicks(batch, runtime.monotonic());
      ticks.inc(core.ticksTotal - before);
      if (ev) emit(ctx, ev);
    });
    source.onSettlements?.((list, ts) => {
      const refused = core.onSettlements(list, ts);
      if (refused !== null) ctx.log.warn({ ts, reason: refused }, 'settlement prices refused');
    });
    source.onStatus((s) => {
      recorder?.status(market.now(), s);
      core.onStatus(s);
      if (s.kind === 'disconnected') ctx.log.warn(s, 'feed source disconnected');
      if (s.kind === 'connected' || (s.kind === 'market' && s.open)) {
        // A (re)connect or the open re-reads the chains — unless a refresh that found them ran moments ago (start-up
        // sends both within a second; at real scale a refresh parses thousands of contracts). Not a replay's: its
        // `connected` announces a new instrument list (replay/source.ts), moments after the last one on a fast run.
        const fresh = source.name !== 'replay' && lastLoaded !== null && wall.monotonic() - lastLoaded < REFRESH_FRESH_MS && core.layout.chains.length > 0;
        if (!fresh) refresh().catch((err: unknown) => ctx.log.error({ err }, 'instrument refresh failed'));
      }
    });
    await refresh();
    await source.start();

    const started = wall.monotonic();
    const pending = [...(cfg.faults ?? [])];
    let lastPlan = wall.monotonic();
    const timer = stepped ? undefined : setInterval(() => {
      const now = wall.monotonic();
      if (source.caps !== undefined && now - lastPlan >= REPLAN_EVERY_MS) {
        lastPlan = now;
        void applyPlan();
      }
      for (let i = pending.length - 1; i >= 0; i--) {
        const f = pending[i]!;
        if (now - started < f.atSeconds * 1000) continue;
        pending.splice(i, 1);
        core.chaos({ kind: f.kind as FaultKind, seconds: f.seconds }, now, market.now());
        ctx.log.warn(f, 'scheduled feed fault injected');
      }
      const ev = core.check(now, market.now());
      if (ev) emit(ctx, ev);
      // The market's state into the journal every CHECKPOINT_EVERY_MS of market time (one write, overwritten each time).
      const marketNow = market.now();
      if (saveCheckpoint !== undefined && !checkpointing && marketNow - checkpointAt >= CHECKPOINT_EVERY_MS) {
        checkpointing = true;
        checkpointAt = marketNow;
        journal.snapshot(saveCheckpoint(), ownSeq)
          .catch((err: unknown) => ctx.log.warn({ err }, 'market checkpoint not journaled (a restart would step more of the market again)'))
          .finally(() => { checkpointing = false; });
      }
    }, Math.max(20, Math.min(250, cfg.stallMs / 4)));
    timer?.unref?.();
    st = { core, source, market, runtime, sync, refreshing: () => refreshing, recorder, credentials, offCredentials, timer, resumed: handle.resumed, metrics: { ticks, quality, component } };
    ctx.log.info({ source: source.name, instruments: core.book.size, marketNow: new Date(market.now()).toISOString() }, 'feed started');
  },

  bodies: {
    'feed.snapshot': snapshotRequestCheck,
    'feed.injectFault': faultRequestCheck,
    'feed.refreshToken': refreshTokenCheck,
  },
  handlers: {
    async 'feed.snapshot'({ cycleId, watch }, ctx) {
      const s = need();
      if (watch !== undefined) s.core.watch(watch);
      if (s.sync !== undefined) {
        // Stepped: play the data up to this step, then the stall check the wall timer does otherwise. A new instrument
        // list pauses playback (replay/source.ts) until its refresh has subscribed the new contracts; then play on.
        s.sync();
        for (let r = s.refreshing(); r !== null; r = s.refreshing()) {
          // A failed refresh is logged where it was started (onStatus); the snapshot plays on without it.
          await r.catch(() => {});
          s.sync();
        }
        const ev = s.core.check(s.runtime.monotonic(), s.market.now());
        if (ev) emit(ctx, ev);
      }
      const snap = s.core.snapshot(cycleId, s.market.now(), s.runtime.monotonic());
      s.metrics.quality.set(snap.quality.score);
      for (const [k, v] of Object.entries(snap.quality.components)) s.metrics.component.set({ component: k }, v);
      // Chains packed once here: main relays these bytes to four actors without decoding them.
      return { ...snap, expiries: prepack(snap.expiries) };
    },
    'feed.injectFault'(req, ctx) {
      const s = need();
      const now = wall.monotonic();
      const { kind, until } = s.core.chaos(req, now, s.market.now());
      const seconds = Math.round(until - now) / 1000;
      ctx.log.warn({ kind, seconds }, 'feed fault injected');
      return { kind, seconds };
    },
    'feed.refreshToken'({ accessToken }, ctx) {
      const s = need();
      if (!s.credentials) throw new TypeError(`feed.refreshToken: expected a source with an access token, was ${s.source.name}`);
      s.credentials.set(accessToken);
      const t = s.credentials.inspect();
      ctx.log.info({ token: t.fingerprint, expiresAt: t.expiresAt }, 'feed token swapped; re-authorizing');
      return { state: t.state, expiresAt: t.expiresAt };
    },
  },

  inspect() {
    if (!st) return { state: 'starting' };
    // How this incarnation's simulated market started: from the journal's checkpoint (its market time) or its start.
    const base = st.core.inspect(st.runtime.monotonic());
    return st.resumed === undefined ? base : { ...base, marketResumedFrom: st.resumed.at, marketResumeRefused: st.resumed.refused };
  },

  async stop() {
    if (!st) return;
    if (st.timer !== undefined) clearInterval(st.timer);
    st.offCredentials?.();
    await st.source.stop();
    st.recorder?.close();
  },
});
