/**
 * @module Which system events become alerts, and how they read. Pure: no I/O.
 *
 * Event names follow the actor protocol (`<emitter>.<past tense>`); several spellings are accepted where actors are
 * still settling theirs. Unknown events are not alerts.
 */

export type Severity = 'info' | 'warning' | 'critical';

export interface Alert {
  readonly kind: 'killswitch' | 'fill' | 'saga_failed' | 'approval' | 'token' | 'feed_stall' | 'feed_recovered' | 'money_identity';
  readonly severity: Severity;
  readonly title: string;
  readonly text: string;
  readonly event: string;
  readonly body: unknown;
}

const get = (body: unknown, key: string): unknown => (typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined);
const str = (v: unknown, fallback = '?'): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : fallback);

/**
 * A kill-switch cause as one line: `CODE: message (key value, …)` — the code, the sentence and the numbers behind it
 * (the evidence), so the alert says what happened without opening the dashboard. A plain string is kept as it is.
 */
export function causeText(cause: unknown): string {
  if (typeof cause === 'string' && cause !== '') return cause;
  if (typeof cause !== 'object' || cause === null) return 'no cause given';
  const code = get(cause, 'code');
  const message = get(cause, 'message');
  const evidence = get(cause, 'evidence');
  const numbers = typeof evidence === 'object' && evidence !== null
    ? Object.entries(evidence as Record<string, unknown>).filter(([, v]) => ['number', 'string', 'boolean'].includes(typeof v)).map(([k, v]) => `${k} ${String(v)}`)
    : [];
  const head = [typeof code === 'string' ? code : undefined, typeof message === 'string' && message !== '' ? message : undefined].filter((x) => x !== undefined).join(': ');
  return `${head === '' ? 'no cause given' : head}${numbers.length === 0 ? '' : ` (${numbers.join(', ')})`}`;
}

const KS_SEVERITY: Readonly<Record<string, Severity>> = { NORMAL: 'info', DEGRADED: 'warning', HALTED: 'critical', EMERGENCY: 'critical', SHUTDOWN: 'critical' };

/** Maps a live event to an alert, or null when the event is not alert-worthy. */
export function toAlert(event: string, body: unknown): Alert | null {
  switch (event) {
    case 'killswitch.changed': {
      const to = str(get(body, 'state') ?? get(body, 'to'));
      // The kill switch sends its whole status: the transition that led here is the last history entry.
      const history = get(body, 'history');
      const last = Array.isArray(history) ? (history.at(-1) as unknown) : undefined;
      const from = get(body, 'from') ?? (get(last, 'to') === to ? get(last, 'from') : undefined);
      return { kind: 'killswitch', severity: KS_SEVERITY[to] ?? 'warning', title: `Kill switch ${from === undefined ? '' : `${str(from)} → `}${to}`, text: causeText(get(body, 'cause')), event, body };
    }
    case 'executor.filled':
    case 'executor.fill':
    case 'order.filled': {
      const side = str(get(body, 'side'), '');
      const qty = str(get(body, 'quantity') ?? get(body, 'filledQuantity'), '');
      const key = str(get(body, 'instrumentKey'));
      const price = get(body, 'price') ?? get(body, 'averagePrice');
      return { kind: 'fill', severity: 'info', title: `Fill ${side} ${qty} ${key}`.replace(/\s+/g, ' ').trim(), text: price === undefined ? '' : `at ₹${str(price)}`, event, body };
    }
    case 'executor.sagaFailed':
    case 'executor.saga_failed':
    case 'saga.failed':
      return { kind: 'saga_failed', severity: 'critical', title: `Saga failed: ${str(get(body, 'sagaId'))}`, text: str(get(body, 'reason'), 'no reason given'), event, body };
    case 'executor.approvalCreated':
    case 'approval.created':
    case 'approvals.pending': {
      const id = str(get(body, 'id'), '');
      const exp = get(body, 'expiresAt');
      return { kind: 'approval', severity: 'warning', title: `Approval pending${id === '' ? '' : `: ${id}`}`, text: `${str(get(body, 'reason'), '')}${typeof exp === 'number' ? ` (expires ${new Date(exp).toISOString()})` : ''}`.trim(), event, body };
    }
    case 'upstox.tokenExpiring':
    case 'upstox.tokenExpired':
    case 'token.expiring':
    case 'token.expired':
      return { kind: 'token', severity: event.endsWith('Expired') || event.endsWith('expired') ? 'critical' : 'warning', title: event.toLowerCase().includes('expired') ? 'Upstox token expired' : 'Upstox token expires soon', text: 'refresh with `volguard token` or POST /api/token/refresh', event, body };
    case 'feed.stalled':
      return { kind: 'feed_stall', severity: 'critical', title: 'Market feed stalled', text: `no data for ${str(get(body, 'seconds') ?? get(body, 'ageSeconds'))} s`, event, body };
    case 'feed.recovered':
      return { kind: 'feed_recovered', severity: 'info', title: 'Market feed recovered', text: '', event, body };
    case 'money.identityMismatch':
      return { kind: 'money_identity', severity: 'critical', title: `Money identity broken on ${str(get(body, 'date'))}`, text: str(get(body, 'detail'), ''), event, body };
    default:
      return null;
  }
}

const ICON: Readonly<Record<Severity, string>> = { info: 'ℹ️', warning: '⚠️', critical: '🚨' };

/** Telegram `sendMessage` text (plain, no parse mode: nothing from the system can break the markup). */
export function telegramText(a: Alert): string {
  return `${ICON[a.severity]} VolGuard: ${a.title}${a.text === '' ? '' : `\n${a.text}`}`.slice(0, 4000);
}
