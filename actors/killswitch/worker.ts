/**
 * @module The kill switch worker: wires messages to KillSwitchService (service.ts), the journal client and metrics.
 * Validation happens here, at the boundary: a bad body is answered with "expected X, was Y" and changes nothing.
 */
import { Gauge } from 'prom-client';
import { defineActor, type ActorContext } from '../../runtime/actor.ts';
import { InvariantError } from '../../runtime/errors.ts';
import { journalClient } from '../journal/index.ts';
import type { Phase } from '../domain/phase.ts';
import type { KsInput } from './core.ts';
import { emergencyCheck, evaluateCheck, haltCheck, resetCheck, type KillSwitchProtocol, type StaticIpRefusedView } from './messages.ts';
import { TRADING_STATES } from '../domain/trading-state.ts';
import { KillSwitchService } from './service.ts';
import type { KillSwitchSettings } from './settings.ts';

export interface KillSwitchActorConfig {
  readonly settings: KillSwitchSettings;
  readonly phase: Phase;
}

let service: KillSwitchService | null = null;

function str(v: unknown, fallback: string): string {
  return typeof v === 'string' && v !== '' ? v : fallback;
}

function need(): KillSwitchService {
  if (!service) throw new InvariantError('killswitch received a message before init');
  return service;
}

/** The refusal's evidence as flat values, with the operator action kept (it says what to do). */
function staticIpEvidence(b: StaticIpRefusedView | null | undefined): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = { action: str(b?.action, '') };
  for (const [k, v] of Object.entries(b?.evidence ?? {})) {
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

/** An event from another actor, into the core (events do not wait for a flatten they start: it queues next). */
async function onEvent(input: KsInput): Promise<void> {
  await need().apply(input);
}

defineActor<KillSwitchActorConfig, KillSwitchProtocol>({
  async init(ctx: ActorContext<KillSwitchActorConfig, KillSwitchProtocol>) {
    const gauge = new Gauge({ name: 'volguard_killswitch_state', help: 'Kill switch state: 0 NORMAL, 1 DEGRADED, 2 HALTED, 3 EMERGENCY, 4 SHUTDOWN', registers: [ctx.metrics] });
    const journal = journalClient(ctx);
    service = new KillSwitchService(ctx.config.settings, ctx.config.phase, {
      journal,
      send: (to, type, body) => {
        if (!ctx.send(to, type, body)) ctx.log.warn({ to, type }, 'killswitch message dropped (target restarting)');
      },
      request: (to, type, body, opts) => ctx.request(to, type, body, opts),
      now: () => ctx.clock.now(),
      // Runtime self-messages: the mailbox, not a hand-built queue, keeps them in turn with everything else.
      flattenNext: (reason) => ctx.next('killswitch.runFlatten', { reason }),
      retryAfter: (ms, retry) => void ctx.after(ms, 'killswitch.retryFlatten', retry),
      onStatus: (st) => gauge.set(TRADING_STATES.indexOf(st.state)),
      warn: (obj, m) => ctx.log.warn(obj, m),
    });
    await service.init();
    ctx.log.info({ state: service.status.state }, 'kill switch restored');
  },
  bodies: {
    'killswitch.evaluate': evaluateCheck,
    'killswitch.reset': resetCheck,
    'killswitch.emergency': emergencyCheck,
    'killswitch.halt': haltCheck,
  },
  handlers: {
    'killswitch.evaluate': (body) => need().apply({ type: 'evaluate', body }),
    'killswitch.status': () => need().status,
    async 'killswitch.reset'(b, ctx) {
      const a = await need().reset(b.reason, b.who);
      if (!a.ok) ctx.log.warn({ refused: a.refused, who: b.who }, 'kill switch reset refused');
      return a;
    },
    'killswitch.emergency'(b, ctx) {
      ctx.log.warn({ who: b.who, reason: b.reason }, 'EMERGENCY requested');
      return need().emergency(b.reason, b.who, b.stopLoop ?? false);
    },
    'killswitch.halt': (b) => need().halt(b.reason, b.who),
    // Events: unknown fields are ignored, missing ones get a placeholder rather than a crash.
    'feed.stalled': (b) => onEvent({ type: 'feedStalled', evidence: { reason: str(b?.reason, 'stalled'), ageMs: typeof b?.ageMs === 'number' ? b.ageMs : null } }),
    'feed.recovered': () => onEvent({ type: 'feedRecovered' }),
    'sys.actorRestarted': (b) => onEvent({ type: 'actorRestarted', name: str(b?.name, '?'), reason: str(b?.reason, '?') }),
    'sys.supervisorEscalated': (b) => onEvent({ type: 'supervisorEscalated', name: str(b?.name, '?'), reason: str(b?.reason, '?') }),
    'broker.tokenExpired': (b) => onEvent({ type: 'tokenExpired', evidence: { message: str(b?.message, 'token expired') } }),
    'broker.tokenRefreshed': () => onEvent({ type: 'tokenRefreshed' }),
    'broker.staticIpRefused': (b) => onEvent({ type: 'staticIpRefused', message: str(b?.message, 'the broker refuses order writes from this address'), evidence: staticIpEvidence(b) }),
    'broker.staticIpCleared': () => onEvent({ type: 'staticIpCleared' }),
    'broker.failed': (b) => onEvent({ type: 'brokerError', message: str(b?.message, 'broker error') }),
    'broker.slowed': (b) => onEvent({ type: 'brokerSlow', latencyMs: typeof b?.latencyMs === 'number' ? b.latencyMs : -1 }),
    'journal.faulted': (b) => onEvent({ type: 'journalFault', message: str(b?.message, str(b?.kind, 'journal fault')) }),
    'journal.recovered': () => onEvent({ type: 'journalRecovered' }),
    'executor.nakedLegDetected': (b) => onEvent({ type: 'nakedLeg', evidence: { structureId: str(b?.structureId, '?'), detail: str(b?.message, '') } }),
    'killswitch.runFlatten': ({ reason }) => need().runFlatten(reason),
    async 'killswitch.retryFlatten'(retry, ctx) {
      try {
        await need().retryFlatten(retry);
      } catch (err) {
        ctx.log.warn({ err }, 'flatten retry failed');
      }
    },
  },
  inspect() {
    return service?.status ?? null;
  },
});
