import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../runtime/errors.ts';
import { parseConfig } from '../../runtime/main/config.ts';
import { executorSection } from './config.ts';
import { engineConfig } from './settings.ts';

test('UPSTOX_PRODUCT (default D) and EXEC_MARKET_PROTECTION_PCT (default 5) reach the engine, on paper too; bad values refused at boot naming the variable', () => {
  const paper = engineConfig(executorSection(parseConfig({})));
  assert.deepEqual([paper.product, paper.marketProtectionPct], ['D', 5]);
  const intraday = engineConfig(executorSection(parseConfig({ UPSTOX_PRODUCT: 'I', EXEC_MARKET_PROTECTION_PCT: '2.5' })));
  assert.deepEqual([intraday.product, intraday.marketProtectionPct], ['I', 2.5]);
  for (const [variable, bad] of [['UPSTOX_PRODUCT', 'MIS'], ['EXEC_MARKET_PROTECTION_PCT', '30'], ['EXEC_MARKET_PROTECTION_PCT', '-1']] as const) {
    assert.throws(() => parseConfig({ [variable]: bad }), (err: unknown) => err instanceof ConfigError && err.issues.some((i) => i.variable === variable), `${variable}=${bad}`);
  }
});
