/**
 * @module Environment variables owned by the gateway (control plane, metrics, auth, dashboard, alerts).
 */
import type { EnvShape } from '../runtime/config-kit.ts';
import { envBool, envNumber, envString } from '../runtime/config-kit.ts';

export const gatewayEnv = {
  PORT: envNumber({ int: true, min: 0, max: 65535 }).default(8000),
  METRICS_PORT: envNumber({ int: true, min: 0, max: 65535 }).default(9090),
  /** Bind address; loopback by default so a fresh install is not exposed. */
  VOLGUARD_HOST: envString().default('127.0.0.1'),
  VOLGUARD_ADMIN_TOKEN: envString(16).optional(),
  VOLGUARD_OPERATOR_TOKEN: envString(16).optional(),
  VOLGUARD_VIEWER_TOKEN: envString(16).optional(),
  VOLGUARD_CHAOS: envBool().default(false),
  /** Largest accepted request body, bytes. Control bodies are tiny; anything bigger is a mistake or an attack. */
  VOLGUARD_BODY_LIMIT: envNumber({ int: true, min: 256, max: 1_048_576 }).default(16_384),
  /** Failed authentications per client address per window before it gets 429 for the rest of the window. */
  VOLGUARD_AUTH_MAX_FAILURES: envNumber({ int: true, min: 1, max: 10_000 }).default(10),
  VOLGUARD_AUTH_WINDOW_MS: envNumber({ int: true, min: 1000, max: 86_400_000 }).default(60_000),
  /** How often the dashboard WebSocket pushes a full refresh (events are pushed as they happen). */
  VOLGUARD_DASHBOARD_REFRESH_MS: envNumber({ int: true, min: 100, max: 600_000 }).default(2_000),
  /** Generic JSON webhook for alerts (POST). Unset: no webhook. */
  ALERT_WEBHOOK_URL: z_url().optional(),
  /** Telegram bot API: both token and chat id set enables it. The token is a secret (redacted in logs). */
  TELEGRAM_BOT_TOKEN: envString(8).optional(),
  TELEGRAM_CHAT_ID: envString().optional(),
  /** Telegram API base; override for a local fake in tests and drills. */
  TELEGRAM_API_URL: z_url().default('https://api.telegram.org'),
  /** Alerts waiting to be delivered; beyond this the oldest is dropped (alerts never block the caller). */
  ALERT_QUEUE_SIZE: envNumber({ int: true, min: 1, max: 100_000 }).default(1000),
  ALERT_MAX_ATTEMPTS: envNumber({ int: true, min: 1, max: 20 }).default(5),
} satisfies EnvShape;

/** An http(s) URL string. */
function z_url() {
  return envString().refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, { message: 'expected an http(s) URL' });
}
