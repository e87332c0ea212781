/**
 * @module The strategy actor's messages and its protocol map (`StrategyProtocol`): `strategy.propose` (the cycle's
 * execute stage) → Proposal[], `strategy.status` for the dashboard, and the `killswitch.changed` event it listens to. RiskReport and KillSwitchStatus are owned by the
 * safety actors; the views below name only the fields the strategy reads (structural, so either contract satisfies them).
 */
import type { Book } from '../domain/book.ts';
import type { Bucket } from '../domain/bucket.ts';
import type { MarketSnapshot } from '../domain/market-snapshot.ts';
import { PHASES, type Phase } from '../domain/phase.ts';
import type { Proposal } from '../domain/proposal.ts';
import { TRADING_STATES, type TradingState } from '../domain/trading-state.ts';
import type { Underlying } from '../domain/underlying.ts';
import type { BodyParser } from '../../runtime/protocols.ts';
import type { SurfaceCalibrated } from '../calibrator/messages.ts';

/** The part of KillSwitchStatus (actors/killswitch/messages.ts) the strategy reads. */
export interface KillSwitchView {
  readonly state: TradingState;
}

/** One limit row as the strategy reads it (LimitUse in actors/risk/messages.ts). */
export interface RiskLimitView {
  readonly name: string;
  readonly value: number;
  readonly soft: number;
  /** `total` when absent (older reports). */
  readonly scope?: 'total' | 'underlying' | 'expiry';
  readonly underlying?: Underlying;
  readonly expiry?: string;
  readonly signed?: number;
}

/** One breach as the strategy reads it (Breach in actors/risk/messages.ts): greek and stress breaches get reduced. */
export interface RiskBreachView {
  readonly limit: string;
  readonly level: 'soft' | 'hard';
  readonly scope?: 'total' | 'underlying' | 'expiry';
  readonly underlying?: Underlying;
  readonly expiry?: string;
  readonly value: number;
  readonly signed?: number;
  readonly threshold: number;
}

/**
 * The part of RiskReport (actors/risk/messages.ts) the strategy reads: any limit breach (soft or hard) blocks new
 * entries and a greek or stress breach gets a reducing proposal; the risk actor's bucket capital (which follows
 * `/api/capital/adjust`) overrides the configured split; fired portfolio stops close and block.
 */
export interface RiskView {
  readonly breaches?: readonly RiskBreachView[];
  readonly buckets?: readonly { readonly bucket: Bucket; readonly capital: number; readonly available?: number }[];
  /** Each limited measure's current value and soft level: entries are sized to stay below the soft level (sizing.ts). */
  readonly limits?: readonly RiskLimitView[];
  /** The configured hard levels: a limit row the book does not touch yet (a new expiry) is sized against these. */
  readonly levels?: { readonly softRatio: number; readonly gammaExpiry?: number; readonly vegaExpiry?: number; readonly betas?: Readonly<Partial<Record<Underlying, number>>> };
  /** Portfolio stops (actors/risk/stops.ts): fired ones close what they cover and block entries for the IST day. */
  readonly stops?: {
    readonly accountBlocked: boolean;
    readonly blockedBuckets: readonly Bucket[];
    readonly account?: { readonly triggered: { readonly kind: string; readonly pnl: number; readonly level: number } | null };
    readonly buckets?: readonly { readonly scope: string; readonly triggered: { readonly kind: string; readonly pnl: number; readonly level: number } | null }[];
  };
}

export interface ProposeRequest {
  readonly cycleId: string;
  readonly snapshot: MarketSnapshot;
  readonly surface: SurfaceCalibrated;
  readonly book: Book;
  readonly risk: RiskView;
  readonly killswitch: KillSwitchView;
  readonly phase: Phase;
}

/** Why the strategy did not enter (a closed set: these are expected "no"s, journaled and shown, never thrown). */
export type SkipReason =
  | 'BUCKET_OFF' | 'MARKET_CLOSED' | 'KILLSWITCH_NOT_NORMAL' | 'RISK_LIMITS' | 'LOW_QUALITY' | 'OUTSIDE_WINDOW'
  | 'NO_EXPIRY' | 'LATE_ON_EXPIRY_DAY' | 'NO_SURFACE' | 'FALLBACK_SURFACE' | 'RV_UNKNOWN' | 'IV_BELOW_RV'
  | 'NO_STRIKES' | 'CREDIT_TOO_SMALL' | 'MAX_OPEN' | 'RISK_BUDGET' | 'RISK_HEADROOM' | 'COOLDOWN'
  | 'EVENT_CALENDAR' | 'MTM_STOP' | 'REENTRY_COOLDOWN' | 'MAX_ENTRIES_DAY'
  /** The cycle's snapshot was older than one already acted on (bad data): nothing proposed. */
  | 'STALE_MARKET';

export interface EntrySkipped {
  readonly bucket: Bucket;
  readonly underlying: Underlying | null;
  readonly reason: SkipReason;
  readonly detail: string;
}

/** Body of the `strategy.eventCalendar` journal entry: the event calendar changed a decision (once per day and effect). */
export interface EventActed {
  readonly date: string;
  readonly kind: string;
  readonly action: 'skip_entries' | 'halve_size' | 'close_before';
  readonly provisional: boolean;
  readonly note: string;
  readonly source: string;
  readonly effect: 'entries skipped' | 'size halved' | 'close proposed';
  readonly bucket: Bucket;
  readonly underlying: Underlying;
  readonly structureId?: string;
  readonly marketTs: number;
}

/** Reply to `strategy.status`. */
export interface StrategyStatus {
  readonly lastCycleId: string | null;
  readonly lastTs: number | null;
  readonly killswitch: TradingState | null;
  readonly realisedVol: Readonly<Partial<Record<Underlying, number>>>;
  readonly lastProposals: readonly Proposal[];
  readonly lastSkipped: readonly EntrySkipped[];
  readonly proposalsTotal: number;
  /** Snapshots refused as older than the latest seen (market time never runs backwards). */
  readonly olderRefused: number;
}

/** The strategy's protocol (runtime/protocols.ts): every message it accepts, its body and its reply. */
export interface StrategyProtocol {
  /** Main, once a cycle (execute, while the trading loop runs). */
  'strategy.propose': { in: ProposeRequest; out: readonly Proposal[] };
  /** Gateway/dashboard. */
  'strategy.status': { in: Readonly<Record<string, never>>; out: StrategyStatus };
  /** Event from the kill switch; a state it does not know is logged and ignored (the cycle's own view still holds). */
  'killswitch.changed': { in: KillSwitchView; out: void };
}

declare module '../../runtime/protocols.ts' {
  interface ActorProtocols {
    strategy: StrategyProtocol;
  }
}

/** Edge check of `strategy.propose`: by hand and shallow (every cycle; see parseProposeRequest). */
export const proposeRequestCheck: BodyParser<ProposeRequest> = { parse: (body) => parseProposeRequest(body) };

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? JSON.stringify(v) : typeof v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks the shape of a `strategy.propose` body at the actor's edge (fields the core relies on; typed arrays are
 * trusted from the feed's own contract). @throws TypeError "expected X, was Y".
 */
export function parseProposeRequest(body: unknown): ProposeRequest {
  if (!isObject(body)) throw new TypeError(`strategy.propose: expected an object body, was ${describe(body)}`);
  const { cycleId, snapshot, surface, book, risk, killswitch, phase } = body;
  if (typeof cycleId !== 'string' || cycleId.length === 0) throw new TypeError(`strategy.propose: expected a cycleId string, was ${describe(cycleId)}`);
  if (!isObject(snapshot) || typeof snapshot['ts'] !== 'number' || !Number.isFinite(snapshot['ts'])) {
    throw new TypeError(`strategy.propose: expected snapshot with a finite ts, was ${describe(isObject(snapshot) ? snapshot['ts'] : snapshot)}`);
  }
  if (!Array.isArray(snapshot['expiries']) || !Array.isArray(snapshot['spots']) || !isObject(snapshot['quality'])) {
    throw new TypeError('strategy.propose: expected snapshot.expiries, snapshot.spots and snapshot.quality');
  }
  if (!isObject(surface) || !Array.isArray(surface['expiries'])) throw new TypeError(`strategy.propose: expected surface.expiries, was ${describe(surface)}`);
  if (!isObject(book) || !Array.isArray(book['structures'])) throw new TypeError(`strategy.propose: expected book.structures, was ${describe(book)}`);
  if (!isObject(risk)) throw new TypeError(`strategy.propose: expected a risk report object, was ${describe(risk)}`);
  checkRiskSizing(risk);
  if (!isObject(killswitch) || !TRADING_STATES.includes(killswitch['state'] as TradingState)) {
    throw new TypeError(`strategy.propose: expected killswitch.state ${TRADING_STATES.join('|')}, was ${describe(isObject(killswitch) ? killswitch['state'] : killswitch)}`);
  }
  if (!PHASES.includes(phase as Phase)) throw new TypeError(`strategy.propose: expected phase ${PHASES.join('|')}, was ${describe(phase)}`);
  return body as unknown as ProposeRequest;
}

/** Checks the optional sizing fields of a risk report at the actor's edge. @throws TypeError "expected X, was Y". */
export function checkRiskSizing(risk: Record<string, unknown>): void {
  const limits = risk['limits'];
  if (limits !== undefined) {
    if (!Array.isArray(limits)) throw new TypeError(`strategy.propose: expected risk.limits an array, was ${typeof limits}`);
    for (const l of limits as unknown[]) {
      const o = l as Record<string, unknown> | null;
      if (typeof o !== 'object' || o === null || typeof o['name'] !== 'string' || typeof o['value'] !== 'number' || typeof o['soft'] !== 'number') {
        throw new TypeError(`strategy.propose: expected risk.limits entries {name, value, soft} with numbers, was ${JSON.stringify(l)}`);
      }
    }
  }
  const breaches = risk['breaches'];
  if (breaches !== undefined) {
    if (!Array.isArray(breaches)) throw new TypeError(`strategy.propose: expected risk.breaches an array, was ${typeof breaches}`);
    for (const b of breaches as unknown[]) {
      const o = b as Record<string, unknown> | null;
      if (typeof o !== 'object' || o === null || typeof o['limit'] !== 'string' || (o['level'] !== 'soft' && o['level'] !== 'hard')
        || typeof o['value'] !== 'number' || typeof o['threshold'] !== 'number') {
        throw new TypeError(`strategy.propose: expected risk.breaches entries {limit, level: soft|hard, value, threshold}, was ${JSON.stringify(b)}`);
      }
    }
  }
  const stops = risk['stops'];
  if (stops !== undefined) {
    const o = stops as Record<string, unknown> | null;
    if (typeof o !== 'object' || o === null || typeof o['accountBlocked'] !== 'boolean' || !Array.isArray(o['blockedBuckets'])) {
      throw new TypeError(`strategy.propose: expected risk.stops {accountBlocked: boolean, blockedBuckets: []}, was ${JSON.stringify(stops)}`);
    }
  }
  const levels = risk['levels'];
  if (levels !== undefined && (typeof levels !== 'object' || levels === null || typeof (levels as Record<string, unknown>)['softRatio'] !== 'number')) {
    throw new TypeError(`strategy.propose: expected risk.levels {softRatio, …}, was ${JSON.stringify(levels)}`);
  }
  const buckets = risk['buckets'];
  if (buckets !== undefined) {
    if (!Array.isArray(buckets)) throw new TypeError(`strategy.propose: expected risk.buckets an array, was ${typeof buckets}`);
    for (const b of buckets as unknown[]) {
      const o = b as Record<string, unknown> | null;
      const avail = o?.['available'];
      if (typeof o !== 'object' || o === null || typeof o['bucket'] !== 'string' || (avail !== undefined && typeof avail !== 'number')) {
        throw new TypeError(`strategy.propose: expected risk.buckets entries {bucket, capital, available?}, was ${JSON.stringify(b)}`);
      }
    }
  }
}
