/**
 * @module TokenStore: the access token with expiry as a first-class state.
 *
 *   absent ──set──▶ valid ──(warnBefore)──▶ expiring ──(expiry | 401/UDAPI100050)──▶ expired ──set──▶ valid
 *
 * Listeners hear `expiring` (alert), `expired` (TOKEN_EXPIRED: stop orders, halt) and `swapped` (hot swap: the REST
 * client reads the new token on its next call; WebSockets re-authorize). The token itself never leaves through
 * events, `inspect()` or errors — only a fingerprint.
 */
import { readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { VolguardError } from '../../../../runtime/errors.ts';
import { tokenFingerprint } from '../redact.ts';
import { realTimers, type Timers } from '../rest/rate-limiter.ts';
import { jwtExpiry, nextTokenExpiry } from './expiry.ts';

export type TokenState = 'absent' | 'valid' | 'expiring' | 'expired';

export type TokenEvent =
  | { readonly type: 'expiring'; readonly expiresAt: number; readonly fingerprint: string }
  | { readonly type: 'expired'; readonly cause: 'TOKEN_EXPIRED'; readonly reason: 'clock' | 'rejected'; readonly fingerprint: string }
  | { readonly type: 'swapped'; readonly expiresAt: number; readonly fingerprint: string };

export const TOKEN_FILE = 'upstox-token.json';

const tokenFile = z.object({
  access_token: z.string().min(1),
  expires_at: z.number(),
  issued_at: z.number(),
  user_id: z.string().optional(),
  /** Set by a hot swap (POST /api/token/refresh): within the same process run it beats UPSTOX_ACCESS_TOKEN. */
  hot_swapped_at: z.number().optional(),
});
export type TokenFile = z.infer<typeof tokenFile>;

export class TokenStore {
  #token: string | undefined;
  #expiresAt = 0;
  #state: TokenState = 'absent';
  #expiredBy: 'clock' | 'rejected' = 'clock';
  readonly #warnMs: number;
  readonly #timers: Timers;
  readonly #listeners = new Set<(e: TokenEvent) => void>();
  #timer: unknown;

  constructor(opts: { warnBeforeMs?: number; timers?: Timers } = {}) {
    this.#warnMs = opts.warnBeforeMs ?? 3_600_000;
    this.#timers = opts.timers ?? realTimers;
  }

  get state(): TokenState {
    return this.#state;
  }
  get expiresAt(): number {
    return this.#expiresAt;
  }
  /** The token for the wire (Authorization header). Undefined unless usable. */
  current(): string | undefined {
    return this.#state === 'valid' || this.#state === 'expiring' ? this.#token : undefined;
  }
  /** For the inspector and logs: never the token. */
  inspect(): { state: TokenState; expiresAt: number; fingerprint: string | null } {
    return { state: this.#state, expiresAt: this.#expiresAt, fingerprint: this.#token === undefined ? null : tokenFingerprint(this.#token) };
  }

  /** Expiry is state: a listener added while the token is already expired (e.g. yesterday's token at boot, expired
   *  inside `set()` before anyone listened) hears `expired` once, on a microtask, unless a swap came first. */
  on(listener: (e: TokenEvent) => void): () => void {
    this.#listeners.add(listener);
    if (this.#state === 'expired' && this.#token !== undefined) {
      const token = this.#token;
      const reason = this.#expiredBy;
      queueMicrotask(() => {
        if (this.#listeners.has(listener) && this.#state === 'expired' && this.#token === token) {
          listener({ type: 'expired', cause: 'TOKEN_EXPIRED', reason, fingerprint: tokenFingerprint(token) });
        }
      });
    }
    return () => this.#listeners.delete(listener);
  }

  /** Installs a token (boot, `volguard token`, hot swap). Expiry: given, else JWT `exp`, else the 03:30 IST rule. */
  set(token: string, expiresAt?: number): void {
    if (token === '') throw new VolguardError('TOKEN_INVALID', 'expected a non-empty access token, was an empty string');
    const hadToken = this.#token !== undefined;
    this.#token = token;
    this.#expiresAt = expiresAt ?? jwtExpiry(token) ?? nextTokenExpiry(this.#timers.now());
    this.#state = 'valid';
    this.#schedule();
    if (hadToken) this.#emit({ type: 'swapped', expiresAt: this.#expiresAt, fingerprint: tokenFingerprint(token) });
  }

  /** The broker refused the token (401 / UDAPI100050): expired now, whatever the clock says. */
  markRejected(): void {
    this.#expire('rejected');
  }

  close(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#listeners.clear();
  }

  #schedule(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    const now = this.#timers.now();
    if (now >= this.#expiresAt) return this.#expire('clock');
    const warnAt = this.#expiresAt - this.#warnMs;
    if (this.#state === 'valid' && now >= warnAt) {
      this.#state = 'expiring';
      this.#emit({ type: 'expiring', expiresAt: this.#expiresAt, fingerprint: tokenFingerprint(this.#token ?? '') });
    }
    const next = this.#state === 'valid' ? warnAt : this.#expiresAt;
    // Timers cap at ~24.8 days; re-check at most daily.
    this.#timer = this.#timers.setTimeout(() => this.#schedule(), Math.min(next - now, 86_400_000));
  }

  #expire(reason: 'clock' | 'rejected'): void {
    if (this.#state === 'expired' || this.#token === undefined) return;
    this.#state = 'expired';
    this.#expiredBy = reason;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#emit({ type: 'expired', cause: 'TOKEN_EXPIRED', reason, fingerprint: tokenFingerprint(this.#token) });
  }

  #emit(e: TokenEvent): void {
    for (const l of this.#listeners) l(e);
  }
}

/** Writes DATA_DIR/upstox-token.json with mode 0600 (atomically: temp file, then rename). */
export async function saveTokenFile(dataDir: string, file: TokenFile): Promise<string> {
  await mkdir(dataDir, { recursive: true });
  const target = path.join(dataDir, TOKEN_FILE);
  const tmp = `${target}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(file)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, target);
  return target;
}

/** Reads the token file; undefined when absent. Bad content is an error that never quotes the file. */
export async function loadTokenFile(dataDir: string): Promise<TokenFile | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(dataDir, TOKEN_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return parseTokenFile(text);
}

/** Synchronous twin for factories that must return at once (the feed's source registry). */
export function loadTokenFileSync(dataDir: string): TokenFile | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(dataDir, TOKEN_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return parseTokenFile(text);
}

function parseTokenFile(text: string): TokenFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new VolguardError('TOKEN_FILE', `expected ${TOKEN_FILE} to hold JSON, was unreadable text`);
  }
  const parsed = tokenFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VolguardError('TOKEN_FILE', `expected ${TOKEN_FILE} with access_token, expires_at, issued_at, was invalid at ${issue?.path.join('.') ?? '?'}`);
  }
  return parsed.data;
}
