/**
 * @module Broker factories by SAFETY_MODE. `paper` is the embedded paper exchange (books in DATA_DIR/paper); `live`
 * is Upstox. The one place the executor chooses a venue.
 *
 * Paper quotes: with `FEED=sim` the exchange matches against its OWN SimMarket copy, built from `SIM_SEED` and the
 * run's sim start (`SIM_START`, pinned from the ClockSpec by `executorActorSpec(section, clockSpec)`) and advanced to the
 * actor's clock before every quote — the same prices the feed sees, at the exchange's own time. Otherwise (replay, a
 * live feed on paper) it matches against the quotes of the last snapshot the executor was given. Margin is the risk
 * actor's `estimateMargin` over the exchange's exposures (`riskMargin`).
 *
 * Expiry settlement on paper: on the sim, the simulated close of the expiry day (SimQuotes); with `FEED=replay`, the
 * final settlement prices the recording publishes, carried to the executor on the snapshots (`settlements`); with
 * `FEED=upstox`, the index's day-candle close for the expiry date from Upstox, as on live (venues/upstox/settlement.ts,
 * read without a token: the executor on paper holds no credential), one ask shared by both books
 * (venues/sim/paper/fetched-settlements.ts). Either way the exchange's positions and the executor's book settle at the
 * same price, and a price not published yet leaves them waiting. Live: the index's close from Upstox, once the broker
 * has booked the expiry.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../../runtime/clock.ts';
import type { ExecutorSection } from './config.ts';
import { marketSettingsFromEnv } from '../domain/market-settings.ts';
import { istDate } from '../domain/calendar.ts';
import { loadChargesSchedule } from '../../runtime/main/charges-schedule.ts';
import type { Broker } from '../venues/broker.ts';
import { PaperBroker } from '../venues/sim/paper/exchange.ts';
import { riskMargin } from '../venues/sim/paper/margin.ts';
import { SnapshotQuotes, type PaperMarket } from '../venues/sim/paper/quotes.ts';
import { SimQuotes, withFallback } from '../venues/sim/paper/sim-quotes.ts';
import type { SettlementLookup } from '../venues/sim/paper/quotes.ts';
import { FetchedSettlements } from '../venues/sim/paper/fetched-settlements.ts';
import type { SettlementReaderConfig } from '../venues/upstox/index.ts';

export interface BrokerHandle {
  readonly broker: Broker;
  /** Paper only: feed quotes from each snapshot and re-match working orders. */
  readonly onSnapshot?: (snapshot: import('../domain/market-snapshot.ts').MarketSnapshot) => void;
  readonly rules?: (key: string) => { lotSize: number; freezeQty: number } | undefined;
  /** Paper only: time moved (the worker's timer): re-match working orders against the quotes at the new time. */
  readonly onTick?: () => void;
  /** The broker takes a multi-leg group in one `placeMultiOrder` call (per-line results). */
  readonly multiOrder?: boolean;
  /** An expiry's final settlement price once known (paper: the simulated close, the replay's published price, or on the Upstox feed the index's day-candle close). */
  readonly settlementPrice?: (underlying: import('../domain/underlying.ts').Underlying, expiry: string) => number | undefined | Promise<number | undefined>;
  /** Live: the broker books expiry settlement itself; the executor books a position only once the broker did. */
  readonly brokerBooksSettlement?: boolean;
  /** Live: each risk-increasing basket's margin is asked of the broker (and funds v3) before its first order. */
  readonly marginCheck?: boolean;
  /** Live: after an EMERGENCY flatten proven flat, the broker's own kill switch is engaged for F&O (the backstop). */
  readonly venueKillSwitch?: boolean;
  /** Paper only: where quotes come from ('sim' = own SimMarket copy, 'snapshot' = the last snapshot). */
  readonly quoteSource?: 'sim' | 'snapshot';
  /** Paper on the sim: the market time of the checkpoint its SimMarket copy resumed from (null: from the start). */
  readonly marketResumedFrom?: number | null;
}

/**
 * `resumeFrom`: the simulated market's checkpoint on record (the feed's, actors/venues/sim/resume.ts): the paper
 * exchange's copy resumes from it instead of stepping from the start.
 */
export type BrokerFactory = (cfg: ExecutorSection, clock: Clock, log: Logger, resumeFrom?: unknown) => Promise<BrokerHandle>;

/** Test seams of the paper factory: the runtime clock and pace of the Upstox settlement reader's re-asks. */
export interface PaperFactoryOptions {
  readonly settlementWallNow?: () => number;
  readonly settlementRetryMs?: number;
}

/** Where the paper exchange (`settlementValue`) and the executor (`settlementPrice`) learn an expiry's settlement. */
interface Settling {
  readonly settlementValue: SettlementLookup;
  readonly settlementPrice: NonNullable<BrokerHandle['settlementPrice']>;
}

/** The paper exchange as the executor runs it (BROKERS.paper). */
export async function paperBroker(cfg: ExecutorSection, clock: Clock, log: Logger, resumeFrom?: unknown, opts: PaperFactoryOptions = {}): Promise<BrokerHandle> {
  const snapshots = new SnapshotQuotes();
  let market: PaperMarket = snapshots;
  let quoteSource: 'sim' | 'snapshot' = 'snapshot';
  let sim: SimQuotes | undefined;
  if (cfg.FEED === 'sim') {
    if (cfg.SIM_START !== undefined) {
      sim = new SimQuotes({ seed: cfg.SIM_SEED, startMs: cfg.SIM_START, market: marketSettingsFromEnv(cfg), resumeFrom, nowMs: clock.now() });
      if (sim.resumeRefused !== null) log.warn({ refused: sim.resumeRefused }, 'market checkpoint not used: the paper exchange steps the simulated market from its start (slower, same prices)');
      sim.advanceTo(clock.now());
      log.info({ resumedFrom: sim.resumedAt === null ? null : new Date(sim.resumedAt).toISOString(), marketNow: new Date(sim.market.now).toISOString() }, 'paper exchange market ready');
      market = withFallback(sim, snapshots);
      quoteSource = 'sim';
    } else {
      log.warn('FEED=sim without a sim start in the executor config (pass the ClockSpec to executorActorSpec): paper quotes come from snapshots');
    }
  }
  // Who knows the settlement prices: the sim copy; on a replay the snapshots that carry the recording's; on the
  // Upstox feed, Upstox's index close, asked once for both books and kept with the snapshots' prices.
  let fetched: FetchedSettlements | undefined;
  if (cfg.FEED === 'upstox') {
    const { createSettlementReader } = await import('../venues/upstox/index.ts');
    const reader = createSettlementReader(upstoxHosts(cfg), log, {
      ...(opts.settlementWallNow !== undefined ? { now: opts.settlementWallNow } : {}),
      ...(opts.settlementRetryMs !== undefined ? { retryMs: opts.settlementRetryMs } : {}),
    });
    fetched = new FetchedSettlements(snapshots, (u, expiry) => reader.price(u, expiry), () => clock.now(), (err, underlying, expiry) => {
      log.warn({ underlying, expiry, err: err.message }, 'settlement price not read (the paper exchange\'s expired positions wait)');
    });
  }
  const known = sim ?? (cfg.FEED === 'replay' ? snapshots : undefined);
  const settling: Settling | undefined = fetched !== undefined
    ? { settlementValue: fetched.settlementValue, settlementPrice: (u, expiry) => fetched.price(u, expiry) }
    : known !== undefined ? { settlementValue: known.settlementValue, settlementPrice: (u, expiry) => known.settlementPrice(u, expiry, clock.now()) } : undefined;
  const broker = new PaperBroker({
    dir: path.join(cfg.DATA_DIR, 'paper'), clock, quotes: market.quote, instruments: market.rules,
    margin: riskMargin(market.describe, market.spot, undefined, () => istDate(clock.now())), capital: cfg.BASE_CAPITAL,
    // The account pays charges as a broker's ledger does (the schedule the boot checked: the same file).
    charges: loadChargesSchedule(cfg.DATA_DIR, istDate(clock.now())),
    ...(settling !== undefined ? { settlement: settling.settlementValue } : {}),
  });
  return {
    broker,
    rules: market.rules,
    multiOrder: true,
    quoteSource,
    ...(settling !== undefined ? { settlementPrice: settling.settlementPrice } : {}),
    ...(sim !== undefined ? { marketResumedFrom: sim.resumedAt } : {}),
    // The sim copy is kept at the clock on every snapshot and tick, not only when an order asks for a quote: with
    // nothing working, the first order of the day would otherwise pay for every step since the start (at 600× an
    // hour of market is ~0.6 s of CPU) and reach the exchange minutes of market time after it was priced.
    onSnapshot: (s) => {
      snapshots.update(s);
      sim?.advanceTo(clock.now());
      broker.match();
    },
    onTick: () => {
      sim?.advanceTo(clock.now());
      broker.match();
    },
  };
}

/** The Upstox host settings (no credential) the paper executor reads on the Upstox feed; config.ts passes exactly these. */
function upstoxHosts(cfg: ExecutorSection): SettlementReaderConfig {
  return {
    UPSTOX_BASE_URL: cfg.UPSTOX_BASE_URL, UPSTOX_ENV: cfg.UPSTOX_ENV ?? 'production',
    UPSTOX_TIMEOUT_MS: cfg.UPSTOX_TIMEOUT_MS ?? 10_000, UPSTOX_PREFER_IPV4: cfg.UPSTOX_PREFER_IPV4 ?? true,
  };
}

export const BROKERS: Readonly<Record<ExecutorSection['SAFETY_MODE'], BrokerFactory>> = {
  paper: (cfg, clock, log, resumeFrom) => paperBroker(cfg, clock, log, resumeFrom),
  live: async (cfg, _clock, log) => {
    const { createUpstoxBroker } = await import('../venues/upstox/index.ts');
    const broker = await createUpstoxBroker(cfg as unknown as Parameters<typeof createUpstoxBroker>[0], log);
    return {
      broker, multiOrder: true, marginCheck: true, venueKillSwitch: true,
      // Expiry settlement on live: the index's official close from Upstox (venues/upstox/settlement.ts), booked once
      // the broker has booked the expiry in the account too.
      settlementPrice: (u, expiry) => broker.settlementPrice(u, expiry), brokerBooksSettlement: true,
    };
  },
};

/** A live venue's access token (Upstox): hot swap and lifecycle events. The token never leaves through events. */
export interface BrokerCredentials {
  set(accessToken: string): void;
  on(listener: (e: { readonly type: string }) => void): () => void;
  inspect(): { state: string; expiresAt: number; fingerprint: string | null };
}

/** The broker's credentials when it has any (UpstoxBroker exposes its TokenStore as `tokens`). */
export function brokerCredentials(broker: Broker): BrokerCredentials | undefined {
  const t = (broker as { tokens?: Partial<BrokerCredentials> }).tokens;
  return t !== undefined && typeof t.set === 'function' && typeof t.on === 'function' && typeof t.inspect === 'function' ? t as BrokerCredentials : undefined;
}
