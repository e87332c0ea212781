import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../runtime/main/config.ts';
import { riskSettings } from './settings.ts';
import { killswitchSettings } from '../killswitch/settings.ts';

test('defaults pass validation and the tighter daily loss limit applies', () => {
  const s = riskSettings(parseConfig({}));
  assert.equal(s.maxDailyLoss, 20_000);
  assert.equal(riskSettings(parseConfig({ DAILY_LOSS_LIMIT_PCT: '0.01' })).maxDailyLoss, 10_000);
  assert.equal(riskSettings(parseConfig({ DAILY_LOSS_LIMIT_PCT: '0.05' })).maxDailyLoss, 20_000);
  assert.equal(killswitchSettings(parseConfig({})).fullAutoQuality, 0.8);
  // The trading day closes 15 market minutes after the session close by default: 15 × 60 000 ms.
  assert.equal(s.dayCloseDelayMs, 900_000);
  assert.equal(riskSettings(parseConfig({ RISK_DAY_CLOSE_DELAY_MIN: '0' })).dayCloseDelayMs, 0);
});

test('bad values are rejected with the variable and the value', () => {
  assert.throws(() => parseConfig({ RISK_SOFT_RATIO: 'lots' }), /RISK_SOFT_RATIO: expected a number >= 0.1 <= 1, was "lots"/);
  assert.throws(() => riskSettings(parseConfig({ RISK_BUCKET_WEEKLY: '0.9' })), /<= 1, was 1.4/);
  assert.throws(() => killswitchSettings(parseConfig({ KS_SHADOW_QUALITY: '0.9' })), /KS_SHADOW_QUALITY <= KS_FULL_AUTO_QUALITY/);
  assert.throws(() => parseConfig({ RISK_DAY_CLOSE_DELAY_MIN: '-5' }), /RISK_DAY_CLOSE_DELAY_MIN: expected a number >= 0 <= 480, was "-5"/);
});
