import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContractFacts, maxLotsPerOrder } from './contract-facts.ts';

test('lots follow the expiry, freeze limits the trade date, each with its source and effective date', () => {
  const f = ContractFacts.DEFAULT.contract('NIFTY', '2026-12-29', '2026-12-07');
  assert.equal(f.lotSize.value, 65);
  assert.equal(f.lotSize.effectiveFrom, '2026-01-01');
  assert.match(f.lotSize.source, /NSE\/FAOP\/70616/);
  assert.equal(f.freezeQty.value, 1800);
  assert.equal(f.freezeQty.effectiveFrom, '2026-02-01');
  assert.match(f.freezeQty.source, /30 Jan 2026/);
  assert.equal(f.maxLotsPerOrder, 27); // ⌊1800 / 65⌋ = 27 (27·65 = 1755 ≤ 1800 < 28·65 = 1820)
  const b = ContractFacts.DEFAULT.contract('BANKNIFTY', '2026-12-29', '2026-12-07');
  assert.deepEqual([b.lotSize.value, b.freezeQty.value, b.maxLotsPerOrder], [30, 600, 20]); // 600 / 30 = 20
  // A Dec 2025 BANKNIFTY contract kept its 35 lot; the freeze limit on 15 Sep 2025 was 900.
  const old = ContractFacts.DEFAULT.contract('BANKNIFTY', '2025-12-30', '2025-09-15');
  assert.deepEqual([old.lotSize.value, old.freezeQty.value], [35, 900]);
  assert.throws(() => ContractFacts.DEFAULT.contract('NIFTY', '2024-06-27', '2024-06-20'), /on\/after 2024-11-20/);
  assert.equal(maxLotsPerOrder(30, 600), 20);
});

test('the broker instrument master overrides the tables from the day it was read, and differences are listed', () => {
  const live = ContractFacts.DEFAULT.withInstrumentMaster({
    source: 'Upstox instrument master', asOf: '2026-12-07',
    contracts: [
      { underlying: 'NIFTY', expiry: '2026-12-29', lotSize: 65, freezeQty: 1755 },
      { underlying: 'NIFTY', expiry: '2026-12-29', lotSize: 65, freezeQty: 1755 }, // the same contract's other strikes
      { underlying: 'BANKNIFTY', expiry: '2026-12-29', lotSize: 30, freezeQty: 600 },
    ],
  });
  const f = live.contract('NIFTY', '2026-12-29', '2026-12-07');
  assert.deepEqual([f.freezeQty.value, f.freezeQty.source, f.freezeQty.effectiveFrom, f.maxLotsPerOrder], [1755, 'Upstox instrument master', '2026-12-07', 27]);
  // Before the master was read, and for a contract it does not list, the shipped tables answer.
  assert.equal(live.contract('NIFTY', '2026-12-29', '2026-12-04').freezeQty.value, 1800);
  assert.equal(live.contract('NIFTY', '2027-01-05', '2026-12-07').freezeQty.source.includes('NSE'), true);
  assert.deepEqual(live.differences('2026-12-07'), [{ underlying: 'NIFTY', expiry: '2026-12-29', field: 'freezeQty', table: 1800, master: 1755 }]);
  assert.equal(ContractFacts.DEFAULT.master, null);
  assert.equal(live.master?.asOf, '2026-12-07');
});

test('a bad instrument master row is refused with its index and values, and nothing changes', () => {
  const master = (contracts: { underlying: 'NIFTY'; expiry: string; lotSize: number; freezeQty: number }[]) =>
    ({ source: 'm', asOf: '2026-12-07', contracts });
  assert.throws(() => ContractFacts.DEFAULT.withInstrumentMaster(master([{ underlying: 'NIFTY', expiry: '2026-12-29', lotSize: 0, freezeQty: 1800 }])), /row 0 .*positive integer lot size, was 0/);
  assert.throws(() => ContractFacts.DEFAULT.withInstrumentMaster(master([{ underlying: 'NIFTY', expiry: '2026-12-29', lotSize: 65, freezeQty: 10 }])), /at least one lot \(65\), was 10/);
  assert.throws(() => ContractFacts.DEFAULT.withInstrumentMaster(master([
    { underlying: 'NIFTY', expiry: '2026-12-29', lotSize: 65, freezeQty: 1800 },
    { underlying: 'NIFTY', expiry: '2026-12-29', lotSize: 75, freezeQty: 1800 },
  ])), /row 1 .*one lot\/freeze per contract, was 75\/1800 after 65\/1800/);
  assert.throws(() => ContractFacts.DEFAULT.withInstrumentMaster(master([{ underlying: 'NIFTY', expiry: '2026-13-01', lotSize: 65, freezeQty: 1800 }])), /real calendar date/);
  assert.equal(ContractFacts.DEFAULT.contract('NIFTY', '2026-12-29', '2026-12-07').freezeQty.value, 1800);
});
