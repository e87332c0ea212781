/**
 * @module What the gateway needs from the running system, as one interface. `createApp(deps)` takes it, so tests can
 * pass a fake and call `app.request()` without sockets; `volguard run` passes the real one (runtime/system.ts).
 * The gateway never blocks the trading loop: everything here reads state by message, with timeouts.
 */
import type { Clock } from '../runtime/clock.ts';
import type { Config } from '../runtime/main/config.ts';
import type { ActorInfo, FaultKind, SupervisorInfo } from '../runtime/status.ts';

export interface StageTimings {
  readonly [stage: string]: number;
}

export interface LoopStatus {
  readonly loop: 'running' | 'stopped';
  readonly cycles: number;
  readonly lastCycle: { readonly id: string; readonly ts: number; readonly durationMs: number; readonly stages: StageTimings; readonly overrun: boolean } | null;
  readonly uptimeMs: number;
}

/** `requested` is journaled before a control action runs; one of the others after it, under the same `requestId`. */
export type AuditOutcome = 'requested' | 'done' | 'refused' | 'failed';

export interface AuditEntry {
  readonly who: string;
  readonly role: 'viewer' | 'operator' | 'admin';
  readonly action: string;
  readonly reason?: string;
  readonly details?: unknown;
  readonly outcome?: AuditOutcome;
  /** Pairs an action's `requested` record with its outcome record. */
  readonly requestId?: string;
  /** Why it was refused or failed (an error code and its message), or what was done. */
  readonly result?: { readonly code: string; readonly message: string };
}

export interface Tokens {
  readonly admin: string;
  readonly operator?: string;
  readonly viewer?: string;
}

export interface GatewayDeps {
  readonly config: Config;
  readonly clock: Clock;
  readonly tokens: Tokens;
  /** The live tree (synchronous: kept current by the supervisors). */
  actors(): readonly ActorInfo[];
  supervisors(): readonly SupervisorInfo[];
  /** The actor's own `inspect()` answer, with a timeout; rejects at once if the actor exits. */
  inspect(name: string, timeoutMs?: number): Promise<unknown>;
  /** Request/reply to an actor (`ActorUnavailableError` / `RequestTimeoutError` on failure). */
  request<T = unknown>(actor: string, type: string, body?: unknown, timeoutMs?: number): Promise<T>;
  /** Injects a fault (chaos); throws if the actor is unknown or not running. */
  fault(name: string, kind: FaultKind): void;
  /** Liveness/readiness: ok when every permanent actor runs and the last cycle is fresh. */
  health(): { readonly ok: boolean; readonly reasons: readonly string[] };
  readonly loop: {
    status(): LoopStatus;
    start(): void;
    stop(): void;
  };
  /** Prometheus text of every actor's registry plus main's, aggregated. */
  metrics(): Promise<string>;
  /** Writes a control-plane action to the journal's audit log; resolves once durable. */
  audit(entry: AuditEntry): Promise<void>;
  /** Live events (killswitch.changed, cycle.completed, approvals, …) for the dashboard WebSocket. */
  onEvent(listener: (type: string, body: unknown) => void): () => void;
}
