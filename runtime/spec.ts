/**
 * @module What the runtime knows about an actor: its spec. Each actor folder's index.ts builds one.
 */
import type { ResourceLimits } from 'node:worker_threads';

/** OTP child restart type. */
export type RestartType = 'permanent' | 'transient' | 'temporary';
/** OTP supervisor strategy. */
export type Strategy = 'one_for_one' | 'rest_for_one' | 'one_for_all';

/** Akka-style exponential backoff with jitter, for children that talk to the outside world. */
export interface BackoffSpec {
  readonly minMs: number;
  readonly maxMs: number;
  /** delay = min(maxMs, minMs * 2^n) * (1 + U[0,1) * randomFactor) */
  readonly randomFactor: number;
  /** A child that stays up this long resets its failure count. */
  readonly resetAfterMs: number;
}

export interface ActorSpec {
  readonly kind?: 'actor';
  /** Unique name; also the address other actors use. */
  readonly name: string;
  /** Worker entry module, relative to the repository root, e.g. `actors/journal/worker.ts`. */
  readonly entry: string;
  /** The actor's own config slice; must be structured-clone safe. */
  readonly config?: unknown;
  readonly restart?: RestartType;
  /** Graceful shutdown time before terminate(); 0 = brutal kill. Default 5000. */
  readonly shutdownMs?: number;
  /** Time allowed from spawn to `ready`. Default 10000. */
  readonly startTimeoutMs?: number;
  readonly resourceLimits?: ResourceLimits;
  /** Actors this one talks to directly; the supervisor wires a MessageChannel for each pair. */
  readonly peers?: readonly string[];
  /**
   * Actors this one needs in order to start (its init() asks them, e.g. the journal for recovery). Each must come
   * earlier in the tree's start order. A (re)start waits for them to be running, up to `startTimeoutMs`; a start that
   * fails because one of them went down is not a failure of this actor (it does not count toward intensity).
   */
  readonly dependsOn?: readonly string[];
  readonly backoff?: BackoffSpec;
}

export interface SupervisorSpec {
  readonly kind: 'supervisor';
  readonly name: string;
  readonly strategy: Strategy;
  /** OTP MaxR: more than this many restarts within `periodMs` and the supervisor gives up. */
  readonly intensity: number;
  readonly periodMs: number;
  readonly restart?: RestartType;
  readonly children: readonly ChildSpec[];
}

export type ChildSpec = ActorSpec | SupervisorSpec;

export function isSupervisorSpec(spec: ChildSpec): spec is SupervisorSpec {
  return spec.kind === 'supervisor';
}
