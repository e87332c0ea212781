/**
 * @module Main's part in every safety decision, shared by `volguard run` and the backtest (runtime/main/replay/) so a
 * backtest takes them exactly as a live run does: restarts and escalations reach the kill switch at once, a kill-switch
 * transition is shown at once and stops the trading loop when it says so.
 */
import type { Logger } from 'pino';
import type { ActorEventView, KillSwitchStatus } from '../../actors/killswitch/messages.ts';
import type { ActorSystem } from '../system.ts';
import type { CycleOrchestrator } from './cycle.ts';

export function wireSafetyEvents(system: ActorSystem, cycle: CycleOrchestrator, log: Pick<Logger, 'error' | 'warn' | 'info'>): void {
  // The kill switch hears about every restart and escalation at once (DEGRADED / HALTED on intensity).
  system.onEvent((type, body) => {
    if (type === 'sys.actorRestarted') system.send('killswitch', 'sys.actorRestarted', body as ActorEventView);
    if (type === 'sys.supervisorGaveUp') system.send('killswitch', 'sys.supervisorEscalated', body as ActorEventView);
  });
  // The tree's own story in the log: every exit we did not ask for, every restart, every escalation.
  system.onEvent((type, body) => {
    const b = body as { name?: string; incarnation?: number; reason?: string; error?: string; supervisor?: string } | null;
    if (type === 'sys.actorExited' && b?.reason !== 'shutdown') log.warn({ name: b?.name, incarnation: b?.incarnation, reason: b?.reason, error: b?.error }, 'actor exited');
    else if (type === 'sys.actorRestarted') log.info({ name: b?.name, supervisor: b?.supervisor, reason: b?.reason }, 'actor restarting');
    else if (type === 'sys.supervisorGaveUp') log.error({ name: b?.name, reason: b?.reason }, 'supervisor gave up');
  });
  system.handle('killswitch.changed', () => null);
  system.handle('feed.stalled', () => null);
  system.handle('feed.recovered', () => null);
  system.handle('killswitch.alertRaised', (env) => log.error({ alert: env.body }, 'kill switch alert'));
  system.handle('journal.faulted', (env) => log.error({ fault: env.body }, 'journal fault'));
  system.handle('money.identityMismatch', (env) => log.error({ mismatch: env.body }, 'money identity broken: Σ daily net ≠ change in equity'));
  // The emergency stop also stops the trading loop.
  system.onEvent((type, body) => {
    if (type !== 'killswitch.changed') return;
    // Transitions are pushed the moment they happen; the views (dashboard, health) show them without waiting a cycle.
    cycle.state.killswitch = body as KillSwitchStatus;
    if ((body as { stopLoop?: boolean } | null)?.stopLoop) cycle.stopTrading();
  });
}
