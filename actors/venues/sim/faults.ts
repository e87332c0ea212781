/**
 * @module Feed fault injection: a pure transformer between any source (sim, replay, upstox) and the feed's book.
 *
 * Faults act on the data path, not on the market model, so the paper exchange keeps the true prices while the feed
 * sees bad data — exactly the situation the data-quality score and the kill switch must catch. Durations are wall
 * milliseconds (the same clock the stall detector uses). At injection the feed passes the current state of the
 * near-the-money instruments, so crossed/locked/missing/gap take effect at once rather than at the next refresh.
 */
import type { Tick } from '../market-data.ts';

export const FAULT_KINDS = ['silence', 'stale', 'crossed', 'locked', 'missing', 'gap', 'burst'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRequest {
  readonly kind: FaultKind;
  readonly seconds?: number;
}

export interface FaultTargets {
  /** Current ticks (full state) of the near-the-money options the fault should hit. */
  readonly options: readonly Tick[];
  /** Current ticks of the index spots (NIFTY, BANKNIFTY). */
  readonly spots: readonly Tick[];
}

export const DEFAULT_FAULT_SECONDS: Readonly<Record<FaultKind, number>> = {
  silence: 10, stale: 60, crossed: 30, locked: 30, missing: 30, gap: 30, burst: 10,
};
/** A spot gap: the index moves this much while the options do not (forward consistency must notice). */
export const GAP_FRACTION = 0.02;
const BURST_COPIES = 10;

interface Active {
  readonly kind: FaultKind;
  readonly until: number;
  readonly keys: ReadonlySet<string>;
}

/** Parses a chaos request body; throws "expected X, was Y". */
export function parseFaultRequest(body: unknown): FaultRequest {
  if (typeof body !== 'object' || body === null) throw new TypeError(`expected {kind, seconds?}, was ${JSON.stringify(body)}`);
  const { kind, seconds } = body as { kind?: unknown; seconds?: unknown };
  if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new TypeError(`expected kind one of ${FAULT_KINDS.join('|')}, was ${JSON.stringify(kind)}`);
  }
  if (seconds !== undefined && !(typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 && seconds <= 86_400)) {
    throw new TypeError(`expected seconds in (0, 86400], was ${JSON.stringify(seconds)}`);
  }
  return seconds === undefined ? { kind: kind as FaultKind } : { kind: kind as FaultKind, seconds };
}

export class FaultInjector {
  #active: Active[] = [];
  #pending: Tick[] = [];

  /** Starts a fault now; returns when it ends (wall ms). */
  inject(req: FaultRequest, wallNow: number, targets: FaultTargets): number {
    const until = wallNow + 1000 * (req.seconds ?? DEFAULT_FAULT_SECONDS[req.kind]);
    const optionKeys = new Set(targets.options.map((t) => t.instrumentKey));
    const spotKeys = new Set(targets.spots.map((t) => t.instrumentKey));
    this.#active.push({ kind: req.kind, until, keys: req.kind === 'gap' ? spotKeys : optionKeys });
    const now = (t: Tick) => t.ts;
    switch (req.kind) {
      case 'crossed':
      case 'locked':
      case 'missing':
        for (const t of targets.options) this.#pending.push(distort(req.kind, t, now(t)));
        break;
      case 'gap':
        for (const t of targets.spots) this.#pending.push(distort('gap', t, now(t)));
        break;
      default:
        break;
    }
    return until;
  }

  /** Kinds active at `wallNow`. */
  active(wallNow: number): FaultKind[] {
    return this.#active.filter((a) => a.until > wallNow).map((a) => a.kind);
  }

  clear(): void {
    this.#active = [];
    this.#pending = [];
  }

  /** Applies the active faults to a batch (and releases ticks queued at injection). */
  apply(ticks: readonly Tick[], wallNow: number): readonly Tick[] {
    if (this.#active.length === 0) return ticks;
    this.#active = this.#active.filter((a) => a.until > wallNow);
    if (this.#active.length === 0) {
      this.#pending = [];
      return ticks;
    }
    if (this.#active.some((a) => a.kind === 'silence')) return [];
    let out: Tick[] = this.#pending.length > 0 ? [...this.#pending, ...ticks] : [...ticks];
    this.#pending = [];
    for (const a of this.#active) {
      if (a.kind === 'burst') {
        const copies: Tick[] = [];
        for (let c = 0; c < BURST_COPIES; c++) copies.push(...out);
        out = copies;
        continue;
      }
      if (a.kind === 'stale') {
        out = out.filter((t) => !a.keys.has(t.instrumentKey));
        continue;
      }
      out = out.map((t) => (a.keys.has(t.instrumentKey) ? distort(a.kind, t, t.ts) : t));
    }
    return out;
  }
}

function distort(kind: FaultKind, t: Tick, ts: number): Tick {
  switch (kind) {
    case 'crossed': {
      const bid = t.bid ?? 0;
      const ask = t.ask ?? 0;
      return { ...t, ts, bid: Math.max(bid, ask) + 0.1, ask: Math.max(Math.min(bid, ask), 0.05) };
    }
    case 'locked': {
      const p = t.ask ?? t.bid ?? 0;
      return { ...t, ts, bid: p, ask: p };
    }
    case 'missing':
      return { instrumentKey: t.instrumentKey, ts, bid: 0, ask: 0, bidQty: 0, askQty: 0 };
    case 'gap':
      return t.ltp === undefined ? t : { ...t, ts, ltp: Math.round(t.ltp * (1 + GAP_FRACTION) * 20) / 20 };
    default:
      return t;
  }
}
