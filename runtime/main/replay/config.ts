/**
 * @module A backtest's configuration: `--config FILE` is an env-style file with the same variables and validation as
 * `.env` (runtime/main/config.ts), plus `--sweep` values. Stricter than boot, because a file is nothing but config:
 * every variable in it must be one the schema knows (a typo is an error, not a default), and a backtest's
 * configuration is the file alone — the shell's environment and `.env` do not leak into it, so a run is reproducible.
 *
 * A backtest runs on paper over `--data`: SAFETY_MODE=live, a FEED other than replay, and the variables the backtest
 * sets itself (DATA_DIR, LOG_DIR, FEED_REPLAY_PATH) are refused. Defaults that differ from `run`: PHASE=FULL_AUTO (a
 * backtest is about what the system would have traded; SHADOW or SEMI_AUTO may still be set) and LOG_LEVEL=warn.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError, type ConfigIssue } from '../../errors.ts';
import { KNOWN_VARIABLES, parseConfig, type Config } from '../config.ts';

export const BACKTEST_DEFAULTS: Readonly<Record<string, string>> = { PHASE: 'FULL_AUTO', LOG_LEVEL: 'warn' };

/** Variables the backtest owns: set in a config file or a sweep, they are refused with the reason. */
const OWNED: Readonly<Record<string, string>> = {
  DATA_DIR: 'the backtest keeps its data in <out>/run',
  LOG_DIR: 'the backtest logs into <out>/run/logs',
  FEED_REPLAY_PATH: 'the backtest plays --data',
  VOLGUARD_ENV_FILE: 'the backtest reads --config only',
};

/** Reads an env-style file; every variable must be known (all unknown ones reported at once, with their line). */
export function readEnvFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ variable: '--config', message: `expected a readable env file at ${file}, was ${(err as Error).message}` }]);
  }
  const vars = parseEnv(text) as Record<string, string>;
  const lines = text.split(/\r?\n/);
  const lineOf = (key: string) => lines.findIndex((l) => new RegExp(`^\\s*(export\\s+)?${key}\\s*=`).test(l)) + 1;
  const issues: ConfigIssue[] = [];
  for (const key of Object.keys(vars)) {
    if (!KNOWN_VARIABLES.includes(key)) issues.push({ variable: key, message: `${path.basename(file)}:${lineOf(key)}: unknown variable (see .env.example)` });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return vars;
}

/** The validated configuration of one backtest run: `vars` (file, then sweep values) over the backtest's defaults. */
export function backtestConfig(vars: Readonly<Record<string, string>>, run: { readonly runDir: string; readonly recording: string }): Config {
  const issues: ConfigIssue[] = [];
  for (const [key, value] of Object.entries(vars)) {
    if (!KNOWN_VARIABLES.includes(key)) issues.push({ variable: key, message: 'unknown variable (see .env.example)' });
    const owned = OWNED[key];
    if (owned !== undefined) issues.push({ variable: key, message: `not settable in a backtest: ${owned}` });
    if (key === 'SAFETY_MODE' && value.trim() === 'live') issues.push({ variable: key, message: 'expected paper, was live: a backtest never reaches a live broker' });
    if (key === 'FEED' && value.trim() !== 'replay') issues.push({ variable: key, message: `expected replay (a backtest plays --data), was ${JSON.stringify(value)}` });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return parseConfig({
    ...BACKTEST_DEFAULTS,
    ...vars,
    SAFETY_MODE: 'paper',
    FEED: 'replay',
    FEED_REPLAY_PATH: run.recording,
    DATA_DIR: run.runDir,
    LOG_DIR: path.join(run.runDir, 'logs'),
  });
}
