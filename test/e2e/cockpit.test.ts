/**
 * The operator's cockpit in Debian's Chromium (issue 19 "Done when"): a real gateway on 127.0.0.1 pushing a paper
 * session (an open condor, an orphan long put from a failed compensation, a pending approval, a HALT) built by the
 * gateway's own views. Asserts what is held, in IST and ₹, the phase, the events, approve, close one structure and flatten (typed
 * confirmation) from the page, the SHADOW labelling, and the page weight; saves screenshots as artefacts
 * (ARTIFACTS_DIR, default .tmp/artifacts/cockpit).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startGateway } from '../../gateway/server.ts';
import { fakeDeps, TOKENS } from '../integration/gateway-fakes.ts';
import { paperSession, SESSION_NOW, sessionApproval } from './paper-session.ts';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
const ARTIFACTS = process.env['ARTIFACTS_DIR'] ?? fileURLToPath(new URL('../../.tmp/artifacts/cockpit/', import.meta.url));

describe('cockpit in headless Chromium: a paper session', { skip }, () => {
  // Two reports under DATA_DIR/reports, as `volguard report session` and a backtest's --out leave them.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vg-cockpit-'));
  for (const [name, html, mtimeS] of [['session-2026-01-07T09-00-00-000Z', '<html>session report</html>', 1_767_776_400], ['backtest-2026-01-05_2026-01-13', '<html>backtest report</html>', 1_767_780_000]] as const) {
    mkdirSync(path.join(dataDir, 'reports', name), { recursive: true });
    writeFileSync(path.join(dataDir, 'reports', name, 'report.html'), html);
    utimesSync(path.join(dataDir, 'reports', name, 'report.html'), mtimeS, mtimeS);
  }
  const fake = fakeDeps({ env: { VOLGUARD_DASHBOARD_REFRESH_MS: '600000', DATA_DIR: dataDir } });
  let gw: Awaited<ReturnType<typeof startGateway>>;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const offOrigin: string[] = [];
  const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  const text = (sel: string) => page.locator(sel).innerText();

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    fake.setDashboard(paperSession());
    gw = await startGateway(fake.deps, { port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    // The browser's own zone is UTC here, so an IST figure on the page can only come from the page converting.
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 1600 }, timezoneId: 'UTC' });
    page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith(`http://127.0.0.1:${gw.port}/`) && !r.url().startsWith(`ws://127.0.0.1:${gw.port}/`)) offOrigin.push(r.url());
    });
  });
  after(async () => {
    await browser?.close();
    await gw?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows the one market clock in IST, marked simulated, and the phase in force with why it differs', async () => {
    await page.goto(`http://127.0.0.1:${gw.port}/#token=${TOKENS.operator}`);
    await page.locator('#conn', { hasText: 'live' }).waitFor();
    // 14:05:09 IST (08:35:09 UTC); the clock ticks at the simulated speed, so only the minute is pinned.
    await page.locator('[data-testid=clock]', { hasText: /Wed, 7 Jan 2026 · 14:0\d:\d\d IST/ }).waitFor();
    assert.equal(await text('#clock-kind'), 'SIMULATED ×1');
    assert.match(await text('[data-testid=phase-badge]'), /^SEMI_AUTO/);
    assert.match(await text('[data-testid=phase-banner]'), /Configured FULL_AUTO, in force SEMI_AUTO: data quality 0\.78 is not above KS_FULL_AUTO_QUALITY 0\.9/);
    assert.doesNotMatch(await page.locator('body').innerText(), /08:3\d:\d\d|UTC/, 'no UTC time anywhere');
    // nothing absent is written as a word (replaceChildren turns a null part into the text "null")
    await page.locator('[data-testid=broker-ks] [data-segment]').first().waitFor();
    assert.doesNotMatch(await page.locator('main').innerText(), /\bnull\b|undefined|NaN/);
  });

  it('shows the HALT and the book as held: the open condor with fills, marks and ₹ figures, the orphan put on its own', async () => {
    await page.locator('[data-testid=ks-state]', { hasText: 'HALTED' }).waitFor();
    assert.match(await text('[data-testid=ks-cause]'), /RECON_MISMATCH/);
    assert.match(await text('#ks-history'), /14:02:30 IST\s+NORMAL → HALTED/);
    const ic = page.locator('[data-struct="S-SG-1"]');
    await ic.waitFor();
    assert.equal(await ic.getAttribute('data-group'), 'structure');
    // credit 75 × (95 + 90 − 40 − 35) = 8,250; value 75 × (30 − 70 − 60 + 20) = −6,000; P&L 2,250; max loss 75 × (300 − 110)
    assert.equal(await ic.locator('[data-testid=credit]').innerText(), '₹8,250');
    assert.equal(await ic.locator('[data-testid=pnl]').innerText(), '₹2,250');
    assert.equal(await ic.locator('[data-testid=max-loss]').innerText(), '₹14,250');
    assert.equal(await ic.locator('[data-testid=breakevens]').innerText(), '23,490 / 24,510');
    assert.match(await ic.locator('.struct-head').innerText(), /expiry 2026-01-13 · 6\.1 d/);
    assert.equal(await ic.locator('[data-testid=reason]').innerText(), 'open: all 4 legs held');
    // the short 23,600 put: −75 at ₹95.00, marked ₹70.00, P&L −75 × (70 − 95) = +₹1,875
    assert.match(await ic.locator('tr[data-leg="NSE_FO|NIFTY26JAN23600PE"]').innerText(), /23,600\s+PE\s+−75\s+₹95\.00\s+₹70\.00\s+₹1,875/);
    // the failed condor's planned legs are nowhere; the long put its compensation left is an orphan
    assert.equal(await page.locator('[data-struct="S-SG-2"]').count(), 0);
    const orphan = page.locator('[data-group=orphan]');
    assert.equal(await orphan.count(), 1);
    assert.match(await orphan.locator('[data-testid=reason]').innerText(), /held at the broker, left by failed structure S-SG-2/);
    assert.match(await orphan.locator('tbody').innerText(), /23,200\s+PE\s+\+75\s+₹30\.00\s+₹25\.00\s+−₹375/);
    assert.equal(await text('[data-testid=book-pnl]'), '₹1,875'); // 2,250 − 375
    // a payoff for each held group: at expiry and, from our surface, today
    await ic.locator('[data-testid=payoff] canvas').waitFor();
    await orphan.locator('[data-testid=payoff] canvas').waitFor();
    assert.equal(await ic.locator('[data-testid=payoff]').getAttribute('data-today'), 'shown');
    // the NIFTY book as a whole (condor + the orphan 23,200 put @ 30): at expiry its breakevens move by the put's
    // cost 75 × 30 = 2,250: credit 6,000 → 23,600 − 80 = 23,520 and 24,400 + 80 = 24,480; below the put's strike
    // the loss −14,250 − 2,250 = −16,500 recovers 75 a point: 23,200 − 16,500 / 75 = 22,980
    const nifty = page.locator('[data-underlying=NIFTY]');
    assert.equal(await nifty.locator('.muted').first().innerText(), 'NIFTY book: P&L at the 2026-01-13 expiry and today, ₹ · breakevens 22,980 / 23,520 / 24,480');
    await nifty.locator('[data-testid=underlying-payoff] canvas').waitFor();
    assert.equal(await nifty.locator('[data-testid=underlying-payoff]').getAttribute('data-today'), 'shown');
    await shot('01-halted-book');
  });

  it('shows greeks and limits in rupees, and the events that matter in IST without cycle noise, filterable', async () => {
    const greeks = await text('[data-testid=greeks-table]');
    // delta −30 × 24,000 × 1 % = −₹7,200 for a 1 % rise; gamma −₹2,700 per 1 %; vega −₹4,200 per vol pt; theta ₹1,441 per day
    assert.match(greeks, /Δ ₹\/1 %\s+Γ ₹\/1 %\s+vega ₹\/vol pt\s+theta ₹\/day/);
    assert.match(greeks, /total\s+−₹7,200\s+−₹2,700\s+−₹4,200\s+₹1,441/);
    assert.match(await text('[data-limit=gamma]'), /₹2,700 \/ ₹4,500 per 1 % move/);
    // The stress grid as a heat map (paper-session.ts: P&L = −7,200·s − 2,700·s² − 4,200·v): rows IV −5, 0, +5 pt,
    // columns spot −2, 0, +2 %, each cell its ₹ P&L, shaded by sign and by |P&L| against the ₹60,000 stress limit.
    const heat = page.locator('[data-testid=stress-heatmap]');
    assert.match(await heat.innerText(), /−2 %\s+0 %\s+\+2 %\s+−5 pt\s+₹24,600\s+₹21,000\s+−₹4,200\s+0 pt\s+₹3,600\s+₹0\s+−₹25,200\s+\+5 pt\s+−₹17,400\s+−₹21,000\s+−₹46,200/);
    const cell = (spot: number, vol: number) => heat.locator(`td[data-spot="${spot}"][data-vol="${vol}"]`);
    // the worst, spot +2 % IV +5 pt: −46,200 / 60,000 = 0.77 of the limit; the one marked worst, and only it
    assert.equal(await heat.locator('td[data-worst]').count(), 1);
    assert.equal(await heat.locator('td[data-worst]').innerText(), '−₹46,200');
    assert.equal(await cell(2, 5).getAttribute('data-share'), '0.77');
    assert.match(await cell(2, 5).getAttribute('class') ?? '', /\bloss\b.*\bworst\b/);
    assert.equal(await cell(2, 5).getAttribute('title'), 'spot +2 % IV +5 pt: −₹46,200, 77 % of the stress limit ₹60,000 · worst');
    // a gain is green, a loss red, deeper as it nears the limit: 24,600 / 60,000 = 0.41; 4,200 / 60,000 = 0.07
    assert.match(await cell(-2, -5).getAttribute('class') ?? '', /\bgain\b/);
    assert.equal(await cell(-2, -5).getAttribute('data-share'), '0.41');
    assert.equal(await cell(2, -5).getAttribute('data-share'), '0.07');
    // Evaluated in the page as a string, as the page-weight check is (no DOM types here).
    const bg = (spot: number, vol: number) => page.evaluate<string>(`getComputedStyle(document.querySelector('[data-testid=stress-heatmap] td[data-spot="${spot}"][data-vol="${vol}"]')).backgroundColor`);
    assert.equal(await bg(2, 5), 'rgba(248, 81, 73, 0.72)'); // 0.12 + 0.78 × 0.77
    assert.equal(await bg(-2, -5), 'rgba(63, 185, 80, 0.44)'); // 0.12 + 0.78 × 0.41
    // the gap is off the grid: listed under it, not marked worst
    assert.match(await text('[data-testid=stress-scenarios]'), /gap −3 % IV \+4\s+−₹12,000/);
    assert.equal(await page.locator('[data-testid=stress-scenarios] [data-worst]').count(), 0);
    // the MTM stops: the account inside its stop with the trail locked; the intraday bucket's stop fired at 14:01:30 IST
    assert.match(await text('[data-stop=account]'), /account\s+day P&L net ₹1,875 · stop at −₹15,000 · trail locked ₹6,000 \(peak ₹12,000\)\s+armed/);
    assert.match(await text('[data-stop=intraday]'), /intraday\s+day P&L net −₹3,100 · stop at −₹3,000 · trail arms at ₹2,000 \(peak ₹0\)\s+FIRED stop 14:01:30 IST at −₹3,100 \(level −₹3,000\) · no entries today/);
    assert.match(await text('#greeks-card'), /blocked: intraday/);
    // the strategy's risk-rule skips at its last cycle, each with its reason; the market's own skips only counted
    assert.match(await text('#greeks-card'), /ENTRIES SKIPPED BY RISK RULES strategy's last cycle c-000420 · 14:05:00 IST/);
    assert.match(await text('[data-skip=MTM_STOP]'), /intraday\s+MTM_STOP\s+intraday bucket MTM stop fired today \(stop at −₹3,100, level −₹3,000\)/);
    assert.match(await text('[data-skip=EVENT_CALENDAR]'), /weekly NIFTY\s+EVENT_CALENDAR\s+skip_entries for RBI policy 2026-02-06 \(provisional\)/);
    assert.equal(await page.locator('[data-testid=skips] li').count(), 2);
    assert.match(await text('#greeks-card'), /other skips: OUTSIDE_WINDOW ×2/);
    const events = await text('#events');
    assert.match(events, /14:02:30 IST\s+killswitch\s+NORMAL → HALTED\s+RECON_MISMATCH: broker and book disagree/i);
    assert.match(events, /denial\s+denied: RISK_PRETRADE_DENIED\s+VEGA_LIMIT/i);
    assert.match(events, /alert\s+saga failed/i);
    assert.match(events, /restart\s+risk restarted\s+crash: injected fault/i);
    assert.doesNotMatch(events, /cycle\.completed|durationMs/);
    await page.locator('#event-filters [data-kind=killswitch]').click();
    assert.equal(await page.locator('#events li[data-kind=killswitch]').count(), 0);
    assert.ok((await page.locator('#events li[data-kind=denial]').count()) > 0);
    await page.locator('#event-filters [data-kind=killswitch]').click();
    assert.equal(await page.locator('#events li[data-kind=killswitch]').count(), 1);
    // the smile says what was fitted and what was not
    assert.match(await page.locator('[data-smile="NIFTY 2026-01-13"] .fitinfo').innerText(), /SABR fit rmse 0\.42 vol pts · 0 strikes extrapolated · 1 without a usable quote/);
    assert.match(await page.locator('[data-smile="NIFTY 2026-01-27"] .fitinfo').innerText(), /FALLBACK to market IV: rmse 3\.1 vol pts above 2/);
  });

  it('shows the day and to-date P&L net of charges, with the charges beside, in ₹', async () => {
    // gateway-fakes SAMPLE_PNL: Tuesday +₹850 so far, no charges yet; to date −1,200 + 850 = −₹350 after ₹340 of charges
    await page.locator('[data-testid=pnl-day]', { hasText: '₹850' }).waitFor();
    assert.match(await text('#pnl'), /day, net of charges\s+₹850\s+charges today\s+₹0\s+to date, net of charges\s+−₹350\s+charges to date\s+₹340/);
    assert.doesNotMatch(await text('#pnl'), /before charges/);
    // every day kept, newest first, net of charges; the shadow book's days beside them, labelled, never mixed in
    assert.match(await text('[data-testid=pnl-days]'), /days, net of charges\s+2026-12-08 \(so far\)\s+₹850\s+charges ₹0\s+2026-12-07\s+−₹1,200\s+charges ₹340/);
    assert.match(await text('[data-testid=pnl-shadow-days]'), /SHADOW book days \(paper fills, not money\), net of charges\s+2026-12-08 \(so far\)\s+₹0\s+charges ₹0\s+2026-12-07\s+−₹375\s+charges ₹45/);
  });

  it('links the latest reports, newest first, and the day; a report opens as its file', async () => {
    const list = page.locator('[data-testid=reports]');
    await list.locator('li[data-report]').first().waitFor();
    // 1_767_780_000 s = 2026-01-07 10:00 UTC = 15:30 IST; the session report an hour earlier
    assert.match(await list.innerText(), /day 2026-12-08 \(so far\)\s+₹850 net\s+charges ₹0\s+backtest-2026-01-05_2026-01-13\s+backtest · 7 Jan, 15:30 IST\s+session-2026-01-07T09-00-00-000Z\s+session · 7 Jan, 14:30 IST/);
    const [download] = await Promise.all([page.waitForEvent('download'), list.locator('li[data-report="backtest-2026-01-05_2026-01-13"] button').click()]);
    assert.equal(download.suggestedFilename(), 'backtest-2026-01-05_2026-01-13.html');
    assert.equal(readFileSync(await download.path(), 'utf8'), '<html>backtest report</html>');
  });

  it('shows the full trade on the approval card and approves it from the page', async () => {
    const card = page.locator('[data-approval="apr-0001"]');
    await card.waitFor();
    assert.equal(await card.locator('[data-testid=credit]').innerText(), '₹8,250');
    assert.equal(await card.locator('[data-testid=max-loss]').innerText(), '₹14,250');
    assert.match(await card.locator('tbody').innerText(), /SELL\s+PE\s+23,600\s+75\s+₹95\.00\s+2026-01-13/);
    assert.match(await card.locator('[data-testid=time-left]').innerText(), /expires 14:06:49 IST · 1 min 40 s left/);
    // the margin (model; paper-session.ts works it by hand) and the greeks it adds, in the greeks panel's units: a short
    // condor adds short gamma and vega and earns theta (the figures are the view's, pinned in gateway/views/trade.test.ts)
    assert.equal(await card.locator('[data-testid=margin]').innerText(), '₹76,500');
    const adds = sessionApproval(SESSION_NOW).greeks;
    assert.ok(adds);
    const rupees = (x: number) => `${x < 0 ? '−' : ''}₹${Math.abs(Math.round(x)).toLocaleString('en-IN')}`;
    assert.ok(adds.gamma1pct < 0 && adds.vega < 0 && adds.theta > 0);
    assert.match(await card.locator('[data-testid=adds]').innerText(), /adds Δ ₹\/1 %[\s\S]*Γ ₹\/1 %[\s\S]*vega ₹\/vol pt[\s\S]*theta ₹\/day/);
    assert.equal(await card.locator('[data-testid=adds-delta]').innerText(), rupees(adds.delta1pct));
    assert.equal(await card.locator('[data-testid=adds-gamma]').innerText(), rupees(adds.gamma1pct));
    assert.equal(await card.locator('[data-testid=adds-vega]').innerText(), rupees(adds.vega));
    assert.equal(await card.locator('[data-testid=adds-theta]').innerText(), rupees(adds.theta));
    await shot('02-approval');
    await card.getByRole('button', { name: 'Approve' }).click();
    await card.waitFor({ state: 'detached' });
    assert.deepEqual(fake.rec.requests.find((r) => r.type === 'executor.approve')?.body, { id: 'apr-0001', who: 'operator@127.0.0.1' });
  });

  it('flattens from the page only after the word is typed', async () => {
    await page.locator('[data-testid=flatten]').click();
    const go = page.locator('[data-testid=confirm-go]');
    assert.equal(await go.isDisabled(), true);
    await page.locator('[data-testid=confirm-input]').fill('flatten');
    assert.equal(await go.isDisabled(), true, 'the word is case-sensitive');
    assert.equal(fake.rec.requests.some((r) => r.type === 'killswitch.emergency'), false);
    await page.locator('[data-testid=confirm-input]').fill('FLATTEN');
    await page.locator('[data-testid=confirm-reason]').fill('orphan put after a failed compensation');
    await shot('03-flatten-confirm');
    await go.click();
    await page.locator('#toast', { hasText: 'flatten requested' }).waitFor();
    const req = fake.rec.requests.find((r) => r.type === 'killswitch.emergency');
    assert.deepEqual(req?.body, { reason: 'orphan put after a failed compensation', who: 'operator@127.0.0.1', stopLoop: false });
    assert.equal(fake.rec.audits.find((a) => a.action === 'emergency.flatten')?.reason, 'orphan put after a failed compensation');
  });

  it('closes one structure from the page only after its id is typed, with a reason', async () => {
    const ic = page.locator('[data-struct="S-SG-1"]');
    // Only the open condor has the action: the orphan put is the executor's exit-only business (or the flatten's).
    assert.equal(await page.locator('[data-testid=close-structure]').count(), 1);
    await ic.locator('[data-testid=close-structure]').click();
    assert.equal(await text('#confirm-word'), 'S-SG-1');
    assert.match(await text('#confirm-text'), /Buys back the shorts, then sells the wings of NIFTY iron condor S-SG-1/);
    const go = page.locator('[data-testid=confirm-go]');
    await page.locator('[data-testid=confirm-input]').fill('CLOSE');
    assert.equal(await go.isDisabled(), true, 'the id, not a word');
    await page.locator('[data-testid=confirm-input]').fill('S-SG-1');
    assert.equal(await go.isDisabled(), true, 'a close needs a reason');
    await page.locator('[data-testid=confirm-reason]').fill('short put tested');
    assert.equal(await go.isDisabled(), false);
    assert.equal(fake.rec.requests.some((r) => r.type === 'executor.closeStructure'), false);
    await shot('03b-close-structure-confirm');
    await go.click();
    await page.locator('#toast', { hasText: 'close of S-SG-1 sent' }).waitFor();
    assert.deepEqual(fake.rec.requests.find((r) => r.type === 'executor.closeStructure')?.body, { id: 'S-SG-1', who: 'operator@127.0.0.1', reason: 'short put tested' });
    assert.deepEqual(fake.rec.audits.filter((a) => a.action === 'structure.close').map((a) => [a.outcome, a.reason, a.details]), [['requested', 'short put tested', { id: 'S-SG-1' }], ['done', 'short put tested', { id: 'S-SG-1' }]]);
  });

  it("shows the broker's own kill switch per segment; only an admin releases it, after typing RELEASE and a reason", async () => {
    // gateway-fakes: Upstox's NSE_FO switch engaged by the executor after an EMERGENCY flatten proved flat
    const ks = page.locator('[data-testid=broker-ks]');
    await ks.locator('[data-segment=NSE_FO]').waitFor();
    assert.match(await ks.locator('[data-segment=NSE_FO]').innerText(), /NSE_FO\s+ENGAGED: the broker blocks orders/);
    assert.match(await text('[data-testid=broker-ks-last]'), /^last engaged by flatten at \d\d:\d\d:\d\d IST: EMERGENCY flatten run 1 proved flat$/);
    assert.doesNotMatch(await ks.innerText(), /null|undefined/);
    // the operator sees it but may not release it
    assert.equal(await page.locator('[data-testid=broker-ks-release]').isDisabled(), true);
    assert.equal(await page.locator('[data-testid=broker-ks-release]').getAttribute('title'), 'admin role needed');
    const admin = await page.context().newPage();
    await admin.goto(`http://127.0.0.1:${gw.port}/#token=${TOKENS.admin}`);
    await admin.locator('#conn', { hasText: 'live' }).waitFor();
    const btn = admin.locator('[data-testid=broker-ks-release]');
    await btn.waitFor();
    assert.equal(await btn.isDisabled(), false);
    await btn.click();
    const go = admin.locator('[data-testid=confirm-go]');
    await admin.locator('[data-testid=confirm-input]').fill('RELEASE');
    assert.equal(await go.isDisabled(), true, 'a release needs a reason');
    await admin.locator('[data-testid=confirm-reason]').fill('cooling period over, cause understood');
    assert.equal(fake.rec.requests.some((r) => r.type === 'executor.releaseVenueKillSwitch'), false);
    await go.click();
    await admin.locator('#toast', { hasText: 'broker kill switch release sent' }).waitFor();
    assert.deepEqual(fake.rec.requests.find((r) => r.type === 'executor.releaseVenueKillSwitch')?.body, { who: 'admin@127.0.0.1', reason: 'cooling period over, cause understood' });
    assert.deepEqual(fake.rec.audits.filter((a) => a.action === 'broker.killswitch.release').map((a) => a.outcome), ['requested', 'done']);
    await admin.screenshot({ path: path.join(ARTIFACTS, '03c-broker-killswitch.png'), fullPage: false });
    await admin.close();
  });

  it('labels the SHADOW book and its P&L as shadow', async () => {
    fake.setDashboard(paperSession({ shadow: true }));
    fake.emit('killswitch.changed', { state: 'HALTED' });
    await page.locator('[data-testid=phase-badge]', { hasText: 'SHADOW · no orders sent' }).waitFor();
    assert.match(await text('[data-testid=phase-banner]'), /SHADOW: proposals are filled on paper in the shadow book; nothing reaches the broker/);
    assert.equal(await page.locator('#book-title').textContent(), 'SHADOW book');
    // in SHADOW the tiles and the days are the shadow book's, labelled
    assert.match(await text('#pnl'), /day \(SHADOW\), net of charges\s+₹0\s+charges today\s+₹0\s+to date \(SHADOW\), net of charges\s+−₹375/);
    assert.match(await text('[data-testid=pnl-days]'), /days \(SHADOW: paper fills, not money\), net of charges\s+2026-12-08 \(so far\)\s+₹0[\s\S]+2026-12-07\s+−₹375/);
    assert.equal(await page.locator('[data-testid=pnl-shadow-days]').count(), 0);
    assert.match(await page.locator('[data-group=orphan] [data-testid=reason]').innerText(), /held in the shadow book/);
    assert.equal(await page.locator('[data-testid=close-structure]').count(), 0, 'SHADOW sends no orders: nothing to close at the broker');
    await page.locator('[data-testid=flatten]').click();
    assert.match(await text('#confirm-text'), /SHADOW book/);
    await page.locator('#confirm-cancel').click();
    await shot('04-shadow');
  });

  it('stays under 300 kB transferred, with every asset from the gateway', async () => {
    await page.reload();
    await page.locator('#conn', { hasText: 'live' }).waitFor();
    // Evaluated in the page; a string so Node's types (no DOM) do not apply to it.
    const bytes = await page.evaluate<number>(`performance.getEntriesByType('resource').reduce((s, r) => s + r.transferSize, performance.getEntriesByType('navigation')[0].transferSize)`);
    assert.ok(bytes > 0 && bytes < 300_000, `page transferred ${bytes} bytes`);
    assert.deepEqual(offOrigin, []);
    assert.deepEqual(pageErrors, []);
  });
});
