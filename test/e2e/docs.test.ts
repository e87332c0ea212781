/**
 * /docs offline (issue 16 item 10): Swagger UI renders the API in Debian's Chromium with every request to another
 * host refused, as on a machine without internet access. It used to load Swagger UI from a CDN and stay blank.
 */
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser } from 'playwright-core';
import { startGateway } from '../../gateway/server.ts';
import { fakeDeps } from '../integration/gateway-fakes.ts';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium)`;

describe('/docs in headless Chromium, offline', { skip }, () => {
  const fake = fakeDeps();
  let gw: Awaited<ReturnType<typeof startGateway>>;
  let browser: Browser;

  before(async () => {
    gw = await startGateway(fake.deps, { port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('renders every operation from /openapi.json with no request leaving 127.0.0.1', async () => {
    const page = await browser.newPage();
    const elsewhere: string[] = [];
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1') return route.continue();
      elsewhere.push(url.href);
      return route.abort('internetdisconnected');
    });
    await page.goto(`http://127.0.0.1:${gw.port}/docs`);
    await page.locator('.opblock-summary-path', { hasText: '/health/ready' }).first().waitFor();
    await page.locator('.opblock-summary-path', { hasText: '/api/v1/admin/emergency_stop' }).first().waitFor();
    assert.ok((await page.locator('.opblock').count()) >= 25);
    assert.deepEqual(elsewhere, []);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
