/**
 * The seed's promise (issue 16 item 11): `npm test` ends with the line `✅ ALL SYSTEMS GO` when everything passed, and
 * only then. The line is the last step of the `test` script, joined with `&&`, so any failing step before it (the
 * typecheck, any test file) skips it and npm reports the failure's exit code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const GO = '✅ ALL SYSTEMS GO';
const script = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts['test'] ?? '';

test('npm test prints ✅ ALL SYSTEMS GO as its last line after a green run, and never after a failing step', () => {
  const steps = script.split(' && ');
  assert.ok(steps.length >= 3, script);
  assert.equal(steps.at(-1), `echo '${GO}'`);
  assert.ok(steps.some((s) => s.includes('--test')), 'the test files run before it');
  // The same chain with each earlier step standing for a pass (`true`) or a failure (`false`).
  const run = (failing: number | null) => {
    const chain = steps.map((s, i) => (i === steps.length - 1 ? s : i === failing ? 'false' : 'true')).join(' && ');
    const r = spawnSync('sh', ['-c', chain], { encoding: 'utf8' });
    return { status: r.status, last: r.stdout.trimEnd().split('\n').at(-1) ?? '' };
  };
  assert.deepEqual(run(null), { status: 0, last: GO });
  for (let i = 0; i < steps.length - 1; i++) {
    const r = run(i);
    assert.notEqual(r.status, 0, `step ${i} failing`);
    assert.ok(!r.last.includes('ALL SYSTEMS GO'), `step ${i} failing: ${r.last}`);
  }
});
