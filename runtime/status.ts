/**
 * @module What the kernel reports about its actors and supervisors: an actor's lifecycle status, how it last exited,
 * the faults that can be injected, and the inspector's rows. Owned here; the gateway shows them.
 */

export type ActorStatus = 'starting' | 'running' | 'stopping' | 'restarting' | 'stopped' | 'failed';

export interface ExitInfo {
  /** normal | shutdown | crash | hung | oom | exit:<code> | start-failed */
  readonly reason: string;
  readonly error?: string;
  readonly stack?: string;
  readonly at: number;
}

/** Faults the runtime can inject into an actor (chaos): a throw, a blocked event loop, a heap blow-up, an exit. */
export type FaultKind = 'crash' | 'hang' | 'oom' | 'exit';

export interface ActorInfo {
  readonly name: string;
  /** Path in the supervision tree, e.g. `root/trading/executor`. */
  readonly path: string;
  readonly status: ActorStatus;
  readonly threadId: number | null;
  readonly incarnation: number;
  readonly restarts: number;
  readonly restartsInWindow: number;
  readonly lastExit: ExitInfo | null;
  readonly uptimeMs: number;
  readonly mailbox: number;
  readonly msgsIn: number;
  readonly msgsOut: number;
  /** Event-loop utilisation over the last heartbeat interval, [0, 1]. */
  readonly elu: number;
  readonly heapUsedBytes: number;
}

export interface SupervisorInfo {
  readonly name: string;
  readonly path: string;
  readonly strategy: string;
  readonly intensity: number;
  readonly periodMs: number;
  readonly restartsInWindow: number;
  readonly status: 'running' | 'stopped' | 'failed';
  readonly children: readonly string[];
}
