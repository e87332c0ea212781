/**
 * @module Environment variables owned by the executor actor (merged into the one boot-time schema in runtime/config.ts).
 */
import type { EnvShape } from '../../runtime/config-kit.ts';

export const executorEnv = {} satisfies EnvShape;
