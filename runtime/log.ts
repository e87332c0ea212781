/**
 * @module Logging: pino, one logger per actor bound to `{actor, incarnation}`, secrets redacted.
 *
 * Workers do not open log files: their JSON lines travel to main over the control port and main writes them to the
 * one rotating file (and the terminal), so rotation has a single owner. Redaction is two-layered: pino's path
 * redaction for known secret keys, and a value scrubber for configured secret strings wherever they appear.
 */
import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/** Object paths whose values are always censored. */
export const REDACT_PATHS: readonly string[] = [
  'token', '*.token', 'accessToken', '*.accessToken', 'access_token', '*.access_token',
  'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization',
  'apiSecret', '*.apiSecret', 'client_secret', '*.client_secret', 'secret', '*.secret',
  'password', '*.password', 'UPSTOX_ACCESS_TOKEN', 'UPSTOX_API_SECRET', 'VOLGUARD_ADMIN_TOKEN',
  'VOLGUARD_OPERATOR_TOKEN', 'VOLGUARD_VIEWER_TOKEN', '*.UPSTOX_ACCESS_TOKEN', '*.UPSTOX_API_SECRET',
  '*.VOLGUARD_ADMIN_TOKEN', '*.VOLGUARD_OPERATOR_TOKEN', '*.VOLGUARD_VIEWER_TOKEN',
];

const CENSOR = '[REDACTED]';

/**
 * Wraps a destination so any configured secret string is replaced wherever it appears in a line (messages, error
 * stacks, URLs) — the path list cannot know every place a token might be echoed.
 */
export function scrubbingStream(dest: DestinationStream, secrets: () => readonly string[]): DestinationStream {
  return {
    write(line: string) {
      let out = line;
      for (const s of secrets()) if (s.length >= 6 && out.includes(s)) out = out.split(s).join(CENSOR);
      dest.write(out);
    },
  };
}

/** Secret values registered at boot (tokens, API secret); shared by every logger in this thread. */
const registeredSecrets = new Set<string>();
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) registeredSecrets.add(value);
}
export function secrets(): readonly string[] {
  return [...registeredSecrets];
}

/**
 * The secrets among `all` that `value` holds (as, or inside, any string in it): the ones a worker given `value` as its
 * config must scrub. A worker is told no secret it was not given (main scrubs every worker line again with all).
 */
export function secretsHeldBy(all: readonly string[], value: unknown): string[] {
  const strings: string[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (typeof v === 'string') strings.push(v);
    else if (typeof v === 'object' && v !== null && depth < 16) for (const x of Object.values(v)) walk(x, depth + 1);
  };
  walk(value, 0);
  return all.filter((s) => strings.some((x) => x.includes(s)));
}

export interface LoggerOptions {
  readonly level?: string;
  readonly base?: Record<string, unknown>;
}

export function createLogger(dest: DestinationStream, opts: LoggerOptions = {}): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: opts.base ?? {},
      redact: { paths: [...REDACT_PATHS], censor: CENSOR },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    scrubbingStream(dest, secrets),
  );
}
