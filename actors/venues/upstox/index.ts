/**
 * @module The Upstox venue's one way in: factories for the feed actor (`createUpstoxMarketData`) and the executor
 * (`createUpstoxBroker`), sharing one REST client and one TokenStore per process (so a hot swap reaches both).
 *
 * @example
 *   const broker = await createUpstoxBroker(cfg, log);
 *   const feed = createUpstoxMarketData(cfg, log);
 */
import type { Logger } from 'pino';
import type { UpstoxConfig } from './config.ts';
import { UpstoxBroker } from './broker.ts';
import { UpstoxMarketData } from './feed/market-data.ts';
import { resolveHosts } from './hosts.ts';
import { PortfolioStream } from './portfolio/stream.ts';
import { UpstoxRest } from './rest/client.ts';
import { UpstoxHttp } from './rest/http.ts';
import { TokenStore, loadTokenFileSync } from './token/store.ts';

export { UpstoxBroker } from './broker.ts';
export { UpstoxMarketData } from './feed/market-data.ts';
export { TokenStore } from './token/store.ts';
export { UpstoxRest } from './rest/client.ts';

/** Wall time this process started (worker threads share the process's uptime). */
const PROCESS_STARTED_AT = Date.now() - process.uptime() * 1000;

export interface UpstoxVenue {
  readonly rest: UpstoxRest;
  readonly tokens: TokenStore;
}

/**
 * Builds the REST client + token store (synchronous, so the feed's source registry can call it).
 * Token: UPSTOX_ACCESS_TOKEN, else DATA_DIR/upstox-token.json; none is fine until `volguard token` / hot swap.
 */
export function createUpstoxVenue(cfg: UpstoxConfig, log?: Logger): UpstoxVenue {
  const tokens = new TokenStore({ warnBeforeMs: cfg.UPSTOX_TOKEN_WARN_MINUTES * 60_000 });
  const file = loadTokenFileSync(cfg.DATA_DIR);
  // A token hot-swapped during this process run beats the (older) env token: an actor restarted after a swap
  // must not fall back to the token that expired.
  const swappedThisRun = file?.hot_swapped_at !== undefined && file.hot_swapped_at >= PROCESS_STARTED_AT;
  if (file !== undefined && (cfg.UPSTOX_ACCESS_TOKEN === undefined || swappedThisRun)) tokens.set(file.access_token, file.expires_at);
  else if (cfg.UPSTOX_ACCESS_TOKEN !== undefined) tokens.set(cfg.UPSTOX_ACCESS_TOKEN);
  tokens.on((e) => {
    if (e.type === 'expiring') log?.warn({ expiresAt: e.expiresAt, token: e.fingerprint }, 'upstox token expires soon');
    else if (e.type === 'expired') log?.error({ cause: e.cause, reason: e.reason, token: e.fingerprint }, 'upstox token expired');
    else log?.info({ expiresAt: e.expiresAt, token: e.fingerprint }, 'upstox token swapped');
  });
  const http = new UpstoxHttp({
    hosts: resolveHosts({ baseUrl: cfg.UPSTOX_BASE_URL, env: cfg.UPSTOX_ENV }),
    token: () => tokens.current(),
    timeoutMs: cfg.UPSTOX_TIMEOUT_MS,
    algoName: cfg.UPSTOX_ALGO_NAME,
    preferIpv4: cfg.UPSTOX_PREFER_IPV4,
    ordersPerSecond: cfg.UPSTOX_ORDERS_PER_SECOND,
    log,
    onAuthFailure: () => tokens.markRejected(),
  });
  return { rest: new UpstoxRest(http), tokens };
}

export async function createUpstoxBroker(cfg: UpstoxConfig, log?: Logger, venue?: UpstoxVenue): Promise<UpstoxBroker> {
  const v = venue ?? createUpstoxVenue(cfg, log);
  return new UpstoxBroker(v.rest, { stream: new PortfolioStream(v.rest, v.tokens, { log }), tokens: v.tokens });
}

/** Synchronous: fits the feed's `SourceFactory`. */
export function createUpstoxMarketData(cfg: UpstoxConfig, log?: Logger, venue?: UpstoxVenue): UpstoxMarketData {
  const v = venue ?? createUpstoxVenue(cfg, log);
  return new UpstoxMarketData(v.rest, v.tokens, { mode: cfg.UPSTOX_FEED_MODE, log });
}
