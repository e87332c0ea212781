/**
 * @module The kill switch's shell logic, separate from the worker so it can be tested with fakes: runs the core's
 * effects in order, persists the latch durably before anyone is told (a step towards safety the journal cannot
 * persist still takes effect, in memory: #persist), and drives the EMERGENCY flatten through the executor. One
 * operation at a time is the actor's mailbox's doing (every public method is one message's handler).
 *
 * Ordering: effects run as the core lists them — persist (awaited: kvPut resolves once flushed) → journal →
 * announce (`killswitch.changed` to executor, strategy, risk, main) → flatten/alert. A flatten started by a
 * command is awaited inside that command; one started by a trigger (evaluate, naked leg) is the very next message
 * (`flattenNext`: the runtime's ctx.next), so the trigger's sender gets its answer at once while every later message
 * waits for the flatten. A failed flatten's retry is a timer message (`retryAfter`: the runtime's ctx.after).
 */
import type { FlattenResult } from '../executor/messages.ts';
import { PHASES, type Phase } from '../domain/phase.ts';
import {
  initialKsState, latchOf, restore, resumeEffects, statusOf, transition,
  type Answer, type Effect, type KsInput, type KsState, type Latch,
} from './core.ts';
import type { EmergencyAnswer, KillSwitchStatus, ResetAnswer } from './messages.ts';
import { TRADING_STATES } from '../domain/trading-state.ts';
import { FLATTEN_RETRIES, FLATTEN_RETRY_MAX_MS, FLATTEN_RETRY_MS, type KillSwitchSettings } from './settings.ts';

export const LATCH_KEY = 'killswitch.latch';

/** `after` permits nothing `before` did not: its trading state is as high or higher, its effective phase as low or lower. */
function noLessSafe(before: KsState, after: KsState): boolean {
  const b = statusOf(before);
  const a = statusOf(after);
  return TRADING_STATES.indexOf(a.state) >= TRADING_STATES.indexOf(b.state) && PHASES.indexOf(a.effectivePhase) <= PHASES.indexOf(b.effectivePhase);
}
export const ANNOUNCE_TO = ['executor', 'strategy', 'risk', 'main'] as const;

export interface KillSwitchPorts {
  readonly journal: {
    append(type: string, body: unknown, opts?: { cycleId?: string }): Promise<unknown>;
    kvGet<T = unknown>(key: string): Promise<{ value: T | null }>;
    kvPut(key: string, value: unknown): Promise<unknown>;
  };
  send(to: string, type: string, body: unknown): void;
  request<T>(to: string, type: string, body: unknown, opts: { timeoutMs: number }): Promise<T>;
  now(): number;
  /** Runs `runFlatten(reason)` as the very next operation, ahead of anything waiting (the worker: ctx.next). */
  flattenNext(reason: string): void;
  /** Runs `retryFlatten(retry)` after `ms` wall ms, in turn with every other operation (the worker: ctx.after). */
  retryAfter(ms: number, retry: FlattenRetry): void;
  /** Called after every step (metrics). */
  onStatus?(status: KillSwitchStatus): void;
  warn?(obj: object, msg: string): void;
}

/** A scheduled retry of a failed EMERGENCY flatten. */
export interface FlattenRetry {
  readonly attempt: number;
  readonly of: number;
  readonly lastError: string;
}

export class KillSwitchService {
  readonly #settings: KillSwitchSettings;
  readonly #ports: KillSwitchPorts;
  #state: KsState;
  #lastFlattenError: string | null = null;
  /** Retries of the failed flatten so far in this EMERGENCY (reset when a flatten succeeds). */
  #retries = 0;
  #retryScheduled = false;

  constructor(settings: KillSwitchSettings, configuredPhase: Phase, ports: KillSwitchPorts) {
    this.#settings = settings;
    this.#ports = ports;
    this.#state = initialKsState(configuredPhase, ports.now());
  }

  get status(): KillSwitchStatus {
    return statusOf(this.#state);
  }

  /** Restores the latch; a restored EMERGENCY re-runs its flatten as the first operation. */
  async init(): Promise<void> {
    const { value } = await this.#ports.journal.kvGet<Latch>(LATCH_KEY);
    if (value !== null) {
      this.#state = restore(this.#state.configuredPhase, value, this.#ports.now());
      await this.#ports.journal.append('killswitch.restored', { state: value.state, cause: value.cause });
      const resume = resumeEffects(this.#state);
      if (resume.length > 0) {
        this.#state = { ...this.#state, flattening: true };
        this.#ports.flattenNext(resume[0]!.kind === 'flatten' ? resume[0]!.reason : 'resume');
      }
    }
    this.#ports.onStatus?.(this.status);
  }

  /** Events (feed stalls, restarts, token, journal faults, naked legs, evaluate): the status after. */
  async apply(input: KsInput): Promise<KillSwitchStatus> {
    const answer = await this.#step(input, 'next');
    if (!answer.ok && input.type === 'evaluate') throw new Error(answer.refused);
    return this.status;
  }

  async reset(reason: string, who: string): Promise<ResetAnswer> {
    if (this.#state.holding.JOURNAL_FAULT) {
      // Probe: a journal that accepts this write is writing again.
      try {
        await this.#ports.journal.append('killswitch.journalProbe', { who });
        await this.#step({ type: 'journalRecovered' }, 'next');
      } catch (err) {
        this.#ports.warn?.({ err }, 'journal still failing');
      }
    }
    const answer = await this.#step({ type: 'reset', reason, who }, 'next');
    return answer.ok ? { ok: true, status: this.status } : { ...answer, status: this.status };
  }

  /** Enters EMERGENCY and answers only once the flatten resolved (success → HALTED; failure → EMERGENCY + alert). */
  async emergency(reason: string, who: string, stopLoop: boolean): Promise<EmergencyAnswer> {
    const answer = await this.#step({ type: 'emergency', reason, who }, 'inline');
    if (!answer.ok) return { flattened: false, error: answer.refused, stopLoop, status: this.status };
    const ok = this.#state.state === 'HALTED';
    return {
      flattened: ok, stopLoop, status: this.status,
      ...(ok ? {} : { error: this.#lastFlattenError ?? 'flatten did not complete' }),
    };
  }

  halt(reason: string, who: string): Promise<KillSwitchStatus> {
    return this.apply({ type: 'halt', reason, who });
  }

  /** The flatten a trigger started (`flattenNext`), or the one start-up recovery resumes. */
  runFlatten(reason: string): Promise<void> {
    return this.#runFlatten(reason);
  }

  /** A scheduled retry (`retryAfter`); one that finds EMERGENCY over (or a flatten running) does nothing. */
  async retryFlatten(retry: FlattenRetry): Promise<void> {
    this.#retryScheduled = false;
    await this.#step({ type: 'retryFlatten', attempt: retry.attempt, of: retry.of, lastError: retry.lastError }, 'inline');
  }

  /** One core step and its effects. `flattenMode` says whether a flatten runs now or as the very next operation. */
  async #step(input: KsInput, flattenMode: 'inline' | 'next'): Promise<Answer> {
    const before = this.#state;
    const { state, effects, answer } = transition(this.#state, input, this.#ports.now(), this.#settings);
    this.#state = state;
    let flatten: string | null = null;
    for (const e of effects) {
      if (e.kind === 'flatten') flatten = e.reason;
      else if (e.kind === 'persist') await this.#persist(e.latch, before);
      else await this.#effect(e, input);
    }
    this.#ports.onStatus?.(this.status);
    if (flatten !== null) {
      if (flattenMode === 'inline') await this.#runFlatten(flatten);
      else this.#ports.flattenNext(flatten);
    }
    return answer;
  }

  /**
   * The latch is durable before anyone is told — except when the journal itself cannot write (a full disk): then a
   * step towards more safety (a higher state, a lower effective phase) still takes effect and is announced, in
   * memory (fail closed; crashing here would restart the kill switch from the last durable latch, often NORMAL, while
   * the journal is broken). A step back towards less safety is undone and fails: it must be durable first.
   */
  async #persist(latch: Latch, before: KsState): Promise<void> {
    try {
      await this.#ports.journal.kvPut(LATCH_KEY, latch);
    } catch (err) {
      if (!noLessSafe(before, this.#state)) {
        this.#state = before;
        throw err;
      }
      this.#ports.warn?.({ err, state: this.#state.state }, 'kill switch latch not persisted (journal failing): in effect in memory, fail closed');
    }
  }

  async #effect(e: Exclude<Effect, { kind: 'flatten' | 'persist' }>, input: KsInput): Promise<void> {
    switch (e.kind) {
      case 'journal': {
        const cycleId = input.type === 'evaluate' ? input.body.cycleId : undefined;
        try {
          await this.#ports.journal.append(e.type, e.body, cycleId !== undefined ? { cycleId } : {});
        } catch (err) {
          // The latch is already durable; a lost history line must not block the safety action itself.
          this.#ports.warn?.({ err, type: e.type }, 'journal append failed');
        }
        return;
      }
      case 'changed':
        for (const to of ANNOUNCE_TO) this.#ports.send(to, 'killswitch.changed', e.status);
        return;
      case 'alert':
        this.#ports.send('main', 'killswitch.alertRaised', { reason: e.reason, evidence: e.evidence, status: this.status });
        return;
    }
  }

  async #runFlatten(reason: string): Promise<void> {
    let result: KsInput;
    this.#lastFlattenError = null;
    try {
      // The executor answers a FlattenResult; only `flat: true` proves the book is flat. An answer that gave up
      // (positions left, e.g. the exchange refused every exit) is a failed flatten, never "FLATTENED".
      const answer = await this.#ports.request<Partial<FlattenResult> | null>('executor', 'executor.flatten', { reason }, { timeoutMs: this.#settings.flattenTimeoutMs });
      if (answer?.flat === true) {
        result = { type: 'flattenResult', ok: true };
      } else {
        const left = answer?.left?.map((p) => `${p.instrumentKey} ${p.quantity}`).join(', ');
        this.#lastFlattenError = `expected the executor to report the book flat, was ${answer?.flat === false ? `not flat (left: ${left || 'unknown'})` : JSON.stringify(answer)}`;
        result = { type: 'flattenResult', ok: false, error: this.#lastFlattenError };
      }
    } catch (err) {
      this.#lastFlattenError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      result = { type: 'flattenResult', ok: false, error: this.#lastFlattenError };
    }
    await this.#step(result, 'inline');
    if (this.#state.state !== 'EMERGENCY') {
      this.#retries = 0;
      return;
    }
    if (!this.#state.flattening) this.#scheduleRetry(this.#lastFlattenError ?? 'flatten failed');
  }

  /**
   * A failed flatten leaves EMERGENCY in force with positions possibly open: retry it, bounded and backed off (wall
   * time), each attempt journaled (`killswitch.flattenRetry`) — a retry that can now succeed (the orders in doubt are
   * resolved, quotes came back) must happen. When the retries run out: journaled and alerted; a human decides.
   */
  #scheduleRetry(lastError: string): void {
    if (this.#retryScheduled) return;
    const max = this.#settings.flattenRetries ?? FLATTEN_RETRIES;
    if (this.#retries >= max) {
      const evidence = { retries: this.#retries, lastError };
      void this.#ports.journal.append('killswitch.flattenRetriesExhausted', evidence).catch((err: unknown) => this.#ports.warn?.({ err }, 'journal append failed'));
      this.#ports.send('main', 'killswitch.alertRaised', { reason: `emergency flatten failed ${this.#retries + 1} times: positions may remain open, a human must act`, evidence, status: this.status });
      return;
    }
    const attempt = ++this.#retries;
    const delay = Math.min(FLATTEN_RETRY_MAX_MS, (this.#settings.flattenRetryMs ?? FLATTEN_RETRY_MS) * 2 ** (attempt - 1));
    this.#retryScheduled = true;
    this.#ports.retryAfter(delay, { attempt, of: max, lastError });
  }

  /** For tests and the inspector. */
  get latch(): Latch {
    return latchOf(this.#state);
  }
}
