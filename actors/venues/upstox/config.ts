/**
 * @module Environment variables owned by the Upstox venue.
 */
import type { EnvShape } from '../../../runtime/config-kit.ts';
import { envBool, envEnum, envNumber, envString } from '../../../runtime/config-kit.ts';

export const upstoxEnv = {
  UPSTOX_API_KEY: envString().optional(),
  UPSTOX_API_SECRET: envString().optional(),
  UPSTOX_REDIRECT_URI: envString().optional(),
  UPSTOX_ACCESS_TOKEN: envString().optional(),
  /** Overrides every host (REST, order host, WebSockets, instruments master): the local fake, a proxy. */
  UPSTOX_BASE_URL: envString().optional(),
  /** Host preset when UPSTOX_BASE_URL is unset. The sandbox only serves order writes. */
  UPSTOX_ENV: envEnum(['production', 'sandbox']).default('production'),
  /** Sent as `X-Algo-Name` (required for SEBI-registered algos). */
  UPSTOX_ALGO_NAME: envString().optional(),
  /** Per-request timeout; an order call that times out is AMBIGUOUS, never retried. */
  UPSTOX_TIMEOUT_MS: envNumber({ int: true, min: 100, max: 120_000 }).default(10_000),
  /** Resolve hosts IPv4 first (api-hft.upstox.com IPv6 connects are known to hang). */
  UPSTOX_PREFER_IPV4: envBool().default(true),
  /** Market feed V3 mode for option keys (index keys always use `full`). */
  UPSTOX_FEED_MODE: envEnum(['ltpc', 'full', 'option_greeks']).default('full'),
  /** Minutes before the 03:30 IST expiry at which the token store starts warning. */
  UPSTOX_TOKEN_WARN_MINUTES: envNumber({ int: true, min: 1, max: 1440 }).default(60),
  /** Orders per second allowed by the account (10 regular; 50 for SEBI-registered algos). */
  UPSTOX_ORDERS_PER_SECOND: envNumber({ int: true, min: 1, max: 50 }).default(10),
} satisfies EnvShape;

/** The slice of the boot config the venue reads (keys are the variable names). */
export interface UpstoxConfig {
  readonly UPSTOX_API_KEY?: string | undefined;
  readonly UPSTOX_API_SECRET?: string | undefined;
  readonly UPSTOX_REDIRECT_URI?: string | undefined;
  readonly UPSTOX_ACCESS_TOKEN?: string | undefined;
  readonly UPSTOX_BASE_URL?: string | undefined;
  readonly UPSTOX_ENV: 'production' | 'sandbox';
  readonly UPSTOX_ALGO_NAME?: string | undefined;
  readonly UPSTOX_TIMEOUT_MS: number;
  readonly UPSTOX_PREFER_IPV4: boolean;
  readonly UPSTOX_FEED_MODE: 'ltpc' | 'full' | 'option_greeks';
  readonly UPSTOX_TOKEN_WARN_MINUTES: number;
  readonly UPSTOX_ORDERS_PER_SECOND: number;
  readonly DATA_DIR: string;
}
