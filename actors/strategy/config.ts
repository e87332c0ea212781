/**
 * @module Environment variables owned by the strategy actor (merged into the one boot-time schema in runtime/config.ts).
 */
import type { EnvShape } from '../../runtime/config-kit.ts';

export const strategyEnv = {} satisfies EnvShape;
