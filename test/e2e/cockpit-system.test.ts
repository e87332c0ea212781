/**
 * The cockpit on the whole running system (simulated market at 60×, paper broker, real workers and LMDB) in Debian's
 * Chromium. The strategy's entry filters are opened up (no realised-vol history needed) so it proposes within seconds.
 * - SHADOW: the page shows the shadow book, labelled, with exactly the legs GET /api/v1/positions holds; one IST
 *   clock marked simulated; a flatten from the page (typed confirmation) becomes a kill-switch event in IST.
 * - SEMI_AUTO on paper: the approval card carries the trade's limit prices, its credit, margin and the greeks it adds;
 *   approved from the page, the condor shows as held, leg for leg as the API reports it (signed quantity, average
 *   fill), with its payoff today; closed from the page (its id typed), nothing is held after.
 * - SHADOW's flatten closes the shadow book too (its P&L kept); paper has no broker kill switch, and says so.
 * Screenshots go to ARTIFACTS_DIR (default .tmp/artifacts/cockpit).
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
/** In session (a Wednesday, 10:00 IST) with the entry filters open, so the strategy proposes within a few cycles. */
const SESSION = { SIM_SPEED: '60', SIM_START: '2026-11-25T10:00:00+05:30', STRATEGY_MIN_IV_RV_RATIO: '0', STRATEGY_RV_MIN_SAMPLES: '2', STRATEGY_RV_SAMPLE_S: '0', VOLGUARD_DASHBOARD_REFRESH_MS: '500' };
/** Cycles a proposal may take to show up (each ~0.2 s); generous for a loaded machine, still bounded. */
const MAX_CYCLES = 300;

interface ApiPosition { instrumentKey: string; quantity: number; averagePrice: number }
interface ApiApproval { id: string; status: string; legs: { side: string; quantity: number; limitPrice?: number }[] }

async function launch(): Promise<{ browser: Browser; page: Page; errors: string[] }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 1600 }, timezoneId: 'UTC' });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { browser, page, errors };
}

/** Waits cycle by cycle (no sleeps) until `probe` returns something, at most MAX_CYCLES. */
async function untilCycle<T>(s: TestSystem, probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < MAX_CYCLES; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await s.cycles(1);
  }
  throw new Error(`expected ${what} within ${MAX_CYCLES} cycles, saw none`);
}

/** Non-zero positions per the API; undefined when it could not answer (an actor busy or restarting under load: 503). */
async function held(s: TestSystem): Promise<ApiPosition[] | undefined> {
  const r = await s.api<{ positions: ApiPosition[] }>('GET', '/api/v1/positions');
  return r.status === 200 ? r.body.positions.filter((p) => p.quantity !== 0) : undefined;
}
/**
 * The page's rows and the API's, once they agree (the book can move between two reads: a fill lands), else the last
 * pair seen after MAX_CYCLES — for the test's deepEqual to show the difference.
 */
async function rowsAgree(s: TestSystem, page: Page): Promise<[Record<string, string>, Record<string, string>]> {
  let last: [Record<string, string>, Record<string, string>] = [{}, {}];
  for (let i = 0; i < MAX_CYCLES; i++) {
    const api = await held(s);
    if (api !== undefined) {
      last = [await rowsShown(page), rowsFromApi(api)];
      if (JSON.stringify(Object.entries(last[0]).sort()) === JSON.stringify(Object.entries(last[1]).sort())) break;
    }
    await s.cycles(1);
  }
  return last;
}

/** The rows the page shows: instrument → the signed quantity and average fill as printed. */
async function rowsShown(page: Page): Promise<Record<string, string>> {
  const rows = await page.locator('#book tr[data-leg]').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-leg') ?? '', Array.from(tr.children, (td) => (td as { textContent: string | null }).textContent ?? '').slice(3, 5).join(' ')]));
  return Object.fromEntries(rows);
}
/** The same rows as the API reports them, formatted by hand: +65 / −65 and ₹ with two decimals, Indian grouping. */
function rowsFromApi(ps: readonly ApiPosition[]): Record<string, string> {
  const qty = (q: number) => (q > 0 ? `+${q}` : `−${-q}`);
  const inr = (x: number) => `₹${x.toLocaleString('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  return Object.fromEntries(ps.map((p) => [p.instrumentKey, `${qty(p.quantity)} ${inr(p.averagePrice)}`]));
}

describe('cockpit on the running system: SHADOW', { skip }, () => {
  let s: TestSystem;
  let b: Awaited<ReturnType<typeof launch>>;
  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    s = await startTestSystem({ ...SESSION, PHASE: 'SHADOW' });
    b = await launch();
  });
  after(async () => {
    await b?.browser.close();
    await s?.stop();
  });

  it('labels SHADOW, shows one simulated IST clock, and the shadow book leg for leg as the API holds it', async () => {
    const positions = await untilCycle(s, async () => {
      const ps = await held(s);
      return ps !== undefined && ps.length > 0 ? ps : undefined;
    }, 'a shadow fill');
    await b.page.goto(`${s.base}/#token=${s.adminToken}`);
    await b.page.locator('#conn', { hasText: 'live' }).waitFor();
    await b.page.locator('[data-testid=phase-badge]', { hasText: 'SHADOW' }).waitFor();
    await b.page.locator('#clock-kind', { hasText: 'SIMULATED ×60' }).waitFor();
    assert.match(await b.page.locator('[data-testid=clock]').innerText(), /^Wed, 25 Nov 2026 · \d\d:\d\d:\d\d IST$/);
    assert.match(await b.page.locator('[data-testid=phase-banner]').innerText(), /SHADOW: proposals are filled on paper/);
    assert.equal(await b.page.locator('#book-title').textContent(), 'SHADOW book');
    await b.page.locator('#book tr[data-leg]').first().waitFor();
    // The shadow book only grows between these two reads if the strategy fills again; compare against a fresh read.
    assert.ok(positions.length > 0);
    const [shown, api] = await rowsAgree(s, b.page);
    assert.deepEqual(shown, api);
    assert.doesNotMatch(await b.page.locator('main').innerText(), /\bnull\b|undefined|NaN/);
    await b.page.screenshot({ path: path.join(ARTIFACTS, '10-system-shadow.png'), fullPage: true });
  });

  it('flattens from the page after the typed word; the transition is an event in IST', async () => {
    await b.page.locator('[data-testid=flatten]').click();
    await b.page.locator('[data-testid=confirm-input]').fill('FLATTEN');
    await b.page.locator('[data-testid=confirm-reason]').fill('end of the browser drill');
    await b.page.locator('[data-testid=confirm-go]').click();
    await b.page.locator('[data-testid=ks-state]', { hasText: /HALTED|EMERGENCY/ }).waitFor();
    await b.page.locator('#events li[data-kind=killswitch]', { hasText: /\d\d:\d\d:\d\d IST/ }).first().waitFor();
    assert.doesNotMatch(await b.page.locator('#events').innerText(), /cycle\.completed|durationMs/);
    // The shadow book is closed too (paper fills at the touch, no order), its P&L kept: nothing held any more.
    await untilCycle(s, async () => ((await held(s))?.length === 0 ? true : undefined), 'the shadow book flat after the flatten').catch(async (e: Error) => {
      throw new Error(`${e.message}; still held: ${JSON.stringify(await held(s))}`);
    });
    await b.page.locator('#book .empty', { hasText: 'nothing held in the shadow book' }).waitFor();
    // No broker kill switch on paper: said so.
    assert.match(await b.page.locator('[data-testid=broker-ks-state]').innerText(), /not on this venue \(paper\)/);
    await b.page.screenshot({ path: path.join(ARTIFACTS, '11-system-flattened.png'), fullPage: true });
    assert.deepEqual(b.errors, []);
  });
});

describe('cockpit on the running system: SEMI_AUTO on paper', { skip }, () => {
  let s: TestSystem;
  let b: Awaited<ReturnType<typeof launch>>;
  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // Slower (10×) and with a long approval TTL and no re-proposal, so the card the page shows is still the one
    // pending when it is clicked (a re-proposal would replace it: one pending approval per bucket and underlying).
    // Entry legs priced a half-spread beyond the touch and left to rest (no fill timeout), so the paper broker fills all
    // four however slow a loaded machine makes the saga (a leg left unfilled would unwind it: real, but not this test).
    s = await startTestSystem({ ...SESSION, SIM_SPEED: '10', PHASE: 'SEMI_AUTO', APPROVAL_TTL: '3600', STRATEGY_REPROPOSE_COOLDOWN_S: '86400', STRATEGY_ENTRY_CROSS: '2', ORDER_FILL_TIMEOUT_MS: '600000', NAKED_LEG_TIMEOUT_MS: '600000' });
    b = await launch();
  });
  after(async () => {
    await b?.browser.close();
    await s?.stop();
  });

  it('shows the approval with its limit prices and credit, approves it from the page, then shows the condor as held', async () => {
    const approval = await untilCycle(s, async () => (await s.api<{ approvals?: ApiApproval[] }>('GET', '/api/v1/approvals')).body.approvals?.find((a) => a.status === 'pending'), 'a pending approval');
    await b.page.goto(`${s.base}/#token=${s.adminToken}`);
    await b.page.locator('#conn', { hasText: 'live' }).waitFor();
    await b.page.locator('[data-testid=phase-badge]', { hasText: 'SEMI_AUTO' }).waitFor();
    const card = b.page.locator(`[data-approval="${approval.id}"]`);
    await card.waitFor();
    // credit = Σ sold limits − Σ bought limits, × quantity, worked here from the API's own legs
    const credit = approval.legs.reduce((c, l) => c + (l.side === 'SELL' ? 1 : -1) * (l.limitPrice ?? Number.NaN) * l.quantity, 0);
    assert.ok(Number.isFinite(credit), 'every leg carries a limit price');
    assert.equal(await card.locator('[data-testid=credit]').innerText(), `₹${Math.round(Math.abs(credit)).toLocaleString('en-IN')}`);
    assert.match(await card.locator('[data-testid=time-left]').innerText(), /expires \d\d:\d\d:\d\d IST · \d+ min \d+ s left/);
    // the model margin and the greeks the trade adds, priced on the running surface: a short condor adds short vega
    assert.match(await card.locator('[data-testid=margin]').innerText(), /^₹[\d,]+$/);
    assert.match(await card.locator('[data-testid=adds-vega]').innerText(), /^−₹[\d,]+$/);
    assert.match(await card.locator('[data-testid=adds-theta]').innerText(), /^₹[\d,]+$/);
    await b.page.screenshot({ path: path.join(ARTIFACTS, '12-system-approval.png'), fullPage: true });
    await card.getByRole('button', { name: 'Approve' }).click();
    // The answer shows as a toast: approved, or why not (the executor re-checks drift and risk first).
    await b.page.locator('#toast', { hasText: approval.id }).waitFor();
    assert.equal(await b.page.locator('#toast').innerText(), `${approval.id} approved`);
    // Approved → the saga fills on paper → the book holds the structure's legs.
    const positions = await untilCycle(s, async () => {
      const ps = await held(s);
      return ps !== undefined && ps.length >= approval.legs.length ? ps : undefined;
    }, 'the approved structure filled').catch(async (e: Error) => {
      const orders = (await s.api<{ orders?: { instrumentKey: string; side: string; status: string }[] }>('GET', '/api/v1/orders')).body.orders ?? [];
      throw new Error(`${e.message}; orders: ${orders.map((o) => `${o.side} ${o.instrumentKey} ${o.status}`).join(', ')}`);
    });
    await b.page.locator('#book [data-group=structure] tr[data-leg]').first().waitFor();
    const [shown, api] = await rowsAgree(s, b.page);
    assert.deepEqual(shown, api);
    assert.ok(positions.some((p) => p.quantity < 0), 'short legs shown with a negative quantity');
    assert.equal(await b.page.locator('#book [data-group=orphan]').count(), 0);
    // The operator's decision is an event too (hasText matches textContent: the spans run together).
    await b.page.locator('#events li[data-kind=approval]', { hasText: /approval (approved|executed)\s*admin@127\.0\.0\.1/ }).first().waitFor();
    await b.page.screenshot({ path: path.join(ARTIFACTS, '13-system-condor-held.png'), fullPage: true });
    // its payoff at expiry and today, from the running surface
    const struct = b.page.locator('#book [data-group=structure]').first();
    assert.equal(await struct.locator('[data-testid=payoff]').getAttribute('data-today'), 'shown');
    assert.deepEqual(b.errors, []);
  });

  it('closes the condor from the page (its id typed, a reason): reduce-only exits on paper, nothing held after', async () => {
    const struct = b.page.locator('#book [data-group=structure]').first();
    const id = await struct.getAttribute('data-struct');
    assert.ok(id !== null);
    await struct.locator('[data-testid=close-structure]').click();
    await b.page.locator('[data-testid=confirm-input]').fill(id);
    await b.page.locator('[data-testid=confirm-reason]').fill('browser drill: take the condor off');
    await b.page.locator('[data-testid=confirm-go]').click();
    await b.page.locator('#toast', { hasText: `close of ${id} sent` }).waitFor();
    await untilCycle(s, async () => ((await held(s))?.length === 0 ? true : undefined), 'the condor closed at the paper broker');
    const orders = (await s.api<{ orders: { sagaId: string; side: string; status: string }[] }>('GET', '/api/v1/orders')).body.orders;
    assert.ok(orders.some((o) => o.side === 'BUY' && o.status === 'filled'), 'the shorts were bought back');
    await b.page.locator('#book .empty', { hasText: 'nothing held' }).waitFor();
    // the operator's close is an event, with who and why
    await b.page.locator('#events li[data-kind=order]', { hasText: new RegExp(`close of ${id} sent\\s*admin@127\\.0\\.0\\.1: browser drill: take the condor off`) }).first().waitFor();
    await b.page.screenshot({ path: path.join(ARTIFACTS, '14-system-condor-closed.png'), fullPage: true });
    assert.deepEqual(b.errors, []);
  });
});
