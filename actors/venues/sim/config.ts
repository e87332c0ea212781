/**
 * @module Environment variables owned by the simulated market and paper exchange.
 */
import type { EnvShape } from '../../../runtime/config-kit.ts';
import { envNumber } from '../../../runtime/config-kit.ts';

export const simEnv = {
  SIM_SEED: envNumber({ int: true, min: 0 }).default(1),
  SIM_SPEED: envNumber({ min: 0.001, max: 100000 }).default(1),
} satisfies EnvShape;
