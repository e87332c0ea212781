/**
 * @module `createAlerter(cfg, log?)`: delivers alerts to a JSON webhook and/or Telegram without ever blocking the
 * caller. `notify` only queues (bounded; the oldest is dropped when full); one background loop sends, retrying
 * with exponential backoff and jitter on network errors, 5xx and 429 (honouring Telegram's `retry_after`).
 *
 * Wiring (runtime): `deps.onEvent((type, body) => alerter.notify(type, body))`.
 */
import type { Config } from '../../runtime/main/config.ts';
import type { GatewayLog } from '../deps-ext.ts';
import { telegramText, toAlert, type Alert } from './format.ts';

export interface AlerterConfig {
  readonly webhookUrl?: string;
  readonly telegram?: { readonly botToken: string; readonly chatId: string; readonly apiUrl: string };
  readonly queueSize: number;
  readonly maxAttempts: number;
  /** First retry delay; doubles per attempt up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Per attempt. */
  readonly timeoutMs: number;
  /** Epoch ms, injected (the system clock may be simulated). */
  readonly now?: () => number;
}

export function alerterConfigFrom(cfg: Config): AlerterConfig {
  const tg = cfg.TELEGRAM_BOT_TOKEN !== undefined && cfg.TELEGRAM_CHAT_ID !== undefined ? { botToken: cfg.TELEGRAM_BOT_TOKEN, chatId: cfg.TELEGRAM_CHAT_ID, apiUrl: cfg.TELEGRAM_API_URL } : undefined;
  return {
    ...(cfg.ALERT_WEBHOOK_URL !== undefined ? { webhookUrl: cfg.ALERT_WEBHOOK_URL } : {}),
    ...(tg !== undefined ? { telegram: tg } : {}),
    queueSize: cfg.ALERT_QUEUE_SIZE,
    maxAttempts: cfg.ALERT_MAX_ATTEMPTS,
    baseDelayMs: 500,
    maxDelayMs: 30_000,
    timeoutMs: 5_000,
  };
}

export interface AlerterStats {
  readonly queued: number;
  readonly delivered: number;
  readonly failed: number;
  readonly dropped: number;
  readonly retries: number;
}

export interface Alerter {
  /** Queues the event if it is alert-worthy; returns whether it was queued. Never throws, never waits. */
  notify(event: string, body: unknown): boolean;
  stats(): AlerterStats;
  /** Resolves when the queue is empty (tests, graceful shutdown). */
  idle(): Promise<void>;
  /** Stops: the in-flight attempt is aborted, queued alerts are dropped. */
  close(): Promise<void>;
}

interface Job {
  readonly sink: 'webhook' | 'telegram';
  readonly alert: Alert;
  readonly ts: number;
  attempts: number;
}

class RetryableError extends Error {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, retryAfterMs?: number) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

export function createAlerter(cfg: AlerterConfig, log?: GatewayLog): Alerter {
  const now = cfg.now ?? Date.now;
  const queue: Job[] = [];
  let running = false;
  let closed = false;
  let inFlight: AbortController | null = null;
  let wake: (() => void) | null = null;
  const idleWaiters: (() => void)[] = [];
  const counts = { delivered: 0, failed: 0, dropped: 0, retries: 0 };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        wake = null;
        resolve();
      }, ms);
      // Not unref'd: a pending retry is real work; close() wakes and ends it.
      wake = () => {
        clearTimeout(t);
        wake = null;
        resolve();
      };
    });

  async function post(url: string, payload: unknown): Promise<Response> {
    inFlight = new AbortController();
    const timer = setTimeout(() => inFlight?.abort(), cfg.timeoutMs);
    timer.unref();
    try {
      return await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload), signal: inFlight.signal });
    } catch (err) {
      // Network errors and timeouts: retry. Only the sink name is ever logged (the Telegram URL holds the token).
      throw new RetryableError((err as Error).name === 'AbortError' ? 'timed out' : 'network error');
    } finally {
      clearTimeout(timer);
      inFlight = null;
    }
  }

  async function deliver(job: Job): Promise<void> {
    const a = job.alert;
    let res: Response;
    if (job.sink === 'webhook') {
      res = await post(cfg.webhookUrl!, { source: 'volguard', ts: job.ts, kind: a.kind, severity: a.severity, title: a.title, text: a.text, event: a.event, body: a.body });
    } else {
      const tg = cfg.telegram!;
      res = await post(`${tg.apiUrl.replace(/\/+$/, '')}/bot${tg.botToken}/sendMessage`, { chat_id: tg.chatId, text: telegramText(a), disable_web_page_preview: true });
    }
    if (res.ok) {
      await res.body?.cancel();
      return;
    }
    let retryAfterMs: number | undefined;
    if (res.status === 429) {
      const j = (await res.json().catch(() => null)) as { parameters?: { retry_after?: unknown } } | null;
      const ra = j?.parameters?.retry_after ?? Number(res.headers.get('retry-after'));
      if (typeof ra === 'number' && Number.isFinite(ra) && ra >= 0) retryAfterMs = Math.min(ra * 1000, cfg.maxDelayMs);
    } else {
      await res.body?.cancel();
    }
    if (res.status === 429 || res.status >= 500) throw new RetryableError(`HTTP ${res.status}`, retryAfterMs);
    throw new Error(`HTTP ${res.status}`);
  }

  async function loop(): Promise<void> {
    running = true;
    while (!closed && queue.length > 0) {
      const job = queue[0]!;
      job.attempts += 1;
      try {
        await deliver(job);
        counts.delivered += 1;
        queue.shift();
      } catch (err) {
        if (closed) break;
        const retryable = err instanceof RetryableError && job.attempts < cfg.maxAttempts;
        if (!retryable) {
          counts.failed += 1;
          queue.shift();
          log?.warn({ sink: job.sink, kind: job.alert.kind, attempts: job.attempts, err: { message: (err as Error).message } }, 'alert not delivered');
          continue;
        }
        counts.retries += 1;
        const backoff = Math.min(cfg.baseDelayMs * 2 ** (job.attempts - 1), cfg.maxDelayMs);
        // Full jitter keeps many instances (or many sinks) from retrying in lockstep.
        const delay = (err as RetryableError).retryAfterMs ?? backoff / 2 + Math.random() * (backoff / 2);
        await sleep(delay);
      }
    }
    running = false;
    for (const w of idleWaiters.splice(0)) w();
  }

  return {
    notify(event, body) {
      if (closed) return false;
      let alert: Alert | null;
      try {
        alert = toAlert(event, body);
      } catch {
        return false;
      }
      if (alert === null) return false;
      const sinks: Job['sink'][] = [];
      if (cfg.webhookUrl !== undefined) sinks.push('webhook');
      if (cfg.telegram !== undefined) sinks.push('telegram');
      for (const sink of sinks) {
        if (queue.length >= cfg.queueSize) {
          // Drop the oldest that is not being sent right now: fresher alerts matter more.
          queue.splice(running ? 1 : 0, 1);
          counts.dropped += 1;
        }
        queue.push({ sink, alert, ts: now(), attempts: 0 });
      }
      if (sinks.length > 0 && !running) void loop();
      return sinks.length > 0;
    },
    stats: () => ({ queued: queue.length, ...counts }),
    idle: () => (running || queue.length > 0 ? new Promise<void>((resolve) => idleWaiters.push(resolve)) : Promise.resolve()),
    async close() {
      closed = true;
      counts.dropped += queue.length;
      queue.length = 0;
      inFlight?.abort();
      wake?.();
      for (const w of idleWaiters.splice(0)) w();
    },
  };
}
