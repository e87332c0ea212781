/**
 * @module The runtime's own protocol between main and an actor worker (everything the actor author never sees).
 *
 *   main ──workerData──────────────▶ worker      ActorWorkerData (name, incarnation, config, clock, heartbeat)
 *   main ──{sys:'wire',peer,port}──▶ worker      a direct MessageChannel end to a peer (after any restart)
 *   main ──{sys:'down',peer}───────▶ worker      peer exited: reject pending requests to it, buffer sends
 *   main ──{sys:'comlink',port}────▶ worker      the read-only admin port (inspect, metrics)
 *   main ──envelope sys.ping/fault/shutdown──▶ worker
 *   worker ──envelope sys.ready / sys.pong──▶ main
 *   worker ──{sys:'log',line}──────▶ main        JSON log lines; main owns the log file
 */
import type { ClockSpec } from './clock.ts';

export interface ActorWorkerData {
  readonly name: string;
  readonly incarnation: number;
  readonly config: unknown;
  readonly clock: ClockSpec;
  readonly heartbeatMs: number;
  readonly logLevel: string;
  /** Max messages buffered per restarting peer before sends are dropped (and requests rejected). */
  readonly bufferLimit: number;
  /** Secret strings the worker's logger must scrub. */
  readonly secrets: readonly string[];
}

export type ControlToWorker =
  | { readonly sys: 'wire'; readonly peer: string; readonly port: import('node:worker_threads').MessagePort }
  | { readonly sys: 'down'; readonly peer: string; readonly reason: string }
  | { readonly sys: 'comlink'; readonly port: import('node:worker_threads').MessagePort };

export type ControlFromWorker = { readonly sys: 'log'; readonly line: string };

export interface PongBody {
  readonly heapUsedBytes: number;
  readonly mailbox: number;
  readonly msgsIn: number;
  readonly msgsOut: number;
  readonly pending: number;
  readonly dropped: number;
}

/** What every actor exposes on its comlink admin port. */
export interface AdminApi {
  inspect(): Promise<unknown>;
  metrics(): Promise<unknown[]>;
}

export const SYS = {
  ready: 'sys.ready',
  ping: 'sys.ping',
  pong: 'sys.pong',
  fault: 'sys.fault',
  shutdown: 'sys.shutdown',
} as const;

export function isControl(value: unknown): value is { sys: string } {
  return typeof value === 'object' && value !== null && typeof (value as { sys?: unknown }).sys === 'string';
}
