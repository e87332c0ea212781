/**
 * The log sink: JSON lines to LOG_DIR/volguard.log, worker lines included, and a configured secret never appears in
 * any line — whether it is logged under a secret key, inside a message, in an error, or in a worker's own line.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogSink, linkLogFile } from './logging.ts';

describe('log sink', () => {
  it('writes JSON lines to volguard.log and redacts every configured secret', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vg-log-'));
    const secret = 'upstox-access-token-ABCDEF123456';
    const admin = 'admin-bearer-token-0987654321';
    const sink = await createLogSink({ dir, level: 'info', secrets: [secret, admin], console: false });
    sink.log.info({ token: secret }, 'by key');
    sink.log.info(`in the message ${secret}`);
    sink.log.error({ err: new Error(`request failed: Authorization: Bearer ${admin}`) }, 'in an error');
    sink.log.info({ headers: { authorization: `Bearer ${admin}` } }, 'nested header');
    sink.writeLine(JSON.stringify({ level: 'info', actor: 'executor', msg: `worker line ${secret}` }));
    await sink.close();
    const text = readFileSync(path.join(dir, 'volguard.log'), 'utf8');
    const lines = text.trim().split('\n');
    assert.equal(lines.length, 5);
    for (const line of lines) {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      assert.ok(typeof parsed['msg'] === 'string');
      assert.ok(!line.includes(secret), `secret leaked: ${line}`);
      assert.ok(!line.includes(admin), `admin token leaked: ${line}`);
    }
    assert.match(text, /\[REDACTED\]/);
    assert.match(text, /"actor":"executor"/);
  });

  it('keeps logs/production_supervisor.log pointing at the log (the seed\'s documented name), replacing a stale link', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vg-log-'));
    symlinkSync('old-volguard.log', path.join(dir, 'production_supervisor.log'));
    const sink = await createLogSink({ dir, level: 'info', secrets: [], console: false });
    sink.log.info('followed through the link');
    await sink.close();
    assert.equal(readlinkSync(path.join(dir, 'production_supervisor.log')), 'volguard.log');
    assert.match(readFileSync(path.join(dir, 'production_supervisor.log'), 'utf8'), /followed through the link/);
    // A regular file by that name is somebody's: left alone, and said so.
    const other = mkdtempSync(path.join(tmpdir(), 'vg-log-'));
    writeFileSync(path.join(other, 'production_supervisor.log'), 'keep me');
    assert.match(linkLogFile(other) ?? '', /exists and is not a link; left as it is/);
    assert.equal(readFileSync(path.join(other, 'production_supervisor.log'), 'utf8'), 'keep me');
  });

  it('writes a fault that repeats every cycle once per window, then how many repeats it suppressed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vg-log-'));
    let t = Date.UTC(2026, 11, 1);
    const sink = await createLogSink({ dir, level: 'info', secrets: [], console: false, now: () => t, repeatWindowMs: 10_000 });
    for (let i = 0; i < 700; i++) {
      // As a full disk did: the journal's fault, once per cycle (10 cycles a second for 70 s).
      sink.writeLine(JSON.stringify({ level: 'error', actor: 'journal', msg: 'journal fault', err: { code: 'JOURNAL_DISK_FULL', message: `position ${i * 4096}` } }));
      sink.log.info({ i }, 'a cycle');
      t += 100;
    }
    await sink.close();
    const recs = readFileSync(path.join(dir, 'volguard.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const faults = recs.filter((r) => r['msg'] === 'journal fault');
    const summaries = recs.filter((r) => String(r['msg']).startsWith('suppressed'));
    // 70 s in 10 s windows: 7 faults written, each window's other 99 summed up (the last on close).
    assert.equal(faults.length, 7);
    assert.deepEqual(summaries.map((r) => r['suppressed']), [99, 99, 99, 99, 99, 99, 99]);
    assert.equal(recs.filter((r) => r['msg'] === 'a cycle').length, 700, 'info is never limited');
  });

  it('survives a log file that cannot be written: says so once on the terminal (JSON), keeps the terminal, closes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vg-log-'));
    // /dev/full behind the log's name: rotating-file-stream refuses it, as it fails on a full disk.
    symlinkSync('/dev/full', path.join(dir, 'volguard.log'));
    let out = '';
    const sink = await createLogSink({ dir, level: 'info', secrets: [], stdout: { write: (l: string) => (out += l) } });
    const said = (): boolean => out.includes('log file cannot be written');
    sink.log.info('before');
    while (!said()) {
      sink.log.error({ err: Object.assign(new Error('no space'), { code: 'JOURNAL_DISK_FULL' }) }, 'journal fault');
      await new Promise((r) => setImmediate(r));
    }
    sink.log.info('after');
    await sink.close();
    const lines = out.trim().split('\n');
    for (const l of lines) assert.doesNotThrow(() => JSON.parse(l), `not JSON on the terminal: ${l}`);
    assert.equal(lines.filter((l) => l.includes('log file cannot be written')).length, 1);
    assert.match(out, /"msg":"after"/);
    assert.ok(existsSync(path.join(dir, 'volguard.log')));
  });
});
