/**
 * @module The layering rule (issue 17): dependency-cruiser, with the rules in .dependency-cruiser.cjs, over the real
 * tree (no violation allowed) and over a fixture tree that breaks each rule once (each must be reported).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/layering/', import.meta.url));
const config = createRequire(import.meta.url)('../.dependency-cruiser.cjs') as IConfiguration;

interface Violation {
  readonly rule: string;
  readonly from: string;
  readonly to: string;
}

async function violations(baseDir: string, roots: string[]): Promise<Violation[]> {
  const { output } = await cruise(roots, { ...config.options, validate: true, ruleSet: { forbidden: config.forbidden ?? [] }, baseDir });
  return (output as ICruiseResult).summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
}

test('the code keeps its layering: kernel, domain, venues, actors, no cycles', async () => {
  const found = await violations(ROOT, ['actors', 'runtime', 'gateway', 'test']);
  assert.deepEqual(found, [], `layering violations:\n${found.map((v) => `  ${v.rule}: ${v.from} → ${v.to}`).join('\n')}`);
});

test('each rule reports the one import in the fixture tree that breaks it, and nothing else', async () => {
  const found = await violations(FIXTURE, ['actors', 'runtime', 'gateway']);
  const seen = found.map((v) => `${v.rule}: ${v.from} → ${v.to}`).sort();
  assert.deepEqual(seen, [
    'actor-imports-only-index-or-messages-of-another: actors/beta/worker.ts → actors/alpha/core.ts',
    'domain-imports-only-domain: actors/domain/noun.ts → actors/alpha/messages.ts',
    'domain-is-pure: actors/domain/io.ts → fs',
    'kernel-imports-no-actor-or-gateway: runtime/kernel.ts → gateway/deps.ts',
    'kernel-imports-no-wiring: runtime/kernel.ts → runtime/main/tree.ts',
    'no-circular: actors/beta/a.ts → actors/beta/b.ts',
    'venues-import-no-actor: actors/venues/venue.ts → actors/alpha/index.ts',
  ]);
});
