/**
 * @module The one boot-time configuration: environment + `.env`, validated by zod, every error reported at once.
 *
 * Each actor owns its variables in `actors/<name>/config.ts`; this file (the wiring: the one place that knows every
 * section) merges them with the system-wide ones (runtime/system-env.ts). Strict: an unknown variable in a family we
 * own (`VOLGUARD_*`, `MAX_*`, `SIM_*`, `UPSTOX_*`, … — derived from the known names) is an error with a did-you-mean,
 * because a typo must not silently fall back to a default (`MAX_DAILY_LOS=5000` would leave the daily loss limit at
 * 20 000). Families other programs share are left alone.
 * Keys of the parsed config are the variable names themselves, so a value is easy to trace back to its source.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import path from 'node:path';
import { distance } from 'fastest-levenshtein';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.ts';
import { systemEnv } from '../system-env.ts';
import { feedEnv } from '../../actors/feed/config.ts';
import { calibratorEnv } from '../../actors/calibrator/config.ts';
import { riskEnv } from '../../actors/risk/config.ts';
import { killswitchEnv } from '../../actors/killswitch/config.ts';
import { strategyEnv } from '../../actors/strategy/config.ts';
import { executorEnv } from '../../actors/executor/config.ts';
import { journalEnv } from '../../actors/journal/config.ts';
import { simEnv } from '../../actors/venues/sim/config.ts';
import { upstoxConfigIssues, upstoxEnv } from '../../actors/venues/upstox/config.ts';
import { gatewayEnv } from '../../gateway/config.ts';
import { seaEnv } from '../sea/config.ts';


/**
 * Variables that existed before and now mean nothing: set, they are a boot error naming the replacement (a stale
 * .env must not silently fall back to a default).
 */
const RETIRED_VARIABLES: Readonly<Record<string, string>> = {
  CALIBRATOR_RATE: 'replaced by RISK_FREE_RATE (one rate for every actor)',
  STRATEGY_RATE: 'replaced by RISK_FREE_RATE (one rate for every actor)',
  STRATEGY_RV_ANNUALISATION_MINUTES: 'realised vol is annualised on the variance clock (MARKET_VARIANCE_*)',
  STRATEGY_RV_MAX_GAP_S: 'returns across any gap are measured on the variance clock (MARKET_VARIANCE_*)',
};

/** Aliases: the second name is accepted for the first (both seeds' names work). */
const ALIASES: Readonly<Record<string, string>> = { ACCOUNT_SIZE: 'BASE_CAPITAL' };

const shape = {
  ...systemEnv,
  ...feedEnv,
  ...calibratorEnv,
  ...riskEnv,
  ...killswitchEnv,
  ...strategyEnv,
  ...executorEnv,
  ...journalEnv,
  ...simEnv,
  ...upstoxEnv,
  ...gatewayEnv,
  ...seaEnv,
};

export const configSchema = z.object(shape);
export type Config = z.output<typeof configSchema>;

/** Every variable the schema knows, for `.env.example` checks and the strictness rule. */
export const KNOWN_VARIABLES: readonly string[] = [...Object.keys(shape), ...Object.keys(ALIASES)];

/** Rules across variables of one section (each owner's config.ts exports its own). */
const CROSS_CHECKS: readonly ((cfg: Config) => ConfigIssue[])[] = [upstoxConfigIssues];

/**
 * First words of our variables that other programs also put in a service's environment, so an unknown name there is
 * not ours to refuse: supervisord sets SUPERVISOR_ENABLED / _PROCESS_NAME / _GROUP_NAME / _SERVER_URL in its children;
 * LOG_, DATA_, BASE_, ACCOUNT_ and METRICS_ are generic words many tools and images use.
 */
const SHARED_PREFIXES: ReadonlySet<string> = new Set(['SUPERVISOR_', 'LOG_', 'DATA_', 'BASE_', 'ACCOUNT_', 'METRICS_']);
/** Single names other programs set inside families we own: systemd gives a service JOURNAL_STREAM. */
const FOREIGN_VARIABLES: ReadonlySet<string> = new Set(['JOURNAL_STREAM']);

/** The families we own: the first word (with its underscore) of every known variable, less the shared ones. */
export const OWNED_PREFIXES: readonly string[] = [...new Set(KNOWN_VARIABLES.filter((v) => v.includes('_')).map((v) => v.slice(0, v.indexOf('_') + 1)))]
  .filter((p) => !SHARED_PREFIXES.has(p))
  .sort();

/** The known variables closest to `name` (ties all named), when close enough to be a typo of them. */
export function didYouMean(name: string): string[] {
  let best: string[] = [];
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const known of KNOWN_VARIABLES) {
    const d = distance(name, known);
    if (d < bestDistance) [best, bestDistance] = [[known], d];
    else if (d === bestDistance) best.push(known);
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best.sort() : [];
}

/** Why an unknown variable is refused, or undefined when it is none of ours. */
function unknownVariable(key: string): string | undefined {
  if (FOREIGN_VARIABLES.has(key)) return undefined;
  const family = OWNED_PREFIXES.find((p) => key.startsWith(p));
  if (family === undefined) return undefined;
  const guesses = didYouMean(key);
  return `unknown ${family}* variable (typo?)${guesses.length === 0 ? '' : `; did you mean ${guesses.join(' or ')}?`}`;
}

/**
 * Parses a plain environment into a Config. Pure: no file reads.
 * @throws ConfigError listing every bad or unknown variable.
 */
export function parseConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const issues: ConfigIssue[] = [];
  const input: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    const target = ALIASES[key] ?? key;
    if (target in shape) {
      if (target !== key && env[target] !== undefined && env[target] !== value) {
        issues.push({ variable: key, message: `alias of ${target}, which is also set to a different value` });
      }
      input[target] = value;
    } else if (RETIRED_VARIABLES[key] !== undefined) {
      issues.push({ variable: key, message: `no longer used: ${RETIRED_VARIABLES[key]}` });
    } else {
      const unknown = unknownVariable(key);
      if (unknown !== undefined) issues.push({ variable: key, message: unknown });
    }
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      issues.push({ variable: String(issue.path[0] ?? '?'), message: issue.message });
    }
  } else if (parsed.data.SAFETY_MODE === 'live' && parsed.data.FEED !== 'upstox') {
    // A real broker priced off simulated or replayed quotes: every order would be sent at a made-up price.
    issues.push({ variable: 'SAFETY_MODE', message: `SAFETY_MODE=live needs FEED=upstox (live orders need live quotes), was FEED=${parsed.data.FEED}` });
  }
  if (parsed.success) issues.push(...CROSS_CHECKS.flatMap((check) => check(parsed.data)));
  if (issues.length > 0 || !parsed.success) throw new ConfigError(issues);
  return parsed.data;
}

/**
 * Loads `.env` (or VOLGUARD_ENV_FILE) without overriding variables already set, then parses.
 * A named env file that does not exist is an error; a missing default `.env` is not.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const named = env['VOLGUARD_ENV_FILE'];
  const file = path.resolve(cwd, named ?? '.env');
  const merged: Record<string, string | undefined> = { ...env };
  if (existsSync(file)) {
    // Node's own .env parser (the one behind process.loadEnvFile), without mutating process.env.
    const fromFile = parseEnv(readFileSync(file, 'utf8'));
    for (const [k, v] of Object.entries(fromFile)) if (merged[k] === undefined) merged[k] = v;
  } else if (named !== undefined) {
    throw new ConfigError([{ variable: 'VOLGUARD_ENV_FILE', message: `file not found: ${file}` }]);
  }
  return parseConfig(merged);
}
