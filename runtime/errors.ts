/**
 * @module Typed errors, mapped once at the edge (gateway, CLI). Messages read "expected X, was Y".
 */

/** Base class: every VolGuard error has a stable machine-readable `code`. */
export class VolguardError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A broken invariant: the actor crashes and its supervisor decides. */
export class InvariantError extends VolguardError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVARIANT', message, options);
  }
}

export interface ConfigIssue {
  readonly variable: string;
  readonly message: string;
}

/** Configuration rejected at boot; lists every problem at once. */
export class ConfigError extends VolguardError {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super('CONFIG', `invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n')}`);
    this.issues = issues;
  }
}

/** The journal could not do what was asked (map full, disk full, undecodable entry, broken chain). */
export class JournalError extends VolguardError {
  readonly kind: 'MAP_FULL' | 'DISK_FULL' | 'DECODE' | 'CHAIN' | 'GAP' | 'IO' | 'CLOSED';
  constructor(kind: JournalError['kind'], message: string, options?: { cause?: unknown }) {
    super(`JOURNAL_${kind}`, message, options);
    this.kind = kind;
  }
}

/** The addressed actor is not running (restarting, stopped, or its buffer overflowed). */
export class ActorUnavailableError extends VolguardError {
  readonly actor: string;
  constructor(actor: string, message: string) {
    super('ACTOR_UNAVAILABLE', message);
    this.actor = actor;
  }
}

/**
 * An actor could not start because an actor it depends on (spec `dependsOn`) is down:
 * - `lost`: the dependency exited while this actor's init() was talking to it;
 * - `blocked`: the dependency's restart is queued behind this very start (its supervisor is busy starting us), so
 *   waiting would deadlock: the supervisor must handle the dependency first;
 * - `timeout`: it did not come back within this actor's start timeout (a genuine failure to start).
 */
export class DependencyDownError extends VolguardError {
  readonly actor: string;
  readonly dependency: string;
  readonly why: 'lost' | 'blocked' | 'timeout';
  constructor(actor: string, dependency: string, why: DependencyDownError['why'], options?: { cause?: unknown; timeoutMs?: number }) {
    const detail = why === 'lost' ? 'it exited during our start' : why === 'blocked' ? 'its restart is queued behind this start' : `not running within ${options?.timeoutMs ?? '?'} ms`;
    super('DEPENDENCY_DOWN', `expected ${dependency} running to start ${actor}, was down (${detail})`, options);
    this.actor = actor;
    this.dependency = dependency;
    this.why = why;
  }
}

/** A request got no reply in time. */
export class RequestTimeoutError extends VolguardError {
  constructor(actor: string, type: string, timeoutMs: number) {
    super('REQUEST_TIMEOUT', `expected a reply from ${actor} to ${type} within ${timeoutMs} ms, got none`);
  }
}

/** An error that crossed a thread boundary: name, code, message and stack are preserved as data. */
export interface SerializedError {
  readonly name: string;
  readonly code?: string;
  readonly message: string;
  readonly stack?: string;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return {
      name: err.name,
      message: err.message,
      ...(typeof code === 'string' ? { code } : {}),
      ...(err.stack !== undefined ? { stack: err.stack } : {}),
    };
  }
  return { name: 'NonError', message: String(err) };
}

/** Rebuilds an error thrown in another thread; keeps its name and code so callers can branch on them. */
export function deserializeError(e: SerializedError): VolguardError {
  const err = new VolguardError(e.code ?? 'REMOTE', e.message);
  err.name = e.name;
  if (e.stack !== undefined) err.stack = e.stack;
  return err;
}

/**
 * An input stamped with a market time before the latest one the actor has acted on (DESIGN.md §8): bad data, refused
 * with this error reply and counted; the actor carries on (never an InvariantError, never a crash).
 */
export class OlderInputError extends VolguardError {
  readonly input: string;
  readonly ts: number;
  readonly lastTs: number;
  constructor(actor: string, older: { readonly input: string; readonly ts: number; readonly lastTs: number }) {
    super('OLDER_INPUT', `${actor}: expected ${older.input} at or after ${new Date(older.lastTs).toISOString()} (the latest seen), was ${new Date(older.ts).toISOString()}: refused as bad data`);
    this.input = older.input;
    this.ts = older.ts;
    this.lastTs = older.lastTs;
  }
}
