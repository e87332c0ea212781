/**
 * @module Supervisors with Erlang/OTP semantics (runtime.md §1).
 *
 * - Strategies: one_for_one (restart the dead child), rest_for_one (stop the children started after it, restart it and
 *   them in order), one_for_all (stop all others, restart all in order).
 * - Restart types: permanent (always), transient (only after an abnormal exit), temporary (never; dropped — also when
 *   a sibling's failure stops it).
 * - Intensity: ONE window per supervisor on a monotonic clock; every restart (a group restart counts once) and every
 *   genuinely failed start during a restart is recorded; more than `intensity` within `periodMs` and the supervisor
 *   gives up: it stops its children in reverse order and exits abnormally, so its parent applies its own strategy
 *   (escalation). A start that failed only because a dependency went down (DependencyDownError `lost`/`blocked`) is
 *   not a failure of the child and is not recorded.
 * - Start is ordered and waits for each child's `ready`; stop is reverse-ordered, one at a time.
 * - Children that talk to the outside world may carry Akka-style exponential backoff with jitter, layered on top of
 *   intensity.
 *
 * Exits are handled one at a time, earliest child first: a child's dependencies start before it (ActorSpec
 * `dependsOn`), so when several children are down their exits are handled dependencies first, whatever order they
 * arrived in. An exit is only ever reported for a child that was running (a start that fails is the start's own
 * error, a stop we asked for is not an exit), and once per incarnation: the `running` flag of its slot is the link
 * OTP would hold to the old pid, so a late exit of a replaced incarnation can never restart the new one.
 * If a restart finds a dependency down whose own exit is still queued here, it is put back (`resume`) and the
 * dependency is handled first.
 */
import type { ExitInfo } from './status.ts';
import { NORMAL_REASONS } from './actor-host.ts';
import { DependencyDownError } from './errors.ts';
import type { BackoffSpec, RestartType, Strategy, SupervisorSpec } from './spec.ts';

/** Anything a supervisor can supervise: an actor or another supervisor. */
export interface Child {
  readonly name: string;
  readonly restart: RestartType;
  readonly backoff?: BackoffSpec | undefined;
  start(): Promise<void>;
  /** A stop the parent asked for; resolves when stopped. */
  stop(): Promise<void>;
  /** True when the actor named `actor` is this child or lives in its subtree. */
  contains(actor: string): boolean;
  /** Installed by the parent: called for every exit of a running child that the parent did not ask for. */
  onUnexpectedExit: ((info: ExitInfo) => void) | null;
}

export interface SupervisorEvents {
  onRestart?(sup: Supervisor, child: Child, info: ExitInfo): void;
  onGiveUp?(sup: Supervisor, info: ExitInfo): void;
}

interface Slot {
  readonly child: Child;
  running: boolean;
  startedAt: number;
  failures: number;
}

/** An exit waiting to be handled; `resume` = a restart put back until a dependency is up (already counted). */
interface Pending {
  readonly info: ExitInfo;
  readonly resume: boolean;
}

type RestartOutcome = 'started' | 'deferred' | 'gave-up' | 'stopped';

export interface SupervisorDeps {
  readonly monotonic: () => number;
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly events?: SupervisorEvents;
}

export function backoffDelay(b: BackoffSpec, failures: number, u: number): number {
  return Math.min(b.maxMs, b.minMs * 2 ** Math.max(0, failures - 1)) * (1 + u * b.randomFactor);
}

export class Supervisor implements Child {
  readonly spec: SupervisorSpec;
  readonly path: string;
  readonly restart: RestartType;
  onUnexpectedExit: ((info: ExitInfo) => void) | null = null;
  status: 'running' | 'stopped' | 'failed' = 'stopped';
  readonly #deps: SupervisorDeps;
  #slots: Slot[] = [];
  #restarts: number[] = [];
  readonly #pending = new Map<Slot, Pending>();
  /** The loop handling pending exits, while it runs. */
  #draining: Promise<void> | null = null;
  /** Bumped by start, stop and give-up: a drain loop of an older epoch stops at its next step. */
  #epoch = 0;
  /** The child being started right now (by start() or a restart): what a dependency wait may be blocked behind. */
  #current: Slot | null = null;
  #stopping = false;

  constructor(spec: SupervisorSpec, path: string, children: readonly Child[], deps: SupervisorDeps) {
    this.spec = spec;
    this.path = path;
    this.restart = spec.restart ?? 'permanent';
    this.#deps = deps;
    this.#slots = children.map((child) => ({ child, running: false, startedAt: 0, failures: 0 }));
    for (const slot of this.#slots) slot.child.onUnexpectedExit = (info) => this.#onExit(slot, info);
  }

  get name(): string {
    return this.spec.name;
  }
  get children(): readonly Child[] {
    return this.#slots.map((s) => s.child);
  }
  /** Restarts recorded in the current window. */
  get restartsInWindow(): number {
    this.#prune(this.#deps.monotonic());
    return this.#restarts.length;
  }
  /** No exit is waiting or being handled (tests wait for this before they look). */
  get idle(): boolean {
    return this.#draining === null && this.#pending.size === 0 && this.#current === null;
  }
  /** The child this supervisor is starting at this moment (its ordered start or a restart), if any. */
  get starting(): Child | null {
    return this.#current?.child ?? null;
  }

  contains(actor: string): boolean {
    return this.#slots.some((s) => s.child.name === actor || s.child.contains(actor));
  }

  /** The direct child whose subtree holds `actor`, and whether it is running. */
  branchOf(actor: string): { child: Child; running: boolean } | null {
    const slot = this.#slots.find((s) => s.child.name === actor || s.child.contains(actor));
    return slot ? { child: slot.child, running: slot.running } : null;
  }

  /**
   * Ordered start; a child that fails to start stops the ones already started and fails the supervisor. A child that
   * exits while later ones are still starting is handled once the start is complete.
   */
  async start(): Promise<void> {
    // A restart waits for the previous incarnation to be gone: its exit handling must be over.
    if (this.#draining) await this.#draining;
    this.#epoch++;
    this.#stopping = false;
    this.#restarts = [];
    this.#pending.clear();
    const started: Slot[] = [];
    for (const slot of this.#slots) {
      try {
        this.#current = slot;
        await this.#startSlot(slot);
        started.push(slot);
      } catch (err) {
        this.#current = null;
        for (const s of started.reverse()) await this.#stopSlot(s);
        this.#pending.clear();
        this.status = 'failed';
        throw err;
      }
    }
    this.#current = null;
    this.status = 'running';
    this.#kick();
  }

  /** Reverse-order stop, one child at a time. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#epoch++;
    if (this.#draining) await this.#draining;
    for (const slot of [...this.#slots].reverse()) await this.#stopSlot(slot);
    this.#pending.clear();
    this.status = 'stopped';
  }

  async #startSlot(slot: Slot): Promise<void> {
    this.#pending.delete(slot);
    await slot.child.start();
    slot.running = true;
    slot.startedAt = this.#deps.monotonic();
  }

  async #stopSlot(slot: Slot): Promise<void> {
    this.#pending.delete(slot);
    if (!slot.running) return;
    slot.running = false;
    await slot.child.stop();
  }

  #prune(now: number): void {
    this.#restarts = this.#restarts.filter((t) => t >= now - this.spec.periodMs);
  }

  /** Records one restart; false when that exceeds the intensity (the supervisor must give up). */
  #recordRestart(): boolean {
    const now = this.#deps.monotonic();
    this.#restarts.push(now);
    this.#prune(now);
    return this.#restarts.length <= this.spec.intensity;
  }

  #onExit(slot: Slot, info: ExitInfo): void {
    // Not running: a start that failed (its start() reports it), a stop we asked for, or an exit already queued.
    if (!slot.running) return;
    slot.running = false;
    if (this.#stopping) return;
    this.#pending.set(slot, { info, resume: false });
    this.#kick();
  }

  /** Starts the drain loop unless it runs (or the supervisor is not running: start() kicks it when done). */
  #kick(): void {
    if (this.#draining || this.status !== 'running' || this.#stopping || this.#pending.size === 0) return;
    const epoch = this.#epoch;
    this.#draining = (async () => {
      await null; // let the caller (an exit event, start()) finish first
      for (;;) {
        if (epoch !== this.#epoch || this.#stopping || this.status !== 'running') return;
        // Dependencies first: the earliest child in start order.
        const slot = this.#slots.find((s) => this.#pending.has(s));
        if (!slot) return;
        const p = this.#pending.get(slot) as Pending;
        this.#pending.delete(slot);
        await this.#handle(slot, p, epoch);
      }
    })()
      .catch(() => {})
      .finally(() => {
        this.#draining = null;
        if (epoch === this.#epoch) this.#kick(); // an exit that arrived after the loop's last look
      });
  }

  /** The slots a restart of `slot` involves, in start order (the strategy's group). */
  #group(slot: Slot): Slot[] {
    const strategy: Strategy = this.spec.strategy;
    if (strategy === 'one_for_one') return [slot];
    if (strategy === 'rest_for_one') return this.#slots.slice(this.#slots.indexOf(slot));
    return [...this.#slots];
  }

  async #handle(slot: Slot, p: Pending, epoch: number): Promise<void> {
    if (p.resume) return this.#restartGroup(slot, this.#group(slot), null, epoch);
    const info = p.info;
    const abnormal = !NORMAL_REASONS.has(info.reason);
    const wantsRestart = slot.child.restart === 'permanent' || (slot.child.restart === 'transient' && abnormal);
    if (!wantsRestart) {
      if (slot.child.restart === 'temporary') this.#slots = this.#slots.filter((s) => s !== slot);
      return;
    }
    if (!this.#recordRestart()) return this.#giveUp(info, slot.child);
    this.#deps.events?.onRestart?.(this, slot.child, info);
    const group = this.#group(slot);
    // Stop the rest of the group in reverse start order (requested stops, not crashes); their own queued exits, if
    // any, are handled by this one restart.
    for (const s of [...group].reverse()) if (s !== slot) await this.#stopSlot(s);
    // Temporary siblings are dropped, never restarted.
    const dropped = new Set(group.filter((s) => s !== slot && s.child.restart === 'temporary'));
    this.#slots = this.#slots.filter((s) => !dropped.has(s));
    await this.#restartGroup(slot, group.filter((s) => !dropped.has(s)), info, epoch);
  }

  /** Starts the group's children that are not running, in order; a deferred one is put back with the rest after it. */
  async #restartGroup(failed: Slot, group: readonly Slot[], info: ExitInfo | null, epoch: number): Promise<void> {
    for (const s of group) {
      if (s.running || !this.#slots.includes(s)) continue;
      if (epoch !== this.#epoch || this.#stopping) return;
      const outcome = await this.#restartSlot(s, info !== null && s === failed);
      if (outcome === 'deferred') {
        this.#pending.set(s, { info: info ?? { reason: 'start-failed', at: Date.now() }, resume: true });
        return;
      }
      if (outcome !== 'started') return;
    }
  }

  /**
   * Starts a child again, with backoff where configured. Failed starts are retried; each counts toward intensity,
   * except one that failed because a dependency went down: `deferred` when that dependency's own exit is queued here
   * (it is handled first), otherwise retried at once (the next start waits for the dependency).
   */
  async #restartSlot(slot: Slot, failed: boolean): Promise<RestartOutcome> {
    const b = slot.child.backoff;
    if (failed && b) {
      const ranFor = this.#deps.monotonic() - slot.startedAt;
      slot.failures = ranFor >= b.resetAfterMs ? 1 : slot.failures + 1;
      await this.#deps.sleep(backoffDelay(b, slot.failures, this.#deps.random()));
    }
    for (;;) {
      if (this.#stopping) return 'stopped';
      try {
        this.#current = slot;
        await this.#startSlot(slot);
        return 'started';
      } catch (err) {
        if (err instanceof DependencyDownError && err.why !== 'timeout') {
          const dep = this.#slots.find((s) => this.#pending.has(s) && (s.child.name === err.dependency || s.child.contains(err.dependency)));
          if (dep !== undefined) return 'deferred';
          if (err.why === 'lost') continue;
          // `blocked` behind something this supervisor cannot handle: count it, so a wedge ends in an escalation.
        }
        if (!this.#recordRestart()) {
          await this.#giveUp({ reason: 'start-failed', error: err instanceof Error ? err.message : String(err), at: Date.now() }, slot.child);
          return 'gave-up';
        }
        if (b) {
          slot.failures++;
          await this.#deps.sleep(backoffDelay(b, slot.failures, this.#deps.random()));
        }
      } finally {
        this.#current = null;
      }
    }
  }

  async #giveUp(cause: ExitInfo, child: Child): Promise<void> {
    this.#stopping = true;
    this.#epoch++;
    for (const s of [...this.#slots].reverse()) await this.#stopSlot(s);
    this.#pending.clear();
    this.status = 'failed';
    const info: ExitInfo = {
      reason: 'escalated',
      error: `${this.name}: restart intensity exceeded (more than ${this.spec.intensity} in ${this.spec.periodMs} ms); last: ${child.name} ${cause.reason}${cause.error ? ` (${cause.error})` : ''}`,
      at: Date.now(),
    };
    this.#deps.events?.onGiveUp?.(this, info);
    this.onUnexpectedExit?.(info);
  }
}
