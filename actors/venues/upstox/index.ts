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
import { Compliance } from './compliance.ts';
import { OPERATOR_ACTIONS } from './rest/errors.ts';
import { egressAddress, type EgressAddress } from './static-ip.ts';
import { SettlementPrices, SETTLEMENT_RETRY_MS } from './settlement.ts';

export { UpstoxBroker } from './broker.ts';
export { UpstoxMarketData } from './feed/market-data.ts';
export { TokenStore } from './token/store.ts';
export { UpstoxRest } from './rest/client.ts';
export { SettlementPrices } from './settlement.ts';

/** Wall time this process started (worker threads share the process's uptime). */
const PROCESS_STARTED_AT = Date.now() - process.uptime() * 1000;

export interface UpstoxVenue {
  readonly rest: UpstoxRest;
  readonly tokens: TokenStore;
  /** Static-IP refusals from order writes and the pre-flight. */
  readonly compliance: Compliance;
  /** This machine's egress address, where it can be known (static-ip.ts). */
  readonly egress: () => Promise<EgressAddress>;
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
  const compliance = new Compliance();
  const hosts = resolveHosts({ baseUrl: cfg.UPSTOX_BASE_URL, env: cfg.UPSTOX_ENV });
  const http = new UpstoxHttp({
    hosts,
    token: () => tokens.current(),
    timeoutMs: cfg.UPSTOX_TIMEOUT_MS,
    algoName: cfg.UPSTOX_ALGO_NAME,
    preferIpv4: cfg.UPSTOX_PREFER_IPV4,
    ordersPerSecond: cfg.UPSTOX_ORDERS_PER_SECOND,
    ...(cfg.UPSTOX_ORDER_MAX_QUEUE_MS !== undefined ? { orderMaxQueueMs: cfg.UPSTOX_ORDER_MAX_QUEUE_MS } : {}),
    log,
    onAuthFailure: () => tokens.markRejected(),
    onForbidden: (err) => {
      if (err.reason !== 'STATIC_IP') return;
      log?.error({ code: err.brokerCode }, 'upstox refused an order write for this machine\'s IP (static IP)');
      compliance.refuse(err.message, OPERATOR_ACTIONS.STATIC_IP, { brokerCode: err.brokerCode ?? null, source: 'order write' });
    },
    onOrderWriteOk: () => compliance.clear('an order write was accepted from this machine'),
  });
  const egress = () => egressAddress({ orderHost: hosts.order, echoUrl: cfg.UPSTOX_EGRESS_IP_URL, timeoutMs: cfg.UPSTOX_TIMEOUT_MS });
  return { rest: new UpstoxRest(http), tokens, compliance, egress };
}

export async function createUpstoxBroker(cfg: UpstoxConfig, log?: Logger, venue?: UpstoxVenue): Promise<UpstoxBroker> {
  const v = venue ?? createUpstoxVenue(cfg, log);
  return new UpstoxBroker(v.rest, { stream: new PortfolioStream(v.rest, v.tokens, { log }), tokens: v.tokens, compliance: v.compliance, egress: v.egress });
}

/** Synchronous: fits the feed's `SourceFactory`. */
export function createUpstoxMarketData(cfg: UpstoxConfig, log?: Logger, venue?: UpstoxVenue): UpstoxMarketData {
  const v = venue ?? createUpstoxVenue(cfg, log);
  return new UpstoxMarketData(v.rest, v.tokens, { mode: cfg.UPSTOX_FEED_MODE, log });
}

/** The host settings the settlement reader needs: no credentials. */
export type SettlementReaderConfig = Pick<UpstoxConfig, 'UPSTOX_BASE_URL' | 'UPSTOX_ENV' | 'UPSTOX_TIMEOUT_MS' | 'UPSTOX_PREFER_IPV4'>;

/**
 * The final settlement prices of index-option expiries from Upstox (settlement.ts: the index's day-candle close),
 * without an account: the day candles are served without a token (a `public` call), so paper trading on the Upstox
 * feed settles at the same figure as live while the executor holds no credential. `now` is the runtime's clock
 * (the backoff between two asks for a price not published yet).
 */
export function createSettlementReader(cfg: SettlementReaderConfig, log?: Logger, opts: { readonly now?: () => number; readonly retryMs?: number } = {}): SettlementPrices {
  const http = new UpstoxHttp({
    hosts: resolveHosts({ baseUrl: cfg.UPSTOX_BASE_URL, env: cfg.UPSTOX_ENV }),
    token: () => undefined,
    timeoutMs: cfg.UPSTOX_TIMEOUT_MS,
    preferIpv4: cfg.UPSTOX_PREFER_IPV4,
    log,
  });
  const rest = new UpstoxRest(http);
  return new SettlementPrices((key, date) => rest.dayCandles(key, date, date), opts.now ?? Date.now, opts.retryMs ?? SETTLEMENT_RETRY_MS);
}
