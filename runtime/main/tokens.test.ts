import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from './config.ts';
import { ConfigError } from '../errors.ts';
import { adminTokenPath, loadTokens } from './tokens.ts';

function cfgIn(dir: string, env: Record<string, string> = {}) {
  return parseConfig({ DATA_DIR: dir, ...env });
}

describe('control-plane tokens', () => {
  it('generates the admin token once into DATA_DIR with mode 0600 and reuses it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vg-tok-'));
    const first = loadTokens(cfgIn(dir));
    const file = adminTokenPath(dir);
    assert.equal(first.adminTokenFile, file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(first.tokens.admin.length >= 24);
    assert.equal(readFileSync(file, 'utf8').trim(), first.tokens.admin);
    assert.equal(loadTokens(cfgIn(dir)).tokens.admin, first.tokens.admin);
  });

  it('prefers VOLGUARD_ADMIN_TOKEN and carries the operator and viewer tokens', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vg-tok-'));
    const t = loadTokens(cfgIn(dir, { VOLGUARD_ADMIN_TOKEN: 'a'.repeat(20), VOLGUARD_OPERATOR_TOKEN: 'o'.repeat(20), VOLGUARD_VIEWER_TOKEN: 'v'.repeat(20) }));
    assert.deepEqual(t.tokens, { admin: 'a'.repeat(20), operator: 'o'.repeat(20), viewer: 'v'.repeat(20) });
    assert.equal(t.adminTokenFile, null);
  });

  it('tightens a token file others can read, and refuses a short one', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vg-tok-'));
    const file = adminTokenPath(dir);
    writeFileSync(file, 'x'.repeat(32));
    chmodSync(file, 0o644);
    loadTokens(cfgIn(dir));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    writeFileSync(file, 'short');
    assert.throws(() => loadTokens(cfgIn(dir)), (e: unknown) => e instanceof ConfigError && /shorter than 16/.test(e.message));
  });
});
