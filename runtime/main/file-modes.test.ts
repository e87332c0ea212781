/**
 * File modes: VOLGUARD_UMASK parsing, and tightening what VolGuard owns (only that) to what the umask allows.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from './config.ts';
import { ConfigError } from '../errors.ts';
import { ownedTargets, tightenModes } from './file-modes.ts';

const mode = (p: string): number => statSync(p).mode & 0o7777;

describe('VOLGUARD_UMASK', () => {
  it('defaults to 077 and reads octal', () => {
    assert.equal(parseConfig({}).VOLGUARD_UMASK, 0o077);
    assert.equal(parseConfig({ VOLGUARD_UMASK: '027' }).VOLGUARD_UMASK, 0o027);
    assert.equal(parseConfig({ VOLGUARD_UMASK: '0022' }).VOLGUARD_UMASK, 0o022);
  });

  for (const bad of ['777', '0700', '002', '7', '8', 'abc', '', '00077']) {
    it(`refuses ${JSON.stringify(bad)} naming the variable`, () => {
      assert.throws(() => parseConfig({ VOLGUARD_UMASK: bad }), (err: unknown) => err instanceof ConfigError && err.issues.some((i) => i.variable === 'VOLGUARD_UMASK'));
    });
  }
});

describe('tightenModes', () => {
  it("tightens the data and log dirs and VolGuard's own entries, recursively, and nothing else", () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'vg-modes-'));
    try {
      const data = path.join(root, 'data');
      const logs = path.join(root, 'logs');
      mkdirSync(path.join(data, 'journal'), { recursive: true });
      mkdirSync(logs);
      writeFileSync(path.join(data, 'journal', 'journal.mdb'), '');
      writeFileSync(path.join(logs, 'volguard.log'), '');
      writeFileSync(path.join(logs, 'other.log'), '');
      writeFileSync(path.join(data, 'notes.txt'), '');
      for (const d of [data, path.join(data, 'journal'), logs]) chmodSync(d, 0o755);
      for (const f of [path.join(data, 'journal', 'journal.mdb'), path.join(logs, 'volguard.log'), path.join(logs, 'other.log'), path.join(data, 'notes.txt')]) chmodSync(f, 0o644);
      const changed = tightenModes(ownedTargets({ DATA_DIR: data, LOG_DIR: logs }), 0o077);
      assert.deepEqual(changed.map((c) => path.relative(root, c.path)).sort(), ['data', 'data/journal', 'data/journal/journal.mdb', 'logs', 'logs/volguard.log']);
      assert.equal(mode(path.join(data, 'journal')), 0o700);
      assert.equal(mode(path.join(data, 'journal', 'journal.mdb')), 0o600);
      assert.equal(mode(path.join(logs, 'other.log')), 0o644);
      assert.equal(mode(path.join(data, 'notes.txt')), 0o644);
      assert.deepEqual(tightenModes(ownedTargets({ DATA_DIR: data, LOG_DIR: logs }), 0o077), [], 'a second pass changes nothing');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
