/**
 * @module The kill switch worker: wires messages to KillSwitchService (service.ts), the journal client and metrics.
 * Validation happens here, at the boundary: a bad body is answered with "expected X, was Y" and changes nothing.
 */
import { Gauge } from 'prom-client';
import { defineActor, type ActorContext } from '../../runtime/actor.ts';
import type { Envelope } from '../../runtime/envelope.ts';
import { InvariantError } from '../../runtime/errors.ts';
import { journalClient } from '../journal/index.ts';
import type { Phase } from '../domain/phase.ts';
import type { KsInput } from './core.ts';
import { emergencySchema, evaluateSchema, haltSchema, resetSchema, type EvaluateRequest } from './messages.ts';
import { TRADING_STATES } from '../domain/trading-state.ts';
import { KillSwitchService } from './service.ts';
import type { KillSwitchSettings } from './settings.ts';

export interface KillSwitchActorConfig {
  readonly settings: KillSwitchSettings;
  readonly phase: Phase;
}

let service: KillSwitchService | null = null;

function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> } } }, body: unknown, type: string): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const detail = r.error.issues.map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`).join('; ');
  throw new TypeError(`${type}: expected a valid body, was invalid (${detail})`);
}

function str(v: unknown, fallback: string): string {
  return typeof v === 'string' && v !== '' ? v : fallback;
}

/** Events from other actors; unknown fields are ignored, missing ones get a placeholder rather than a crash. */
function eventInput(msg: Envelope): KsInput | null {
  const b = (msg.body ?? {}) as Record<string, unknown>;
  switch (msg.type) {
    case 'feed.stalled': return { type: 'feedStalled', evidence: { reason: str(b['reason'], 'stalled'), ageMs: typeof b['ageMs'] === 'number' ? b['ageMs'] : null } };
    case 'feed.recovered': return { type: 'feedRecovered' };
    case 'sys.actorRestarted': return { type: 'actorRestarted', name: str(b['name'], '?'), reason: str(b['reason'], '?') };
    case 'sys.supervisorEscalated': return { type: 'supervisorEscalated', name: str(b['name'], '?'), reason: str(b['reason'], '?') };
    case 'broker.tokenExpired': return { type: 'tokenExpired', evidence: { message: str(b['message'], 'token expired') } };
    case 'broker.tokenRefreshed': return { type: 'tokenRefreshed' };
    case 'broker.error': return { type: 'brokerError', message: str(b['message'], 'broker error') };
    case 'broker.slow': return { type: 'brokerSlow', latencyMs: typeof b['latencyMs'] === 'number' ? b['latencyMs'] : -1 };
    case 'journal.fault': return { type: 'journalFault', message: str(b['message'], str(b['kind'], 'journal fault')) };
    case 'journal.recovered': return { type: 'journalRecovered' };
    case 'executor.nakedLeg': return { type: 'nakedLeg', evidence: { structureId: str(b['structureId'], '?'), detail: str(b['message'], '') } };
    default: return null;
  }
}

defineActor<KillSwitchActorConfig>({
  async init(ctx: ActorContext<KillSwitchActorConfig>) {
    const gauge = new Gauge({ name: 'volguard_killswitch_state', help: 'Kill switch state: 0 NORMAL, 1 DEGRADED, 2 HALTED, 3 EMERGENCY, 4 SHUTDOWN', registers: [ctx.metrics] });
    const journal = journalClient(ctx);
    service = new KillSwitchService(ctx.config.settings, ctx.config.phase, {
      journal,
      send: (to, type, body) => {
        if (!ctx.send(to, type, body)) ctx.log.warn({ to, type }, 'killswitch message dropped (target restarting)');
      },
      request: (to, type, body, opts) => ctx.request(to, type, body, opts),
      now: () => ctx.clock.now(),
      onStatus: (st) => gauge.set(TRADING_STATES.indexOf(st.state)),
      warn: (obj, m) => ctx.log.warn(obj, m),
    });
    await service.init();
    ctx.log.info({ state: service.status.state }, 'kill switch restored');
  },
  async receive(msg, ctx) {
    const ks = service;
    if (!ks) throw new InvariantError('killswitch received a message before init');
    switch (msg.type) {
      case 'killswitch.evaluate': {
        const body = parse(evaluateSchema, msg.body, msg.type) as EvaluateRequest;
        const risk = body.risk as { breaches?: unknown; unvalued?: unknown } | null;
        if (risk !== null && (!Array.isArray(risk.breaches) || !Array.isArray(risk.unvalued))) {
          throw new TypeError('killswitch.evaluate: expected risk to be a RiskReport (breaches[], unvalued[]) or null, was another shape');
        }
        return ks.apply({ type: 'evaluate', body });
      }
      case 'killswitch.status':
        return ks.status;
      case 'killswitch.reset': {
        const b = parse(resetSchema, msg.body, msg.type);
        const a = await ks.reset(b.reason, b.who);
        if (!a.ok) ctx.log.warn({ refused: a.refused, who: b.who }, 'kill switch reset refused');
        return a;
      }
      case 'killswitch.emergency': {
        const b = parse(emergencySchema, msg.body, msg.type);
        ctx.log.warn({ who: b.who, reason: b.reason }, 'EMERGENCY requested');
        return ks.emergency(b.reason, b.who, b.stopLoop ?? false);
      }
      case 'killswitch.halt': {
        const b = parse(haltSchema, msg.body, msg.type);
        return ks.halt(b.reason, b.who);
      }
      default: {
        const input = eventInput(msg);
        if (input === null) throw new InvariantError(`killswitch: unexpected message ${msg.type}`);
        // Events do not wait for their own effects to finish when they start a flatten (it queues next).
        await ks.apply(input);
        return undefined;
      }
    }
  },
  inspect() {
    return service?.status ?? null;
  },
});
