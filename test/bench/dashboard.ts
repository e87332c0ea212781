/**
 * @module Dashboard bench (issue 19): a full update of the cockpit measured by the browser itself — the page marks
 * each `dashboard` render with `performance.measure('volguard:render')` — in Debian's Chromium, over a paper session
 * (condor, orphan, approval, HALT, six smiles' worth of data) pushed by a real gateway on loopback; and the bytes the
 * page transfers. Skipped (no figures, a note on stderr) where Chromium is absent.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { percentile, type Figure } from './main.ts';
import { startGateway } from '../../gateway/server.ts';
import { fakeDeps, TOKENS } from '../integration/gateway-fakes.ts';
import { paperSession } from '../e2e/paper-session.ts';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const UPDATES = 200;

export async function run(): Promise<Figure[]> {
  if (!existsSync(CHROMIUM)) {
    process.stderr.write(`bench dashboard: skipped, no Chromium at ${CHROMIUM}\n`);
    return [];
  }
  const fake = fakeDeps({ env: { VOLGUARD_DASHBOARD_REFRESH_MS: '600000' } });
  const session = paperSession();
  fake.setDashboard(session);
  const gw = await startGateway(fake.deps, { port: 0, host: '127.0.0.1' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1600 } });
    await page.goto(`http://127.0.0.1:${gw.port}/#token=${TOKENS.viewer}`);
    await page.locator('[data-struct="S-SG-1"]').waitFor();
    const bytes = await page.evaluate<number>(`performance.getEntriesByType('resource').reduce((s, r) => s + r.transferSize, performance.getEntriesByType('navigation')[0].transferSize)`);
    const count = () => page.evaluate<number>(`performance.getEntriesByName('volguard:render').length`);
    for (let i = 0; i < UPDATES; i++) {
      const before = await count();
      // A moving market: the whole page is rebuilt from each push, as in a session.
      fake.setDashboard({ ...session, ts: session.ts + (i + 1) * 1000, underlyings: session.underlyings.map((u) => ({ ...u, spot: u.spot + i })) });
      fake.emit('killswitch.changed', {});
      // Polled over CDP: the page's CSP (no eval) refuses waitForFunction's string.
      while ((await count()) <= before);
    }
    const ms = await page.evaluate<number[]>(`performance.getEntriesByName('volguard:render').slice(-${UPDATES}).map((e) => e.duration)`);
    if (process.env['BENCH_DEBUG']) {
      const parts = await page.evaluate<[string, number, number][]>(`Object.entries(performance.getEntriesByType('measure').filter((e) => e.name.startsWith('volguard:render:')).reduce((m, e) => ((m[e.name] = m[e.name] || []).push(e.duration), m), {})).map(([k, v]) => [k, v.reduce((a, b) => a + b, 0) / v.length, Math.max(...v)])`);
      for (const [k, mean, max] of parts) process.stderr.write(`${k.padEnd(32)} mean ${mean.toFixed(2)} ms  max ${max.toFixed(1)} ms\n`);
    }
    return [
      { suite: 'dashboard', metric: 'render_p50_ms', value: percentile(ms, 50), unit: 'ms', budget: '≤ 16 ms (p99)' },
      { suite: 'dashboard', metric: 'render_p99_ms', value: percentile(ms, 99), unit: 'ms', budget: '≤ 16 ms' },
      { suite: 'dashboard', metric: 'page_kb', value: bytes / 1000, unit: 'kB', budget: '< 300 kB' },
    ];
  } finally {
    await browser.close();
    await gw.close();
  }
}
