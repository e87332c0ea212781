/**
 * @module Environment variables owned by the Upstox venue.
 */
import type { EnvShape } from '../../../runtime/config-kit.ts';
import { envString } from '../../../runtime/config-kit.ts';

export const upstoxEnv = {
  UPSTOX_API_KEY: envString().optional(),
  UPSTOX_API_SECRET: envString().optional(),
  UPSTOX_REDIRECT_URI: envString().optional(),
  UPSTOX_ACCESS_TOKEN: envString().optional(),
  UPSTOX_BASE_URL: envString().optional(),
} satisfies EnvShape;
