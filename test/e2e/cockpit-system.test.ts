/**
 * The cockpit on the whole running system (simulated market at 60×, paper broker, real workers and LMDB) in Debian's
 * Chromium: the page shows what GET /api/v1/positions holds (every non-zero position, none invented), the SHADOW
 * phase and book labelled, one IST clock marked simulated, and a flatten from the page (typed confirmation) shows up
 * as a kill-switch transition in the events, in IST. Screenshots go to ARTIFACTS_DIR (default .tmp/artifacts/cockpit).
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestSystem, type TestSystem } from '../fixtures/run-system.ts';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
const ARTIFACTS = process.env['ARTIFACTS_DIR'] ?? fileURLToPath(new URL('../../.tmp/artifacts/cockpit/', import.meta.url));

describe('cockpit on the running system (SHADOW, paper, simulated market)', { skip }, () => {
  let s: TestSystem;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    s = await startTestSystem({ SIM_SPEED: '60', VOLGUARD_DASHBOARD_REFRESH_MS: '500' });
    do await s.cycles(1);
    while (s.cycle.state.lastError !== null);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 1600 }, timezoneId: 'UTC' });
    page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('labels SHADOW, shows one simulated IST clock, and lists exactly the positions the API holds', async () => {
    await page.goto(`${s.base}/#token=${s.adminToken}`);
    await page.locator('#conn', { hasText: 'live' }).waitFor();
    await page.locator('[data-testid=phase-badge]', { hasText: 'SHADOW' }).waitFor();
    await page.locator('#clock-kind', { hasText: 'SIMULATED ×60' }).waitFor();
    assert.match(await page.locator('[data-testid=clock]').innerText(), /\d\d:\d\d:\d\d IST$/);
    assert.match(await page.locator('[data-testid=phase-banner]').innerText(), /SHADOW: proposals are filled on paper/);
    assert.doesNotMatch(await page.locator('main').innerText(), /\bnull\b|undefined|NaN/);
    // The page and the API read the same book: every non-zero position is one leg row, whatever structure it is in.
    await s.cycles(1);
    const api = await s.api<{ positions: { instrumentKey: string; quantity: number }[] }>('GET', '/api/v1/positions');
    assert.equal(api.status, 200);
    const held = api.body.positions.filter((p) => p.quantity !== 0).map((p) => p.instrumentKey).sort();
    await page.locator('#book', { hasText: held.length === 0 ? /nothing held/ : /./ }).waitFor();
    const shown = await page.locator('#book tr[data-leg]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-leg') ?? ''));
    assert.deepEqual(shown.sort(), held);
    await page.screenshot({ path: path.join(ARTIFACTS, '10-system-shadow.png'), fullPage: true });
  });

  it('flattens from the page after the typed word; the transition is an event in IST', async () => {
    await page.locator('[data-testid=flatten]').click();
    await page.locator('[data-testid=confirm-input]').fill('FLATTEN');
    await page.locator('[data-testid=confirm-reason]').fill('end of the browser drill');
    await page.locator('[data-testid=confirm-go]').click();
    await page.locator('[data-testid=ks-state]', { hasText: /HALTED|EMERGENCY/ }).waitFor();
    await page.locator('#events li[data-kind=killswitch]', { hasText: /\d\d:\d\d:\d\d IST/ }).first().waitFor();
    assert.doesNotMatch(await page.locator('#events').innerText(), /cycle\.completed|durationMs/);
    await page.screenshot({ path: path.join(ARTIFACTS, '11-system-flattened.png'), fullPage: true });
    assert.deepEqual(pageErrors, []);
  });
});
