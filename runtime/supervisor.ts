/**
 * @module Supervisors with Erlang/OTP semantics (runtime.md §1).
 *
 * - Strategies: one_for_one (restart the dead child), rest_for_one (stop the children started after it, restart it and
 *   them in order), one_for_all (stop all others, restart all in order).
 * - Restart types: permanent (always), transient (only after an abnormal exit), temporary (never; dropped — also when
 *   a sibling's failure stops it).
 * - Intensity: ONE window per supervisor on a monotonic clock; every restart (a group restart counts once) and every
 *   failed start during a restart is recorded; more than `intensity` within `periodMs` and the supervisor gives up:
 *   it stops its children in reverse order and exits abnormally, so its parent applies its own strategy (escalation).
 * - Start is ordered and waits for each child's `ready`; stop is reverse-ordered, one at a time.
 * - Children that talk to the outside world may carry Akka-style exponential backoff with jitter, layered on top of
 *   intensity.
 * Exits are handled one at a time (a queue), so a group restart is never interleaved with another exit.
 */
import type { ExitInfo } from './status.ts';
import { NORMAL_REASONS } from './actor-host.ts';
import type { BackoffSpec, RestartType, Strategy, SupervisorSpec } from './spec.ts';

/** Anything a supervisor can supervise: an actor or another supervisor. */
export interface Child {
  readonly name: string;
  readonly restart: RestartType;
  readonly backoff?: BackoffSpec | undefined;
  start(): Promise<void>;
  /** A stop the parent asked for; resolves when stopped. */
  stop(): Promise<void>;
  /** Installed by the parent: called for every exit the parent did not ask for. */
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
  #queue: Promise<void> = Promise.resolve();
  #stopping = false;

  constructor(spec: SupervisorSpec, path: string, children: readonly Child[], deps: SupervisorDeps) {
    this.spec = spec;
    this.path = path;
    this.restart = spec.restart ?? 'permanent';
    this.#deps = deps;
    this.#slots = children.map((child) => ({ child, running: false, startedAt: 0, failures: 0 }));
    for (const slot of this.#slots) {
      slot.child.onUnexpectedExit = (info) => {
        this.#queue = this.#queue.then(() => this.#onChildExit(slot, info)).catch(() => {});
      };
    }
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

  /** Ordered start; a child that fails to start stops the ones already started and fails the supervisor. */
  async start(): Promise<void> {
    this.#stopping = false;
    this.#restarts = [];
    const started: Slot[] = [];
    for (const slot of this.#slots) {
      try {
        await this.#startSlot(slot);
        started.push(slot);
      } catch (err) {
        for (const s of started.reverse()) await this.#stopSlot(s);
        this.status = 'failed';
        throw err;
      }
    }
    this.status = 'running';
  }

  /** Reverse-order stop, one child at a time. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#queue;
    for (const slot of [...this.#slots].reverse()) await this.#stopSlot(slot);
    this.status = 'stopped';
  }

  async #startSlot(slot: Slot): Promise<void> {
    await slot.child.start();
    slot.running = true;
    slot.startedAt = this.#deps.monotonic();
  }

  async #stopSlot(slot: Slot): Promise<void> {
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

  async #onChildExit(slot: Slot, info: ExitInfo): Promise<void> {
    if (this.#stopping || this.status !== 'running') return;
    slot.running = false;
    const abnormal = !NORMAL_REASONS.has(info.reason);
    const wantsRestart = slot.child.restart === 'permanent' || (slot.child.restart === 'transient' && abnormal);
    if (!wantsRestart) {
      if (slot.child.restart === 'temporary') this.#slots = this.#slots.filter((s) => s !== slot);
      return;
    }
    if (!this.#recordRestart()) return this.#giveUp(info, slot.child);
    this.#deps.events?.onRestart?.(this, slot.child, info);
    const idx = this.#slots.indexOf(slot);
    const strategy: Strategy = this.spec.strategy;
    let group: Slot[];
    if (strategy === 'one_for_one') group = [slot];
    else if (strategy === 'rest_for_one') group = this.#slots.slice(idx);
    else group = [...this.#slots];
    // Stop the rest of the group in reverse start order (requested stops, not crashes).
    for (const s of [...group].reverse()) if (s !== slot) await this.#stopSlot(s);
    // Temporary siblings are dropped, never restarted.
    const dropped = new Set(group.filter((s) => s !== slot && s.child.restart === 'temporary'));
    this.#slots = this.#slots.filter((s) => !dropped.has(s));
    for (const s of group) {
      if (dropped.has(s)) continue;
      const ok = await this.#restartSlot(s, s === slot);
      if (!ok) return this.#giveUp({ reason: 'start-failed', at: Date.now() }, s.child);
      if (this.#stopping) return;
    }
  }

  /** Starts a child again, with backoff where configured; failed starts count toward intensity and are retried. */
  async #restartSlot(slot: Slot, failed: boolean): Promise<boolean> {
    const b = slot.child.backoff;
    if (failed && b) {
      const ranFor = this.#deps.monotonic() - slot.startedAt;
      slot.failures = ranFor >= b.resetAfterMs ? 1 : slot.failures + 1;
      await this.#deps.sleep(backoffDelay(b, slot.failures, this.#deps.random()));
    }
    for (;;) {
      if (this.#stopping) return true;
      try {
        await this.#startSlot(slot);
        return true;
      } catch {
        if (!this.#recordRestart()) return false;
        if (b) {
          slot.failures++;
          await this.#deps.sleep(backoffDelay(b, slot.failures, this.#deps.random()));
        }
      }
    }
  }

  async #giveUp(cause: ExitInfo, child: Child): Promise<void> {
    this.#stopping = true;
    for (const s of [...this.#slots].reverse()) await this.#stopSlot(s);
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
