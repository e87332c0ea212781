/**
 * Issue 14 "Expiry settlement" on live, the whole system: FEED=upstox SAFETY_MODE=live against the real-scale fake on
 * loopback, on a market clock scaled 120× from 13:00 IST of a NIFTY expiry day (shared with the fake, so its quotes,
 * fills and expiry booking keep the system's time). FULL_AUTO granted through governance, a one-lot iron condor is
 * held through the close: the fake books the expiry at the index's official close (calm market: NIFTY 26,000), and
 * VolGuard books each leg once at that price (money.settlement), closes the condor as settled, shows it in
 * GET /api/v1/pnl and `volguard report day`, books nothing again after a restart on the same data dir, and
 * Σ daily net = the change in equity. Before the fix the legs were "closed outside VolGuard" for ₹0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { run as reportCli } from '../../actors/journal/report/cli.ts';
import { startTestSystem, type TestSystem } from '../fixtures/run-system.ts';
import { journalDump } from './safety-system.ts';
import { EXPIRY_DAY_ENV, expiringChainReady, expiryDay, openExpiryCondor, until } from './upstox-expiry-day.ts';

const TOKEN = 'tok-settle-0123456789abcdef';

interface BookView {
  structures: { id: string; kind: string; status: string; closeReason?: string }[];
  positions: { instrumentKey: string; quantity: number; averagePrice: number }[];
  realised: { gross: number; charges: number; settlement: number; net: number };
}
interface PnlView {
  days: { date: string; settlement: number; charges: number; net: number }[];
  total: { settlement: number; net: number };
  equity: { start: number | null; now: number | null };
}
const r2 = (x: number) => Math.round(x * 100) / 100;

test('live on the fake, whole system: a condor held through an expiry is settled once at the index close, in the journal, /api/v1/pnl and the day report; a restart books nothing again', { timeout: 240_000 }, async () => {
  // The nearest NIFTY expiry the fake lists today, and a clock that starts 150 market minutes before its close.
  const day = await expiryDay(TOKEN);
  const { expiry, fake } = day;
  const CLOSE = day.close;
  const env = {
    ...EXPIRY_DAY_ENV,
    FEED: 'upstox', SAFETY_MODE: 'live', UPSTOX_BASE_URL: fake.url, UPSTOX_ACCESS_TOKEN: TOKEN, UPSTOX_TIMEOUT_MS: '2000', RECON_INTERVAL_MS: '60000',
  };
  let sys: TestSystem | undefined;
  try {
    sys = await startTestSystem(env, { clockSpec: day.spec });
    const s = sys;
    const dataDir = s.cfg.DATA_DIR;
    s.cycle.stopTrading();
    // Healthy, the expiring chain quoted — or an hour of market time gone, and the assertion says why not.
    const ready = await expiringChainReady(s, day);
    assert.equal(ready.killswitch?.state, 'NORMAL', JSON.stringify(ready.killswitch));
    const asked = await s.api<{ result: { pending: { id: string } } }>('POST', '/api/v1/phase', { phase: 'FULL_AUTO', approver: 'test-requester', reason: 'test: held into expiry' });
    assert.equal(asked.status, 202, JSON.stringify(asked.body));
    const approved = await s.api('POST', '/api/v1/phase/approve', { id: asked.body.result.pending.id, approver: 'test-approver', reason: 'test: governance approval' });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));

    const { open, legs, lotSize } = await openExpiryCondor<BookView>(s, day, 'ic-expiry-sys');
    const book = () => s.system.request<BookView>('executor', 'executor.book', {});
    const avg = Object.fromEntries(open.positions.map((p) => [p.instrumentKey, p.averagePrice]));

    // Through the close: the fake books the expiry, then VolGuard does.
    const settledBook = await until(s, book, (b) => b.structures.some((x) => x.kind === 'iron_condor' && x.status === 'closed'));
    const st = settledBook.structures.find((x) => x.kind === 'iron_condor')!;
    assert.equal(st.closeReason, 'settled');
    assert.deepEqual(settledBook.positions.filter((p) => p.quantity !== 0), []);
    const rows = (await journalDump(dataDir, 'money.settlement')).map((r) => r.body as { instrumentKey: string; pnl: number; settlementPrice: number; charges: { total: number } });
    assert.equal(rows.length, 4);
    // Intrinsic at 26,000: 25,900 CE → 100, 26,000 PE → 26,000 − 26,000 = 0, 26,100 CE and 25,900 PE → 0; (intrinsic − average) × signed quantity; no exercise STT
    // (the only in-the-money leg is short).
    const q = lotSize;
    const expected: Record<string, number> = {
      [legs[0]!.instrumentKey]: r2((100 - avg[legs[0]!.instrumentKey]!) * -q),
      [legs[1]!.instrumentKey]: r2((0 - avg[legs[1]!.instrumentKey]!) * -q),
      [legs[2]!.instrumentKey]: r2((0 - avg[legs[2]!.instrumentKey]!) * q),
      [legs[3]!.instrumentKey]: r2((0 - avg[legs[3]!.instrumentKey]!) * q),
    };
    assert.deepEqual(Object.fromEntries(rows.map((r) => [r.instrumentKey, r.pnl])), expected);
    assert.ok(rows.every((r) => r.settlementPrice === 26_000 && r.charges.total === 0));
    const settlement = r2(Object.values(expected).reduce((a, b) => a + b, 0));
    assert.equal(r2(settledBook.realised.settlement), settlement);
    const journal = await journalDump(dataDir);
    assert.ok(!journal.some((r) => r.type === 'executor.positionExternallyClosed'), 'never "closed outside" for ₹0');

    // GET /api/v1/pnl: the settlement on the expiry day; Σ daily net = equity now − equity at the start.
    const pnl = await until(s, async () => (await s.api<PnlView>('GET', '/api/v1/pnl')).body, (p) => r2(p.total.settlement) === settlement);
    assert.equal(r2(pnl.days.find((d) => d.date === expiry)?.settlement ?? Number.NaN), settlement);
    assert.equal(r2(pnl.days.reduce((a, d) => a + d.net, 0)), r2(pnl.total.net));
    assert.equal(r2(pnl.total.net), r2(pnl.equity.now! - pnl.equity.start!));

    // A restart on the same data dir, the clock going on from where it was: nothing is booked again.
    const resumeAt = day.clock.now() + 60_000;
    await s.stop();
    sys = undefined;
    sys = await startTestSystem({ ...env, DATA_DIR: dataDir }, { clockSpec: day.restartAt(resumeAt) });
    const again = sys;
    await again.cycles(3);
    const after = await again.system.request<BookView>('executor', 'executor.book', {});
    assert.equal(r2(after.realised.settlement), settlement);
    assert.equal((await journalDump(dataDir, 'money.settlement')).length, 4, 'settled once across a restart');
    const pnlAfter = (await again.api<PnlView>('GET', '/api/v1/pnl')).body;
    assert.equal(r2(pnlAfter.total.settlement), settlement);
    assert.equal(r2(pnlAfter.total.net), r2(pnlAfter.equity.now! - pnlAfter.equity.start!));
    await again.stop();
    sys = undefined;

    // `volguard report day --date <expiry> --json` shows it.
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    const code = await reportCli(['day', '--date', expiry, '--json', '--data-dir', dataDir], { stdin: new PassThrough(), stdout: out, stderr: out, env: {}, cwd: dataDir });
    assert.equal(code, 0, text);
    assert.equal(r2((JSON.parse(text) as { settlement: number }).settlement), settlement);
  } finally {
    await sys?.stop();
    await fake.close();
  }
});
