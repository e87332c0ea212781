/**
 * @module The portfolio stream: JSON text frames with order updates (from any Upstox platform, not just ours),
 * turned into BrokerOrders for the executor. Bad frames are counted and logged, never thrown into the socket loop.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { BrokerOrder } from '../../broker.ts';
import type { SourceStatus } from '../../market-data.ts';
import type { UpstoxRest } from '../rest/client.ts';
import { toBrokerOrder } from '../rest/map.ts';
import { order } from '../rest/schemas.ts';
import type { TokenStore } from '../token/store.ts';
import { ResilientSocket } from '../ws/session.ts';

const updateFrame = z.object({ update_type: z.string() }).loose();

export interface PortfolioStreamOptions {
  readonly log?: Logger | undefined;
  readonly now?: () => number;
  readonly pingIntervalMs?: number;
  readonly backoffInitialMs?: number;
}

export class PortfolioStream {
  readonly #session: ResilientSocket;
  readonly #tokens: TokenStore;
  readonly #orders = new Set<(o: BrokerOrder) => void>();
  readonly #status = new Set<(s: SourceStatus) => void>();
  readonly #log: Logger | undefined;
  readonly #now: () => number;
  #offToken: (() => void) | undefined;
  #badFrames = 0;

  constructor(rest: UpstoxRest, tokens: TokenStore, opts: PortfolioStreamOptions = {}) {
    this.#tokens = tokens;
    this.#log = opts.log;
    this.#now = opts.now ?? Date.now;
    this.#session = new ResilientSocket({
      name: 'portfolio-stream',
      authorize: () => rest.portfolioAuthorize(['order']),
      token: () => tokens.current(),
      onOpen: () => undefined,
      onMessage: (data) => this.#onFrame(data),
      onStatus: (s) => { for (const l of this.#status) l(s); },
      ...(opts.pingIntervalMs !== undefined ? { pingIntervalMs: opts.pingIntervalMs } : {}),
      ...(opts.backoffInitialMs !== undefined ? { backoffInitialMs: opts.backoffInitialMs } : {}),
      log: opts.log,
    });
  }

  get badFrames(): number {
    return this.#badFrames;
  }

  onOrder(listener: (o: BrokerOrder) => void): () => void {
    this.#orders.add(listener);
    return () => this.#orders.delete(listener);
  }

  onStatus(listener: (s: SourceStatus) => void): () => void {
    this.#status.add(listener);
    return () => this.#status.delete(listener);
  }

  start(): void {
    this.#offToken ??= this.#tokens.on((e) => { if (e.type === 'swapped') this.#session.reauthorize(); });
    this.#session.start();
  }

  async stop(): Promise<void> {
    this.#offToken?.();
    this.#offToken = undefined;
    await this.#session.stop();
  }

  #onFrame(data: Buffer): void {
    let raw: unknown;
    try {
      raw = JSON.parse(data.toString('utf8'));
    } catch {
      return this.#bad('expected a JSON frame, was unparseable text');
    }
    const head = updateFrame.safeParse(raw);
    if (!head.success) return this.#bad('expected an object with update_type');
    if (head.data.update_type !== 'order') return;
    const parsed = order.safeParse(raw);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      return this.#bad(`expected an order update, was invalid at ${i?.path.join('.') ?? '?'}: ${i?.message ?? ''}`);
    }
    const o = toBrokerOrder(parsed.data, this.#now());
    for (const l of this.#orders) l(o);
  }

  #bad(why: string): void {
    this.#badFrames++;
    this.#log?.warn({ why }, 'portfolio stream: frame dropped');
  }
}
