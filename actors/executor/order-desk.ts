/**
 * @module The engine's hands at the broker: send, cancel, and journal what the broker answers and pushes. Every order
 * goes out only after its intent is journaled (awaited) — a crash at any point leaves a record reconciliation can
 * match by tag — and its answer decides: placed → sent; a definitive refusal → rejected; anything else → UNKNOWN
 * (never resent; reconciliation resolves it). Order updates the broker pushes (paper: synchronously inside a call)
 * are queued and journaled in order by `drain()`.
 *
 * What the broker says (answers, updates, and the charges its fills book) is staged — journaled and applied at once —
 * and awaited before the next order goes out, in the same journal commit as that order's intent: one commit an order
 * (a group's intents share one), not one an event.
 */
import { BrokerError, type Broker, type BrokerOrder, type MultiPlaceLine, type OrderRequest } from '../venues/broker.ts';
import type { EngineLog } from './ports.ts';
import { isTerminal, type ExecEvent, type ExecState, type PlannedOrder } from './state.ts';

/** Upstox (and the paper exchange) take at most 25 lines per multi order. */
const MULTI_MAX = 25;

export interface Journaling {
  readonly state: ExecState;
  /** Journals (awaited) then applies: decisions. */
  emit(events: readonly ExecEvent[]): Promise<void>;
  /** Journals (not awaited) and applies at once: the broker's facts (engine.ts #stage). */
  stage(facts: readonly ExecEvent[]): void;
  /** Awaits every staged fact's record; throws the first the journal refused. */
  settle(): Promise<void>;
  now(): number;
  readonly log: EngineLog;
}

/** A definitive refusal (the order does not exist at the broker); anything else leaves the order UNKNOWN. */
function isDefinitive(err: BrokerError): boolean {
  return err.kind === 'REJECTED' || err.kind === 'VALIDATION' || err.kind === 'MARKET_CLOSED' || err.kind === 'RATE_LIMIT' || err.kind === 'AUTH' || err.kind === 'FORBIDDEN';
}

const STOPS = new Set(['rejected', 'unknown', 'cancelled', 'expired']);

export class OrderDesk {
  readonly #broker: Broker;
  readonly #multi: boolean;
  readonly #j: Journaling;
  readonly #updates: BrokerOrder[] = [];
  readonly #unsubscribe: () => void;

  constructor(broker: Broker, multiOrder: boolean, journaling: Journaling) {
    this.#broker = broker;
    this.#multi = multiOrder;
    this.#j = journaling;
    this.#unsubscribe = broker.onOrderUpdate((o) => this.#updates.push(o));
  }

  close(): void {
    this.#unsubscribe();
  }

  /** Journals the order updates the broker pushed since the last drain (ours only; others are left to recon). */
  async drain(): Promise<void> {
    this.#stageUpdates();
    await this.#j.settle();
  }

  /** Stages the order updates the broker pushed since the last look, in order (each compared with the state the last left). */
  #stageUpdates(): void {
    while (this.#updates.length > 0) {
      const u = this.#updates.shift();
      if (u === undefined || u.clientOrderId === null) continue;
      const o = this.#j.state.orders[u.clientOrderId];
      if (o === undefined) continue;
      // One of several ids the broker gave this order is compared with its own part, never with the sum.
      const was = o.parts?.[u.brokerOrderId] ?? o;
      if (u.filledQuantity === was.filledQuantity && u.status === was.status) continue;
      if (u.filledQuantity < was.filledQuantity) continue;
      this.#j.stage([{
        type: 'executor.orderUpdated', clientOrderId: o.clientOrderId, sagaId: o.sagaId, brokerOrderId: u.brokerOrderId,
        status: u.status, filledQuantity: u.filledQuantity, averagePrice: u.averagePrice,
        ...(u.statusMessage !== undefined ? { reason: u.statusMessage } : {}), ts: this.#j.now(),
      }]);
    }
  }

  /** Intent journaled (awaited), then sent; the answer decides sent / rejected / UNKNOWN. Never resent. */
  async send(orders: readonly PlannedOrder[]): Promise<void> {
    if (this.#multi && orders.length > 1) {
      await this.#sendMulti(orders);
      return;
    }
    for (const o of orders) {
      await this.#j.emit([{ type: 'executor.orderIntent', ...o, ts: this.#j.now() }]);
      let line: MultiPlaceLine;
      try {
        const r = await this.#broker.placeOrder(request(o));
        line = { ok: true, clientOrderId: o.clientOrderId, brokerOrderIds: r.brokerOrderIds };
      } catch (err) {
        line = { ok: false, clientOrderId: o.clientOrderId, error: err instanceof BrokerError ? err : new BrokerError('AMBIGUOUS', String(err), { cause: err }) };
      }
      // The answer and what the broker pushed meanwhile go with the next intent's commit (or the settle below).
      this.#record(o, line);
      this.#stageUpdates();
      // On any failure stop sending the rest of the group: the saga decides (compensate, or wait for recon).
      if (STOPS.has(this.#j.state.orders[o.clientOrderId]?.status ?? '')) break;
    }
    await this.#j.settle();
  }

  /**
   * A group in `placeMultiOrder` calls of ≤ 25 lines, BUY lines first. Every intent is journaled before the call; the
   * answer is taken line by line (HTTP 207 partial success). A call that throws as a whole is definitive for every
   * line only when the broker refused the batch (nothing placed); otherwise every line is UNKNOWN.
   */
  async #sendMulti(orders: readonly PlannedOrder[]): Promise<void> {
    const sorted = [...orders.filter((o) => o.side === 'BUY'), ...orders.filter((o) => o.side === 'SELL')];
    for (let i = 0; i < sorted.length; i += MULTI_MAX) {
      const chunk = sorted.slice(i, i + MULTI_MAX);
      await this.#j.emit(chunk.map((o) => ({ type: 'executor.orderIntent' as const, ...o, ts: this.#j.now() })));
      let lines: readonly MultiPlaceLine[];
      try {
        const answer = await this.#broker.placeMultiOrder(chunk.map((o) => ({ ...request(o), correlationId: o.clientOrderId })));
        // A line the answer does not mention may exist: UNKNOWN, never a rejection.
        lines = chunk.map((o) => answer.find((l) => l.clientOrderId === o.clientOrderId)
          ?? { ok: false, clientOrderId: o.clientOrderId, error: new BrokerError('AMBIGUOUS', 'multi-order: line missing from the answer') });
      } catch (err) {
        const e = err instanceof BrokerError ? err : new BrokerError('AMBIGUOUS', String(err), { cause: err });
        lines = chunk.map((o) => ({ ok: false, clientOrderId: o.clientOrderId, error: e }));
      }
      for (const [j, line] of lines.entries()) this.#record(chunk[j]!, line);
      this.#stageUpdates();
      // A failed line stops the next chunk (the saga decides: compensate, or wait for reconciliation).
      if (chunk.some((o) => STOPS.has(this.#j.state.orders[o.clientOrderId]?.status ?? ''))) break;
    }
    await this.#j.settle();
  }

  /** Stages one placement answer: placed → sent; a definitive refusal → rejected; anything else → UNKNOWN. */
  #record(o: PlannedOrder, line: MultiPlaceLine): void {
    const now = this.#j.now();
    if (line.ok) {
      // Several ids for one order (the broker sliced it): every one is tracked as a part of the order.
      const ids = line.brokerOrderIds.length > 1 ? { brokerOrderIds: [...line.brokerOrderIds] } : {};
      this.#j.stage([{ type: 'executor.orderSent', clientOrderId: o.clientOrderId, sagaId: o.sagaId, brokerOrderId: line.brokerOrderIds[0] ?? '', ...ids, ts: now }]);
    } else if (isDefinitive(line.error)) {
      // The kind leads the reason so the saga can tell a closed market (carried to the open) from a refusal.
      const reason = line.error.kind === 'MARKET_CLOSED' ? `MARKET_CLOSED: ${line.error.message}` : line.error.message;
      this.#j.stage([{ type: 'executor.orderUpdated', clientOrderId: o.clientOrderId, sagaId: o.sagaId, brokerOrderId: null, status: 'rejected', filledQuantity: 0, averagePrice: 0, reason, ts: now }]);
    } else {
      this.#j.log.error({ clientOrderId: o.clientOrderId, err: line.error.message }, 'order fate unknown: UNKNOWN until reconciliation');
      this.#j.stage([{ type: 'executor.orderUnknown', clientOrderId: o.clientOrderId, sagaId: o.sagaId, error: line.error.message, ts: now }]);
    }
  }

  async cancel(clientOrderId: string): Promise<void> {
    const o = this.#j.state.orders[clientOrderId];
    if (o === undefined || o.brokerOrderId === null || isTerminal(o.status)) return;
    // Every id of the order still working (several when the broker sliced it).
    const ids = o.parts === undefined ? [o.brokerOrderId] : Object.entries(o.parts).filter(([, p]) => !isTerminal(p.status)).map(([id]) => id);
    for (const id of ids) {
      try {
        await this.#broker.cancelOrder(id);
      } catch (err) {
        // Already filled/cancelled at the broker: the update stream or reconciliation brings the truth.
        this.#j.log.warn({ clientOrderId, brokerOrderId: id, err: (err as Error).message }, 'cancel refused');
      }
    }
    await this.drain();
  }
}

function request(o: PlannedOrder): OrderRequest {
  return {
    clientOrderId: o.clientOrderId, instrumentKey: o.instrumentKey, side: o.side, quantity: o.quantity, orderType: o.orderType,
    ...(o.orderType === 'LIMIT' ? { price: o.price } : {}), product: o.product ?? 'D', validity: 'DAY',
    ...(o.orderType === 'MARKET' && o.marketProtection !== undefined ? { marketProtection: o.marketProtection } : {}),
  };
}
