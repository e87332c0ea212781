/**
 * @module Broker factories by SAFETY_MODE. `paper` is the embedded paper exchange (books in DATA_DIR/paper, matched
 * against the quotes the executor is given); `live` is Upstox. The one place the executor chooses a venue.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../../runtime/clock.ts';
import type { Config } from '../../runtime/config.ts';
import type { Broker } from '../venues/broker.ts';
import { PaperBroker } from '../venues/sim/paper/exchange.ts';
import { SnapshotQuotes } from '../venues/sim/paper/quotes.ts';

export interface BrokerHandle {
  readonly broker: Broker;
  /** Paper only: feed quotes from each snapshot and re-match working orders. */
  readonly onSnapshot?: (snapshot: import('../feed/messages.ts').MarketSnapshot) => void;
  readonly rules?: (key: string) => { lotSize: number; freezeQty: number } | undefined;
}

export type BrokerFactory = (cfg: Config, clock: Clock, log: Logger) => Promise<BrokerHandle>;

export const BROKERS: Readonly<Record<Config['SAFETY_MODE'], BrokerFactory>> = {
  paper: async (cfg, clock) => {
    const quotes = new SnapshotQuotes();
    const broker = new PaperBroker({
      dir: path.join(cfg.DATA_DIR, 'paper'), clock, quotes: quotes.quote, instruments: quotes.rules, capital: cfg.BASE_CAPITAL,
    });
    return {
      broker,
      rules: quotes.rules,
      onSnapshot: (s) => {
        quotes.update(s);
        broker.match();
      },
    };
  },
  live: async (cfg, _clock, log) => {
    const { createUpstoxBroker } = await import('../venues/upstox/index.ts');
    return { broker: await createUpstoxBroker(cfg as unknown as Parameters<typeof createUpstoxBroker>[0], log) };
  },
};
