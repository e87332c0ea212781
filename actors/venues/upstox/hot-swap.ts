/**
 * @module Token hot swap for the running system (POST /api/token/refresh): validate the new token against Upstox
 * (profile), store it (DATA_DIR/upstox-token.json, mode 0600, marked as a hot swap so a restarted actor prefers it
 * to a stale UPSTOX_ACCESS_TOKEN), then ask the feed and the executor to install it (each re-authorizes its
 * WebSockets). The token never appears in errors or logs — only a fingerprint.
 *
 * @example
 *   tokenRefresh: upstoxTokenRefresh(cfg, { request: (a, t, b, ms) => system.request(a, t, b, ms), targets: ['feed', 'executor'], log })
 */
import type { Logger } from 'pino';
import { VolguardError } from '../../../runtime/errors.ts';
import { BrokerError } from '../broker.ts';
import type { UpstoxConfig } from './config.ts';
import { createUpstoxVenue } from './index.ts';
import { redact, tokenFingerprint } from './redact.ts';
import { saveTokenFile } from './token/store.ts';

export interface TokenRefreshDeps {
  /** Request/reply to an actor (main's `system.request`). */
  request(actor: string, type: string, body: unknown, timeoutMs: number): Promise<unknown>;
  /** Actors holding an Upstox venue: 'feed' (FEED=upstox) and/or 'executor' (SAFETY_MODE=live). */
  readonly targets: readonly ('feed' | 'executor')[];
  readonly log?: Logger | undefined;
}

/** Which actors hold a live Upstox venue under this config (empty: hot swap does not apply). */
export function tokenRefreshTargets(cfg: { readonly SAFETY_MODE: string; readonly FEED: string }): ('feed' | 'executor')[] {
  return [...(cfg.FEED === 'upstox' ? ['feed' as const] : []), ...(cfg.SAFETY_MODE === 'live' ? ['executor' as const] : [])];
}

/** Checks the token with a profile call; resolves with the expiry (JWT exp or the 03:30 IST rule) and user id. */
export async function verifyUpstoxToken(cfg: UpstoxConfig, accessToken: string): Promise<{ expiresAt: number; userId: string | undefined }> {
  // No logger: a refused candidate must not read as "the token expired" in the logs.
  const venue = createUpstoxVenue({ ...cfg, UPSTOX_ACCESS_TOKEN: accessToken });
  try {
    const profile = await venue.rest.profile();
    return { expiresAt: venue.tokens.expiresAt, userId: profile.user_id };
  } catch (err) {
    if (err instanceof BrokerError && err.kind === 'AUTH') {
      throw new VolguardError('TOKEN_INVALID', `expected Upstox to accept the access token (${tokenFingerprint(accessToken)}), was refused: ${redact(err.message, [accessToken])}`);
    }
    const message = err instanceof Error ? redact(err.message, [accessToken]) : 'unknown error';
    throw new VolguardError('BROKER_UNAVAILABLE', `expected the Upstox profile to answer while checking the new token, was an error: ${message}`);
  } finally {
    venue.tokens.close();
  }
}

export function upstoxTokenRefresh(cfg: UpstoxConfig, deps: TokenRefreshDeps): (accessToken: string) => Promise<{ expiresAt: number | null }> {
  return async (accessToken) => {
    const { expiresAt, userId } = await verifyUpstoxToken(cfg, accessToken);
    const now = Date.now();
    await saveTokenFile(cfg.DATA_DIR, {
      access_token: accessToken, expires_at: expiresAt, issued_at: now, hot_swapped_at: now,
      ...(userId !== undefined ? { user_id: userId } : {}),
    });
    for (const actor of deps.targets) {
      await deps.request(actor, `${actor}.refreshToken`, { accessToken }, 5000);
    }
    deps.log?.info({ token: tokenFingerprint(accessToken), expiresAt, actors: deps.targets }, 'upstox token hot-swapped');
    return { expiresAt };
  };
}
