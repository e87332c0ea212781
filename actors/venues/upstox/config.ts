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
  /** The exchange-registered algo name, sent as `X-Algo-Name` on every call. Without it Upstox allows at most 10
   *  orders/s (SEBI retail-algo framework); with it up to 50. Unknown names are refused (UDAPI1156). */
  UPSTOX_ALGO_NAME: envString().optional(),
  /** The product of VolGuard's own orders: `D` carry-forward (NRML), `I` intraday (squared off by the broker before
   *  the close). Exits, compensations and the flatten close each position in the product it is held in. */
  UPSTOX_PRODUCT: envEnum(['D', 'I']).default('D'),
  /** Per-request timeout; an order call that times out is AMBIGUOUS, never retried. */
  UPSTOX_TIMEOUT_MS: envNumber({ int: true, min: 100, max: 120_000 }).default(10_000),
  /** Resolve hosts IPv4 first (api-hft.upstox.com IPv6 connects are known to hang). */
  UPSTOX_PREFER_IPV4: envBool().default(true),
  /** Market feed V3 mode for option quotes: `option_greeks` (best bid/ask, IV, greeks, OI; 3,000 keys alone, 2,000
   *  combined), `full` (5-level depth as well; 2,000 / 1,500) or `ltpc` (last price only: no quotes, no greeks). Index
   *  keys use `ltpc`; FEED_DEPTH_STRIKES puts the strikes nearest the money in `full`. */
  UPSTOX_FEED_MODE: envEnum(['ltpc', 'full', 'option_greeks']).default('option_greeks'),
  /** Minutes before the 03:30 IST expiry at which the token store starts warning. */
  UPSTOX_TOKEN_WARN_MINUTES: envNumber({ int: true, min: 1, max: 1440 }).default(60),
  /** Orders per second the client allows itself: at most 10 without UPSTOX_ALGO_NAME, at most 50 with one (refused at
   *  boot otherwise). */
  UPSTOX_ORDERS_PER_SECOND: envNumber({ int: true, min: 1, max: 50 }).default(10),
  /** An order whose turn at the client rate limiter is further away than this is refused (RATE, nothing sent)
   *  instead of going out late. */
  UPSTOX_ORDER_MAX_QUEUE_MS: envNumber({ int: true, min: 0, max: 60_000 }).default(2_000),
  /** A URL answering this machine's public IP as plain text (e.g. https://checkip.amazonaws.com), for the static-IP
   *  pre-flight behind NAT. Unset: no outside service is asked; the route's source address is used when it is
   *  public, else the egress is reported unknown (static-ip.ts). */
  UPSTOX_EGRESS_IP_URL: envString().optional(),
} satisfies EnvShape;

/** Rules across variables, checked at boot with the rest of the config (runtime/config.ts). */
export function upstoxConfigIssues(cfg: { readonly UPSTOX_ALGO_NAME?: string | undefined; readonly UPSTOX_ORDERS_PER_SECOND: number; readonly UPSTOX_EGRESS_IP_URL?: string | undefined }): { variable: string; message: string }[] {
  const issues: { variable: string; message: string }[] = [];
  if (cfg.UPSTOX_ALGO_NAME === undefined && cfg.UPSTOX_ORDERS_PER_SECOND > 10) {
    issues.push({ variable: 'UPSTOX_ORDERS_PER_SECOND', message: `expected at most 10 without UPSTOX_ALGO_NAME (more than 10 orders/s needs an exchange-registered algo sent as X-Algo-Name), was ${cfg.UPSTOX_ORDERS_PER_SECOND}` });
  }
  if (cfg.UPSTOX_EGRESS_IP_URL !== undefined && !/^https?:\/\//.test(cfg.UPSTOX_EGRESS_IP_URL)) {
    issues.push({ variable: 'UPSTOX_EGRESS_IP_URL', message: `expected an http(s) URL, was ${JSON.stringify(cfg.UPSTOX_EGRESS_IP_URL)}` });
  }
  return issues;
}

/** The slice of the boot config the venue reads (keys are the variable names). */
export interface UpstoxConfig {
  readonly UPSTOX_API_KEY?: string | undefined;
  readonly UPSTOX_API_SECRET?: string | undefined;
  readonly UPSTOX_REDIRECT_URI?: string | undefined;
  readonly UPSTOX_ACCESS_TOKEN?: string | undefined;
  readonly UPSTOX_BASE_URL?: string | undefined;
  readonly UPSTOX_ENV: 'production' | 'sandbox';
  readonly UPSTOX_ALGO_NAME?: string | undefined;
  readonly UPSTOX_PRODUCT?: 'D' | 'I';
  readonly UPSTOX_TIMEOUT_MS: number;
  readonly UPSTOX_PREFER_IPV4: boolean;
  readonly UPSTOX_FEED_MODE: 'ltpc' | 'full' | 'option_greeks';
  readonly UPSTOX_TOKEN_WARN_MINUTES: number;
  readonly UPSTOX_ORDERS_PER_SECOND: number;
  readonly UPSTOX_ORDER_MAX_QUEUE_MS?: number;
  readonly UPSTOX_EGRESS_IP_URL?: string | undefined;
  readonly DATA_DIR: string;
}
