/**
 * `GET /api/v1/reports` and `GET /api/v1/reports/{name}` (issues 19, 20 "the dashboard links the latest reports"): the
 * session and backtest reports under DATA_DIR/reports, newest first, with the day's net P&L; a report's HTML served
 * read-only to a viewer, and nothing outside DATA_DIR/reports reachable by any name.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../gateway/app.ts';
import { ActorUnavailableError } from '../../runtime/errors.ts';
import { AUTH, fakeDeps } from './gateway-fakes.ts';

describe('GET /api/v1/reports', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-reports-'));
  const reports = path.join(dir, 'reports');
  const write = (name: string, html: string, mtimeS: number) => {
    mkdirSync(path.join(reports, name), { recursive: true });
    const f = path.join(reports, name, 'report.html');
    writeFileSync(f, html);
    utimesSync(f, mtimeS, mtimeS);
  };
  before(() => {
    write('session-2026-12-07T10-00-00-000Z', '<html>session one</html>', 1_800_000_000);
    write('backtest-2026-01-05_2026-01-13', '<html>backtest</html>', 1_800_000_100);
    write('session-2026-12-08T10-00-00-000Z', '<html>session two</html>', 1_800_000_200);
    mkdirSync(path.join(reports, 'session-empty'), { recursive: true }); // no report.html: not listed
    write('notes', '<html>not a report folder</html>', 1_800_000_300); // not session-/backtest-: not listed
    mkdirSync(path.join(dir, 'secret'), { recursive: true });
    writeFileSync(path.join(dir, 'secret', 'report.html'), 'TOP SECRET');
    // A link inside the reports folder that leads out of it is refused too.
    symlinkSync(path.join(dir, 'secret'), path.join(reports, 'session-escape'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const app = () => createApp(fakeDeps({ env: { DATA_DIR: dir } }).deps);

  it('lists the session and backtest reports newest first, with the latest day net of charges', async () => {
    const res = await app().request('/api/v1/reports', { headers: AUTH.viewer });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      reports: [
        { name: 'session-2026-12-08T10-00-00-000Z', kind: 'session', time: 1_800_000_200_000 },
        { name: 'backtest-2026-01-05_2026-01-13', kind: 'backtest', time: 1_800_000_100_000 },
        { name: 'session-2026-12-07T10-00-00-000Z', kind: 'session', time: 1_800_000_000_000 },
      ],
      // gateway-fakes SAMPLE_PNL: Tuesday open, +₹850 net so far, no charges yet
      day: { date: '2026-12-08', net: 850, charges: 0, open: true },
    });
  });

  it('still lists the reports when risk does not answer (day: null), and none when DATA_DIR/reports is missing', async () => {
    const f = fakeDeps({ env: { DATA_DIR: dir }, requestError: (a) => (a === 'risk' ? new ActorUnavailableError('risk', 'restarting') : undefined) });
    const res = await createApp(f.deps).request('/api/v1/reports', { headers: AUTH.viewer });
    const body = (await res.json()) as { reports: unknown[]; day: unknown };
    assert.equal(res.status, 200);
    assert.equal(body.reports.length, 3);
    assert.equal(body.day, null);
    const empty = await createApp(fakeDeps({ env: { DATA_DIR: path.join(dir, 'nowhere') } }).deps).request('/api/v1/reports', { headers: AUTH.viewer });
    assert.deepEqual(((await empty.json()) as { reports: unknown[] }).reports, []);
  });

  it('serves a listed report\'s HTML to a viewer, with a CSP that lets it reach nothing', async () => {
    const res = await app().request('/api/v1/reports/backtest-2026-01-05_2026-01-13', { headers: AUTH.viewer });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.equal(await res.text(), '<html>backtest</html>');
    assert.equal((await app().request('/api/v1/reports/backtest-2026-01-05_2026-01-13')).status, 401);
  });

  it('refuses every way out of DATA_DIR/reports with a 4xx and never the file', async () => {
    for (const p of ['..%2Fsecret', 'session-..%2F..%2Fsecret', 'session-..', '..', '%2E%2E', 'session-x%2F..%2F..%2Fsecret', 'session-escape', 'session-empty', 'notes', 'session-nope']) {
      const res = await app().request(`/api/v1/reports/${p}`, { headers: AUTH.viewer });
      const text = await res.text();
      assert.ok(res.status >= 400 && res.status < 500, `${p}: ${res.status}`);
      assert.doesNotMatch(text, /TOP SECRET|not a report folder/, p);
    }
    assert.equal((await app().request('/api/v1/reports/session-..%2F..%2Fsecret', { headers: AUTH.viewer })).status, 422);
    assert.equal((await app().request('/api/v1/reports/session-escape', { headers: AUTH.viewer })).status, 404);
  });
});
