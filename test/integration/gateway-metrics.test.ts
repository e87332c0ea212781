/**
 * The metrics server serves deps.metrics() as Prometheus text; the text parses as exposition format; and where
 * `promtool` is installed (Debian package `prometheus`), it passes `check metrics`, and deploy/ passes
 * `check config` / `check rules`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import client from 'prom-client';
import { startMetricsServer } from '../../gateway/metrics-server.ts';
import { fakeDeps } from './gateway-fakes.ts';

const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
const noPromtool = PROMTOOL === undefined ? 'promtool not installed (apt-get install prometheus)' : false;

/** A registry with INTERFACE.md's families, as the actors will register them. */
async function sampleText(): Promise<string> {
  const r = new client.Registry();
  const h = new client.Histogram({ name: 'volguard_cycle_duration_seconds', help: 'Cycle duration by stage', labelNames: ['stage'], buckets: [0.001, 0.005, 0.02, 0.1], registers: [r] });
  h.observe({ stage: 'total' }, 0.007);
  h.observe({ stage: 'read_market' }, 0.001);
  for (const [name, help] of [['killswitch_state', 'Kill-switch state (0 NORMAL .. 4 SHUTDOWN)'], ['phase', 'Effective phase (0 SHADOW, 1 SEMI_AUTO, 2 FULL_AUTO)'], ['data_quality', 'Data quality score'], ['net_delta_ratio', 'Net delta / capital'], ['vega_inr', 'Vega, INR per vol point'], ['pnl_inr', 'Day P&L, INR'], ['positions_open', 'Open positions'], ['feed_age_seconds', 'Age of the last tick']] as const) {
    new client.Gauge({ name: `volguard_${name}`, help, registers: [r] }).set(0.5);
  }
  new client.Counter({ name: 'volguard_orders_total', help: 'Orders by final status', labelNames: ['status'], registers: [r] }).inc({ status: 'filled' });
  new client.Counter({ name: 'volguard_saga_outcomes_total', help: 'Saga outcomes', labelNames: ['outcome'], registers: [r] }).inc({ outcome: 'completed' });
  new client.Gauge({ name: 'volguard_actor_up', help: 'Actor running', labelNames: ['actor'], registers: [r] }).set({ actor: 'feed' }, 1);
  new client.Counter({ name: 'volguard_actor_restarts_total', help: 'Actor restarts', labelNames: ['actor'], registers: [r] }).inc({ actor: 'feed' });
  new client.Gauge({ name: 'volguard_actor_elu', help: 'Event-loop utilisation', labelNames: ['actor'], registers: [r] }).set({ actor: 'feed' }, 0.1);
  new client.Counter({ name: 'volguard_journal_append_total', help: 'Journal appends', registers: [r] }).inc(3);
  new client.Histogram({ name: 'volguard_journal_commit_seconds', help: 'Journal commit latency', buckets: [0.001, 0.005], registers: [r] }).observe(0.002);
  new client.Counter({ name: 'volguard_feed_ticks_total', help: 'Ticks applied', registers: [r] }).inc(10);
  return r.metrics();
}

/** Line grammar of the text exposition format 0.0.4 (enough to catch broken output). */
function parseExposition(text: string): Map<string, string> {
  const types = new Map<string, string>();
  const name = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const sample = new RegExp(`^(${name})(\\{(${name.replace(':', '')}="(\\\\.|[^"\\\\])*"(,${name.replace(':', '')}="(\\\\.|[^"\\\\])*")*,?)?\\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)( -?\\d+)?$`);
  assert.ok(text.endsWith('\n'), 'exposition ends with a newline');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta !== null) {
      if (meta[1] === 'TYPE') {
        assert.match(meta[3]!, /^(counter|gauge|histogram|summary|untyped)$/, line);
        types.set(meta[2]!, meta[3]!);
      }
      continue;
    }
    assert.match(line, sample, `not a sample line: ${line}`);
  }
  return types;
}

describe('metrics exposition', () => {
  it('serves deps.metrics() on GET /metrics as Prometheus text that parses', async () => {
    const f = fakeDeps();
    const text = await sampleText();
    const srv = await startMetricsServer({ ...f.deps, metrics: async () => text }, { port: 0, host: '127.0.0.1' });
    try {
      const res = await fetch(`http://127.0.0.1:${srv.port}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const types = parseExposition(await res.text());
      for (const fam of ['cycle_duration_seconds', 'killswitch_state', 'phase', 'data_quality', 'net_delta_ratio', 'vega_inr', 'pnl_inr', 'positions_open', 'orders_total', 'saga_outcomes_total', 'actor_up', 'actor_restarts_total', 'actor_elu', 'journal_append_total', 'journal_commit_seconds', 'feed_ticks_total', 'feed_age_seconds']) {
        assert.ok(types.has(`volguard_${fam}`), `volguard_${fam} missing`);
      }
      assert.equal((await fetch(`http://127.0.0.1:${srv.port}/other`)).status, 404);
    } finally {
      await srv.close();
    }
  });

  it('answers 503 (not 500) when the registries cannot be collected', async () => {
    const f = fakeDeps();
    const srv = await startMetricsServer({ ...f.deps, metrics: async () => Promise.reject(new Error('actor gone')) }, { port: 0, host: '127.0.0.1' });
    try {
      const res = await fetch(`http://127.0.0.1:${srv.port}/metrics`);
      assert.equal(res.status, 503);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'METRICS_UNAVAILABLE');
    } finally {
      await srv.close();
    }
  });

  it('passes promtool check metrics', { skip: noPromtool }, async () => {
    const out = spawnSync(PROMTOOL!, ['check', 'metrics'], { input: await sampleText(), encoding: 'utf8' });
    assert.equal(out.status, 0, out.stdout + out.stderr);
  });

  it('deploy/ Prometheus config and alert rules pass promtool', { skip: noPromtool }, () => {
    const cfg = spawnSync(PROMTOOL!, ['check', 'config', 'deploy/prometheus/prometheus.yml'], { encoding: 'utf8' });
    assert.equal(cfg.status, 0, cfg.stdout + cfg.stderr);
    const rules = spawnSync(PROMTOOL!, ['check', 'rules', 'deploy/prometheus/volguard.rules.yml'], { encoding: 'utf8' });
    assert.equal(rules.status, 0, rules.stdout + rules.stderr);
  });
});
