/**
 * @module The trading state the kill switch owns, and the actions it permits in each (NautilusTrader's
 * `TradingState`, with two more levels: DEGRADED below NORMAL, EMERGENCY above HALTED).
 */

export type TradingState = 'NORMAL' | 'DEGRADED' | 'HALTED' | 'EMERGENCY' | 'SHUTDOWN';
export const TRADING_STATES: readonly TradingState[] = ['NORMAL', 'DEGRADED', 'HALTED', 'EMERGENCY', 'SHUTDOWN'];

/** What an actor wants to do; the kill switch's `permits(state, action)` answers. */
export type Action = 'increase' | 'reduce' | 'approvedExit' | 'cancel' | 'flatten';

/** The answer for every action in one state. */
export type Permits = Readonly<Record<Action, boolean>>;
