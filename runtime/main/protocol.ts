/**
 * @module Main's protocol: what the actors send to `main` (the cycle orchestrator, the gateway's live events), typed
 * like an actor's (runtime/protocols.ts). runtime/cli/run.ts handles these with `system.handle(type, …)`.
 */
import type { AlertRaised, KillSwitchStatus } from '../../actors/killswitch/messages.ts';
import type { JournalFault } from '../../actors/journal/messages.ts';
import type { StallEvent } from '../../actors/feed/stall.ts';
import type { IdentityMismatch } from '../../actors/risk/messages.ts';

type StallBody<T extends StallEvent['type']> = Extract<StallEvent, { type: T }>['body'];

/** `cycle.completed`: main to itself (the dashboard's live events), after every cycle. */
export interface CycleCompleted {
  readonly cycleId: string;
  readonly durationMs: number;
  readonly error: string | null;
}

export interface MainProtocol {
  'killswitch.changed': { in: KillSwitchStatus; out: void };
  'killswitch.alertRaised': { in: AlertRaised; out: void };
  'journal.faulted': { in: JournalFault; out: void };
  'feed.stalled': { in: StallBody<'feed.stalled'>; out: void };
  'feed.recovered': { in: StallBody<'feed.recovered'>; out: void };
  'cycle.completed': { in: CycleCompleted; out: void };
  /** Risk, at a day's close: the money identity does not hold (an alert; also journaled). */
  'money.identityMismatch': { in: IdentityMismatch; out: void };
}

declare module '../protocols.ts' {
  interface ActorProtocols {
    main: MainProtocol;
  }
}
