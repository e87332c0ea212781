/**
 * The log sink: JSON lines to LOG_DIR/volguard.log, worker lines included, and a configured secret never appears in
 * any line — whether it is logged under a secret key, inside a message, in an error, or in a worker's own line.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
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
});
