/**
 * @module The charges schedule at boot: DATA_DIR/charges.csv overrides the shipped one; a bad file refuses the boot
 * (and the pre-flight) with the file and the line at fault, before anything starts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { loadChargesSchedule } from './charges-schedule.ts';
import { ConfigError } from '../errors.ts';
import { parseConfig } from './config.ts';
import { startSystem } from '../cli/run.ts';
import { run as validateCli } from '../cli/validate.ts';
import { SHIPPED_CHARGES_CSV } from '../../actors/domain/data/charges-schedule.ts';
import { fillCharges } from '../../actors/domain/charges.ts';

const io = (env: Record<string, string>, cwd: string) => {
  const stdout = new PassThrough(); const stderr = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => { out += c.toString(); });
  stderr.resume();
  return { io: { stdin: new PassThrough(), stdout, stderr, env, cwd }, out: () => out };
};

test('without DATA_DIR/charges.csv the shipped schedule loads; with one, it replaces the shipped schedule whole', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-charges-'));
  try {
    assert.match(loadChargesSchedule(dir, '2026-12-07').file, /built in/);
    // An operator's edit: brokerage ₹15 from 1 Dec 2026 (the old row closed the day before).
    const edited = SHIPPED_CHARGES_CSV.replace('brokerage,any,order,2024-10-01,,20,', 'brokerage,any,order,2024-10-01,2026-11-30,20,')
      .replace('component,side,basis,from,until,rate,source\n', 'component,side,basis,from,until,rate,source\nbrokerage,any,order,2026-12-01,,15,new plan\n');
    writeFileSync(path.join(dir, 'charges.csv'), edited);
    const s = loadChargesSchedule(dir, '2026-12-07');
    assert.equal(s.file, path.resolve(dir, 'charges.csv'));
    assert.equal(fillCharges(s, '2026-12-07', { side: 'BUY', quantity: 65, price: 100 }).brokerage, 15);
    assert.equal(fillCharges(s, '2026-11-30', { side: 'BUY', quantity: 65, price: 100 }).brokerage, 20);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a schedule with a gap refuses the boot naming file and line, before anything starts; validate shows it too', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-charges-'));
  try {
    const bad = SHIPPED_CHARGES_CSV.replace('stt,sell,premium,2026-04-01,,0.0015', 'stt,sell,premium,2026-04-02,,0.0015');
    const line = bad.split('\n').findIndex((l) => l.startsWith('stt,sell,premium,2026-04-02')) + 1;
    const file = path.resolve(dir, 'charges.csv');
    writeFileSync(file, bad);
    assert.throws(() => loadChargesSchedule(dir, '2026-12-07'), (e: unknown) =>
      e instanceof ConfigError && e.message.includes(`charges schedule: ${file}:${line}: gap: stt (sell) from 2026-04-02 leaves 2026-04-01…2026-04-01 uncovered`));
    const cfg = parseConfig({ DATA_DIR: dir, LOG_DIR: path.join(dir, 'logs') });
    await assert.rejects(startSystem(cfg, io({}, dir).io), (e: unknown) => e instanceof ConfigError && e.message.includes(`${file}:${line}`));
    assert.equal(existsSync(path.join(dir, 'admin.token')), false); // nothing started, no token generated
    assert.equal(existsSync(path.join(dir, 'logs')), false);
    const v = io({ DATA_DIR: dir }, dir);
    const code = await validateCli(['--phase', 'SHADOW'], v.io, { now: () => Date.UTC(2026, 11, 7, 4, 30), monotonic: () => 0 });
    assert.equal(code, 1);
    assert.match(v.out(), new RegExp(`✗ charges +invalid configuration:; charges schedule: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:${line}: gap`));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a schedule that ends before today refuses the boot', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-charges-'));
  try {
    writeFileSync(path.join(dir, 'charges.csv'), SHIPPED_CHARGES_CSV.replace('gst,charges,brokerage+exchange_txn+sebi_fee,2024-10-01,,', 'gst,charges,brokerage+exchange_txn+sebi_fee,2024-10-01,2026-06-30,'));
    assert.throws(() => loadChargesSchedule(dir, '2026-12-07'), /charges schedule: expected a gst \(charges\) rate in force on 2026-12-07 in .*charges\.csv, was none \(covered 2024-10-01…2026-06-30\)/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
