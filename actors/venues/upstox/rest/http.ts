/**
 * @module The one way Upstox REST is called: host choice, headers, rate limits, timeouts, retries, validation and
 * error mapping. Reads are retried with exponential backoff; order writes never are — a write whose fate is unknown
 * (timeout, reset, 5xx) throws AMBIGUOUS so the caller reconciles from the order book by `tag`.
 */
import { setDefaultResultOrder } from 'node:dns';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { BrokerError } from '../../broker.ts';
import { isOrderHostPath, type UpstoxHosts } from '../hosts.ts';
import { redact } from '../redact.ts';
import { describe, errorFromResponse } from './errors.ts';
import {
  RateLimitDenied, RateLimiter, REGISTERED_ORDERS_PER_SECOND, STANDARD_BANDS, UNREGISTERED_ORDERS_PER_SECOND, describeBands, orderBands,
  realTimers, type RateLimiterStats, type Timers,
} from './rate-limiter.ts';
import { OPERATOR_ACTIONS } from './errors.ts';

/** `read`: retried; `order`: order-class limits and static-IP rule, never retried; `write`: an account change that is
 *  not an order (kill switch), never retried; `auth`: token exchange (no bearer, no retry); `public`: market data
 *  Upstox serves without a token (historical candles: the official SDK sends none), retried as a read, no bearer —
 *  so it works without an account (paper on the Upstox feed) and after the token's 03:30 expiry. */
export type CallClass = 'read' | 'order' | 'write' | 'auth' | 'public';

export interface HttpOptions {
  readonly hosts: UpstoxHosts;
  /** The current token; read on every call so a hot swap takes effect at once. */
  readonly token: () => string | undefined;
  readonly timeoutMs: number;
  /** Sent as `X-Algo-Name` on every call (a SEBI-registered algo); without one orders are capped at 10/s. */
  readonly algoName?: string | undefined;
  readonly preferIpv4?: boolean;
  readonly ordersPerSecond?: number;
  /** An order write whose turn at the limiter is further away than this is refused (RATE) instead of queued. */
  readonly orderMaxQueueMs?: number;
  readonly maxReadRetries?: number;
  readonly backoffMs?: number;
  readonly timers?: Timers;
  readonly log?: Logger | undefined;
  /** Called on 401/UDAPI100050 so the token store can declare TOKEN_EXPIRED. */
  readonly onAuthFailure?: (err: BrokerError) => void;
  /** Called when Upstox refuses an order write for who sent it (static IP, algo name): a HALT, not a retry. */
  readonly onForbidden?: (err: BrokerError) => void;
  /** Called when an order write succeeded (so a STATIC_IP hold can be known to have cleared). */
  readonly onOrderWriteOk?: () => void;
  readonly fetch?: typeof fetch;
}

export interface CallSpec<T extends z.ZodType> {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly cls: CallClass;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly json?: unknown;
  readonly form?: Readonly<Record<string, string>>;
  /** Default: `2.0` on /v2/ paths, none elsewhere (apiVersionFor). */
  readonly apiVersion?: '2.0' | '3.0' | 'none';
  /** Schema of the whole body (envelope included); 207 bodies are validated too. */
  readonly schema: T;
  /** Host override (instruments master lives on the assets host). */
  readonly host?: 'api' | 'order' | 'assets';
  readonly raw?: 'gzip-json';
  /** Batch endpoints answer a 4xx with per-line errors in the batch envelope; validate it instead of throwing. */
  readonly batchErrors?: boolean;
  /** Receives the headers of the answer that is returned (e.g. the master's Last-Modified / ETag). */
  readonly onHeaders?: (headers: Headers) => void;
}

let ipv4Preferred = false;

export class UpstoxHttp {
  readonly #o: HttpOptions;
  readonly #orders: RateLimiter;
  readonly #standard: RateLimiter;
  readonly #timers: Timers;
  readonly #fetch: typeof fetch;

  constructor(opts: HttpOptions) {
    const perSecond = opts.ordersPerSecond ?? UNREGISTERED_ORDERS_PER_SECOND;
    const algo = opts.algoName !== undefined && opts.algoName !== '';
    if (perSecond > (algo ? REGISTERED_ORDERS_PER_SECOND : UNREGISTERED_ORDERS_PER_SECOND)) {
      throw new RangeError(algo
        ? `expected UPSTOX_ORDERS_PER_SECOND <= ${REGISTERED_ORDERS_PER_SECOND} (a registered algo), was ${perSecond}`
        : `expected UPSTOX_ORDERS_PER_SECOND <= ${UNREGISTERED_ORDERS_PER_SECOND} without UPSTOX_ALGO_NAME (SEBI: more than 10 orders/s needs a registered algo), was ${perSecond}`);
    }
    this.#o = opts;
    this.#timers = opts.timers ?? realTimers;
    this.#orders = new RateLimiter(orderBands(perSecond), this.#timers);
    this.#standard = new RateLimiter(STANDARD_BANDS, this.#timers);
    this.#fetch = opts.fetch ?? fetch;
    // fetch (undici) resolves through dns.lookup; this is process-wide, which is what we want for a trading host.
    if (opts.preferIpv4 !== false && !ipv4Preferred) {
      setDefaultResultOrder('ipv4first');
      ipv4Preferred = true;
    }
  }

  get hosts(): UpstoxHosts {
    return this.#o.hosts;
  }

  /** The venue's rate limiters as they stand (queued calls, waits, refusals): for inspect and metrics. */
  rateStats(): { readonly orders: RateLimiterStats & { readonly limits: string }; readonly standard: RateLimiterStats & { readonly limits: string } } {
    return {
      orders: { ...this.#orders.stats(), limits: describeBands(this.#orders.bands) },
      standard: { ...this.#standard.stats(), limits: describeBands(this.#standard.bands) },
    };
  }

  async call<T extends z.ZodType>(spec: CallSpec<T>): Promise<z.output<T>> {
    const retries = spec.cls === 'read' || spec.cls === 'public' ? (this.#o.maxReadRetries ?? 3) : 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#once(spec);
      } catch (err) {
        const retryable = err instanceof BrokerError && (err.kind === 'SERVER' || err.kind === 'RATE_LIMIT');
        if (!retryable || attempt >= retries) throw err;
        const delay = (this.#o.backoffMs ?? 250) * 2 ** attempt;
        this.#o.log?.warn({ call: `${spec.method} ${spec.path}`, attempt: attempt + 1, delayMs: delay, kind: err.kind }, 'upstox read failed; retrying');
        await new Promise<void>((resolve) => this.#timers.setTimeout(resolve, delay));
      }
    }
  }

  async #once<T extends z.ZodType>(spec: CallSpec<T>): Promise<z.output<T>> {
    const name = `${spec.method} ${spec.path}`;
    const isOrderWrite = spec.cls === 'order';
    // A write whose answer is lost may have happened: AMBIGUOUS, like an order.
    const isWrite = isOrderWrite || spec.cls === 'write';
    await this.#acquire(name, isOrderWrite);
    const url = this.#url(spec);
    const headers: Record<string, string> = { Accept: 'application/json' };
    const token = this.#o.token();
    if (spec.cls !== 'auth' && spec.cls !== 'public') {
      if (token === undefined || token === '') throw new BrokerError('AUTH', `${name}: expected a usable access token, was none (absent or expired: run \`volguard token\` or POST /api/token/refresh)`, { reason: 'TOKEN', action: OPERATOR_ACTIONS.TOKEN });
      headers['Authorization'] = `Bearer ${token}`;
    }
    const version = apiVersionFor(spec);
    if (version !== undefined) headers['Api-Version'] = version;
    if (this.#o.algoName !== undefined) headers['X-Algo-Name'] = this.#o.algoName;
    let body: string | undefined;
    if (spec.form !== undefined) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(spec.form as Record<string, string>).toString();
    } else if (spec.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(spec.json);
    }
    const started = this.#timers.now();
    let res: Response;
    try {
      res = await this.#fetch(url, {
        method: spec.method, headers, signal: AbortSignal.timeout(this.#o.timeoutMs), ...(body !== undefined ? { body } : {}),
      });
    } catch (cause) {
      throw this.#transportError(name, cause, isWrite);
    }
    let parsed: unknown;
    try {
      if (spec.raw === 'gzip-json' && res.ok) {
        parsed = await decodeGzipJson(res);
      } else {
        const text = await res.text();
        parsed = text === '' ? undefined : safeJson(text);
      }
    } catch (cause) {
      throw this.#transportError(name, cause, isWrite);
    }
    this.#o.log?.debug({ call: name, status: res.status, ms: this.#timers.now() - started }, 'upstox call');
    if (!res.ok && spec.batchErrors === true && res.status >= 400 && res.status < 500 && res.status !== 401 && res.status !== 429) {
      const batch = spec.schema.safeParse(parsed);
      if (batch.success) return batch.data;
    }
    if (!res.ok) {
      const err = this.#scrub(errorFromResponse(name, res.status, parsed, isWrite));
      if (err.kind === 'AUTH' && err.reason === 'TOKEN') this.#o.onAuthFailure?.(err);
      if (err.kind === 'FORBIDDEN' && isOrderWrite) this.#o.onForbidden?.(err);
      throw err;
    }
    if (isOrderWrite) this.#o.onOrderWriteOk?.();
    const result = spec.schema.safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0];
      const where = issue === undefined ? '' : ` at ${issue.path.join('.') || '(root)'}: ${issue.message}`;
      // A 2xx we cannot read on an order write: the order may exist.
      throw this.#scrub(new BrokerError(isWrite ? 'AMBIGUOUS' : 'SERVER',
        `${name}: expected a valid Upstox answer${where}, was ${describe(parsed)}`));
    }
    spec.onHeaders?.(res.headers);
    return result.data;
  }

  /** Order writes beyond the queueing allowance are refused (RATE, nothing sent); reads always queue. Waits show. */
  async #acquire(name: string, isOrderWrite: boolean): Promise<void> {
    const limiter = isOrderWrite ? this.#orders : this.#standard;
    let waited: number;
    try {
      waited = await limiter.acquire(isOrderWrite ? { maxWaitMs: this.#o.orderMaxQueueMs ?? 2_000 } : {});
    } catch (err) {
      if (!(err instanceof RateLimitDenied)) throw err;
      this.#o.log?.warn({ call: name, waitMs: Math.ceil(err.waitMs), queued: err.queued }, 'upstox order refused by the client rate limiter');
      throw new BrokerError('RATE_LIMIT', `${name}: refused by VolGuard's rate limiter before sending: ${err.message}. ${OPERATOR_ACTIONS.RATE}`, { reason: 'RATE', action: OPERATOR_ACTIONS.RATE });
    }
    if (waited >= 1000) this.#o.log?.warn({ call: name, waitedMs: waited, queued: limiter.queued }, 'upstox call queued by the client rate limiter');
    else if (waited > 0) this.#o.log?.debug({ call: name, waitedMs: waited }, 'upstox call queued by the client rate limiter');
  }

  #url(spec: CallSpec<z.ZodType>): string {
    const hostKey = spec.host ?? (isOrderHostPath(spec.path) ? 'order' : 'api');
    const url = new URL(this.#o.hosts[hostKey] + spec.path);
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    return url.toString();
  }

  #transportError(name: string, cause: unknown, isWrite: boolean): BrokerError {
    const what = cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError')
      ? `a timeout after ${this.#o.timeoutMs} ms`
      : `a transport failure (${cause instanceof Error ? `${cause.name}: ${(cause.cause as Error | undefined)?.message ?? cause.message}` : String(cause)})`;
    const err = isWrite
      ? new BrokerError('AMBIGUOUS', `${name}: expected an answer, was ${what}; fate unknown, reconcile (orders by tag)`)
      : new BrokerError('SERVER', `${name}: expected an answer, was ${what}`);
    return this.#scrub(err);
  }

  /** Removes the token from a message (a proxy or server might echo headers back). Causes are not attached. */
  #scrub(err: BrokerError): BrokerError {
    const msg = redact(err.message, [this.#o.token()]);
    if (msg === err.message) return err;
    return new BrokerError(err.kind, msg, { brokerCode: err.brokerCode, reason: err.reason, action: err.action });
  }
}

/**
 * The `Api-Version` header, as the official SDK sends it: `2.0` on the v2 endpoints that take it (and the token
 * exchange, which requires it), never `2.0` on a v3 path; a spec may name its own (funds v3: `3.0`, as Upstox's
 * example does). Kill switch and static IP endpoints take none.
 */
export function apiVersionFor(spec: { readonly path: string; readonly apiVersion?: '2.0' | '3.0' | 'none' }): string | undefined {
  if (spec.apiVersion === 'none') return undefined;
  if (spec.apiVersion !== undefined) return spec.apiVersion;
  return spec.path.startsWith('/v2/') ? '2.0' : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function decodeGzipJson(res: Response): Promise<unknown> {
  const { gunzipSync } = await import('node:zlib');
  const buf = Buffer.from(await res.arrayBuffer());
  // fetch already inflates when the server sets Content-Encoding: gzip; a .gz file is served as bytes.
  const isGzip = buf.length > 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  return JSON.parse((isGzip ? gunzipSync(buf) : buf).toString('utf8'));
}
