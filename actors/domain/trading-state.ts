/**
 * @module The trading state the kill switch owns, and the actions it permits in each (NautilusTrader's
 * `TradingState`, with two more levels: DEGRADED below NORMAL, EMERGENCY above HALTED). `permits(state, action)` is
 * the one gate: the kill switch publishes it and the executor asks it before anything it sends (DESIGN §8).
 */

export type TradingState = 'NORMAL' | 'DEGRADED' | 'HALTED' | 'EMERGENCY' | 'SHUTDOWN';
export const TRADING_STATES: readonly TradingState[] = ['NORMAL', 'DEGRADED', 'HALTED', 'EMERGENCY', 'SHUTDOWN'];

/**
 * What an actor wants to do:
 * - `increase`: an order that adds risk (an entry, a roll's new legs);
 * - `reduce`: an exit nobody approved (FULL_AUTO, adopted positions);
 * - `approvedExit`: an exit a human approved (SEMI_AUTO);
 * - `compensate`: undoing the filled legs of a saga that failed (the saga's rollback: a half-built structure must not
 *   stay — its shorts could be left without their wings);
 * - `cancel`: pulling a working order;
 * - `flatten`: the kill switch's own close-everything.
 */
export type Action = 'increase' | 'reduce' | 'approvedExit' | 'compensate' | 'cancel' | 'flatten';
export const ACTIONS: readonly Action[] = ['increase', 'reduce', 'approvedExit', 'compensate', 'cancel', 'flatten'];

/** The answer for every action in one state. */
export type Permits = Readonly<Record<Action, boolean>>;

/**
 * DESIGN §3. DEGRADED: no new risk. HALTED: cancels and approved exits only (plus the rollback of a saga caught in
 * flight, and the flatten). EMERGENCY: the flatten owns the book; nothing else is sent. SHUTDOWN: cancels only.
 */
export function permits(state: TradingState, action: Action): boolean {
  switch (state) {
    case 'NORMAL': return true;
    case 'DEGRADED': return action !== 'increase';
    case 'HALTED': return action === 'cancel' || action === 'approvedExit' || action === 'compensate' || action === 'flatten';
    case 'EMERGENCY': return action === 'cancel' || action === 'flatten';
    case 'SHUTDOWN': return action === 'cancel';
  }
}

export function permitsOf(state: TradingState): Permits {
  return Object.fromEntries(ACTIONS.map((a) => [a, permits(state, a)])) as unknown as Permits;
}
