import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import { argsError } from './io.ts';

const options = { phase: { type: 'string' }, quiet: { type: 'boolean' } } as const;
const failure = (args: string[]): unknown => {
  try {
    parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (err) {
    return err;
  }
  return assert.fail(`expected ${JSON.stringify(args)} to be refused`);
};

test('argsError says what parseArgs refused, in our words', () => {
  assert.equal(argsError(failure(['--nope'])), 'unknown option --nope');
  assert.equal(argsError(failure(['--phase'])), '--phase: expected a value, was none');
  assert.equal(argsError(failure(['--phase', '--quiet'])), '--phase: expected a value, was none');
  assert.equal(argsError(failure(['SHADOW'])), 'unexpected argument "SHADOW"');
});

test('argsError leaves any other error alone', () => {
  assert.equal(argsError(new Error('disk full')), null);
  assert.equal(argsError(null), null);
});
