import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KNOWN_VARIABLES, OWNED_PREFIXES, loadConfig, parseConfig } from './config.ts';
import { ConfigError } from '../errors.ts';
import { DEFAULT_MARKET_SETTINGS, marketSettingsFromEnv } from '../../actors/domain/market-settings.ts';
import { calibratorSettings } from '../../actors/calibrator/settings.ts';
import { calibratorSection } from '../../actors/calibrator/config.ts';
import { riskSettings } from '../../actors/risk/settings.ts';
import { riskSection } from '../../actors/risk/config.ts';

describe('config', () => {
  it('parses the embedded defaults (simulated market, paper broker, SHADOW)', () => {
    const cfg = parseConfig({});
    assert.equal(cfg.SAFETY_MODE, 'paper');
    assert.equal(cfg.FEED, 'sim');
    assert.equal(cfg.PHASE, 'SHADOW');
    assert.equal(cfg.BASE_CAPITAL, 1_000_000);
    assert.equal(cfg.SUPERVISOR_LOOP_INTERVAL, 3);
    assert.equal(cfg.PORT, 8000);
    assert.equal(cfg.METRICS_PORT, 9090);
  });

  it('reports every bad variable at once, with its name and what was expected', () => {
    const err = (() => {
      try {
        parseConfig({ PHASE: 'YOLO', PORT: 'eighty', MAX_NET_DELTA: '-1', VOLGUARD_ADMN_TOKEN: 'x'.repeat(20), SUPERVISOR_LOOP_INTERVAL: '' });
      } catch (e) {
        return e;
      }
      return null;
    })();
    assert.ok(err instanceof ConfigError);
    const vars = err.issues.map((i) => i.variable).sort();
    assert.deepEqual(vars, ['MAX_NET_DELTA', 'PHASE', 'PORT', 'SUPERVISOR_LOOP_INTERVAL', 'VOLGUARD_ADMN_TOKEN']);
    assert.match(err.message, /PHASE: expected one of SHADOW\|SEMI_AUTO\|FULL_AUTO, was "YOLO"/);
    assert.match(err.message, /PORT: expected an integer/);
    assert.match(err.message, /VOLGUARD_ADMN_TOKEN: unknown VOLGUARD_\* variable/);
  });

  it('one rate and one variance clock for every actor; the retired per-actor rates are refused naming the replacement', () => {
    assert.deepEqual(marketSettingsFromEnv(parseConfig({})), DEFAULT_MARKET_SETTINGS); // the schema's defaults are the domain's
    const cfg = parseConfig({ RISK_FREE_RATE: '0.06', MARKET_VARIANCE_WEEKEND_DAY: '0.2' });
    assert.deepEqual(marketSettingsFromEnv(cfg), { rate: 0.06, variance: { overnight: 0.2, weekendDay: 0.2, holiday: 0.1, tradingDaysPerYear: 248 } });
    assert.equal(calibratorSettings(calibratorSection(cfg)).market.rate, 0.06);
    assert.equal(riskSettings(riskSection(cfg)).market.rate, 0.06);
    assert.deepEqual(riskSettings(riskSection(cfg)).market, calibratorSettings(calibratorSection(cfg)).market);
    assert.throws(() => parseConfig({ CALIBRATOR_RATE: '0.055', STRATEGY_RATE: '0.05' }), (e: unknown) =>
      e instanceof ConfigError && e.issues.length === 2 && /CALIBRATOR_RATE: no longer used: replaced by RISK_FREE_RATE/.test(e.message));
    assert.throws(() => parseConfig({ MARKET_VARIANCE_OVERNIGHT: '1.5' }), /MARKET_VARIANCE_OVERNIGHT: expected a number >= 0 <= 0.95/);
  });

  it('refuses a typo in any variable family we own, with a did-you-mean (MAX_DAILY_LOS=5000 used to leave the limit at 20 000)', () => {
    const issues = (env: Record<string, string>) => {
      try {
        parseConfig(env);
        return [];
      } catch (e) {
        assert.ok(e instanceof ConfigError);
        return e.issues.map((i) => `${i.variable}: ${i.message}`);
      }
    };
    assert.deepEqual(issues({ MAX_DAILY_LOS: '5000' }), ['MAX_DAILY_LOS: unknown MAX_* variable (typo?); did you mean MAX_DAILY_LOSS?']);
    assert.deepEqual(issues({ SIM_SPED: '60' }), ['SIM_SPED: unknown SIM_* variable (typo?); did you mean SIM_SEED or SIM_SPEED?']);
    assert.deepEqual(issues({ DAILY_LOSS_LIMIT: '0.02' }), ['DAILY_LOSS_LIMIT: unknown DAILY_* variable (typo?); did you mean DAILY_LOSS_LIMIT_PCT?']);
    assert.deepEqual(issues({ UPSTOX_TOKEN: 'x' }), ['UPSTOX_TOKEN: unknown UPSTOX_* variable (typo?)']);
    // The families are derived from the known names, so a new actor's variables are covered without a list to keep.
    for (const p of ['MAX_', 'SIM_', 'UPSTOX_', 'DAILY_', 'RISK_', 'FEED_', 'KS_', 'STRATEGY_', 'CALIBRATOR_', 'JOURNAL_', 'VOLGUARD_']) assert.ok(OWNED_PREFIXES.includes(p), p);
    for (const p of OWNED_PREFIXES) assert.equal(issues({ [`${p}NO_SUCH_THING`]: '1' }).length, 1, p);
  });

  it("leaves other programs' variables alone (shells, npm, CI, systemd, supervisord, Node)", () => {
    const theirs = {
      PATH: '/usr/bin', HOME: '/root', LANG: 'C.UTF-8', TZ: 'Asia/Kolkata', TERM: 'xterm', NODE_OPTIONS: '--max-old-space-size=512', NODE_ENV: 'production',
      npm_lifecycle_event: 'test', npm_config_cache: '/root/.npm', npm_package_name: 'volguard', INIT_CWD: '/srv', COLOR: '0', EDITOR: 'vi',
      CI: 'true', GITHUB_ACTIONS: 'true', GITHUB_SHA: 'abc', RUNNER_OS: 'Linux', RUNNER_TEMP: '/tmp',
      JOURNAL_STREAM: '8:12345', INVOCATION_ID: 'f00', NOTIFY_SOCKET: '/run/systemd/notify', LOGS_DIRECTORY: '/var/log/volguard', STATE_DIRECTORY: '/var/lib/volguard',
      SUPERVISOR_ENABLED: '1', SUPERVISOR_PROCESS_NAME: 'volguard', SUPERVISOR_GROUP_NAME: 'volguard', SUPERVISOR_SERVER_URL: 'unix:///tmp/supervisor.sock',
      LOG_FORMAT: 'json', DATA_HOME: '/data', BASE_URL: '/', METRICS_ENABLED: 'true', HOSTNAME: 'vg-1',
    };
    assert.equal(parseConfig(theirs).SAFETY_MODE, 'paper');
  });

  it('refuses SAFETY_MODE=live without FEED=upstox at boot, naming both variables', () => {
    for (const feed of [undefined, 'sim', 'replay']) {
      const env: Record<string, string> = { SAFETY_MODE: 'live', ...(feed !== undefined ? { FEED: feed } : {}) };
      assert.throws(() => parseConfig(env), (e: unknown) => e instanceof ConfigError && /SAFETY_MODE: SAFETY_MODE=live needs FEED=upstox .*was FEED=(sim|replay)/.test(e.message), JSON.stringify(env));
    }
    assert.equal(parseConfig({ SAFETY_MODE: 'live', FEED: 'upstox' }).FEED, 'upstox');
    assert.equal(parseConfig({ SAFETY_MODE: 'paper', FEED: 'upstox' }).SAFETY_MODE, 'paper', 'paper orders on live quotes are fine');
  });

  it('refuses more than 10 Upstox orders/s without a registered algo name, at boot, naming the variable', () => {
    assert.throws(() => parseConfig({ UPSTOX_ORDERS_PER_SECOND: '50' }), (e: unknown) =>
      e instanceof ConfigError && e.issues.some((i) => i.variable === 'UPSTOX_ORDERS_PER_SECOND' && /at most 10 without UPSTOX_ALGO_NAME/.test(i.message)));
    assert.equal(parseConfig({ UPSTOX_ORDERS_PER_SECOND: '10' }).UPSTOX_ORDERS_PER_SECOND, 10);
    assert.equal(parseConfig({ UPSTOX_ORDERS_PER_SECOND: '50', UPSTOX_ALGO_NAME: 'my-registered-algo' }).UPSTOX_ORDERS_PER_SECOND, 50);
    assert.throws(() => parseConfig({ UPSTOX_EGRESS_IP_URL: 'checkip.example' }), /UPSTOX_EGRESS_IP_URL: expected an http\(s\) URL/);
  });

  it('accepts ACCOUNT_SIZE as an alias of BASE_CAPITAL and refuses a conflicting pair', () => {
    assert.equal(parseConfig({ ACCOUNT_SIZE: '500000' }).BASE_CAPITAL, 500_000);
    assert.throws(() => parseConfig({ ACCOUNT_SIZE: '500000', BASE_CAPITAL: '600000' }), /alias of BASE_CAPITAL/);
  });

  it('loads .env without overriding the environment, and fails on a named env file that is missing', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vg-cfg-'));
    writeFileSync(path.join(dir, '.env'), 'PHASE=SEMI_AUTO\nBASE_CAPITAL=250000\n');
    const cfg = loadConfig({ BASE_CAPITAL: '300000' }, dir);
    assert.equal(cfg.PHASE, 'SEMI_AUTO');
    assert.equal(cfg.BASE_CAPITAL, 300_000);
    assert.throws(() => loadConfig({ VOLGUARD_ENV_FILE: 'nope.env' }, dir), /VOLGUARD_ENV_FILE: file not found/);
  });

  it('.env.example lists every variable the schema knows', async () => {
    const { readFileSync } = await import('node:fs');
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const missing = KNOWN_VARIABLES.filter((v) => !new RegExp(`^#?\\s*${v}=`, 'm').test(example));
    assert.deepEqual(missing, []);
  });
});
