/**
 * @module Environment variables owned by the gateway (control plane, metrics, auth).
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
} satisfies EnvShape;
