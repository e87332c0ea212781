import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../../../runtime/clock.ts';
import { istInstant } from '../../../domain/calendar.ts';
import { estimateMargin } from '../../../domain/margin.ts';
import { SimMarket } from '../market.ts';
import { PaperBroker } from './exchange.ts';
import { riskMargin } from './margin.ts';
import { SimQuotes } from './sim-quotes.ts';

const OPEN = istInstant('2026-11-23', 9 * 60 + 15);

test('the exchange copy quotes what the feed copy shows at the same time, advancing itself', () => {
  const feed = new SimMarket({ seed: 11, startMs: OPEN });
  const paper = new SimQuotes({ seed: 11, startMs: OPEN });
  const chain = feed.chains().find((c) => c.underlying === 'NIFTY');
  assert.ok(chain);
  const key = chain.callKeys[Math.floor(chain.callKeys.length / 2)]!;
  for (const t of [OPEN + 1_000, OPEN + 61_700, OPEN + 600_000]) {
    feed.advanceTo(t);
    const q = paper.quote(key, t);
    const f = feed.quote(key);
    assert.ok(q && f);
    assert.deepEqual(q, { bid: f.bid, ask: f.ask, ltp: f.ltp, bidQty: f.bidQty, askQty: f.askQty });
  }
  assert.deepEqual(paper.rules(key), { lotSize: chain.lotSize, freezeQty: chain.freezeQty });
  assert.equal(paper.describe(key)?.right, 'CE');
  assert.equal(paper.spot('NIFTY'), feed.spot('NIFTY'));
  assert.equal(paper.quote('NSE_FO|nope', OPEN + 600_000), undefined);
});

test('riskMargin is the risk actor\'s estimateMargin plus long premium; unknown instruments are never free', () => {
  const describe = (k: string) => ({
    P1: { underlying: 'NIFTY' as const, expiry: '2026-11-24', strike: 23_800, right: 'PE' as const },
    P2: { underlying: 'NIFTY' as const, expiry: '2026-11-24', strike: 23_900, right: 'PE' as const },
  })[k];
  const m = riskMargin(describe, () => 24_000);
  const shortOnly = m([{ instrumentKey: 'P2', quantity: -65, price: 40 }]);
  const est = estimateMargin([{ underlying: 'NIFTY', expiry: '2026-11-24', strike: 23_900, right: 'PE', side: 'SELL', quantity: 65 }], { NIFTY: 24_000 });
  assert.equal(shortOnly, est.required);
  const spread = m([{ instrumentKey: 'P1', quantity: 65, price: 20 }, { instrumentKey: 'P2', quantity: -65, price: 40 }]);
  assert.ok(spread < shortOnly, 'the hedge lowers margin');
  assert.equal(spread, 100 * 65 + 0.03 * 24_000 * 65 + 65 * 20);
  assert.ok(m([{ instrumentKey: 'X', quantity: -65, price: 40 }]) > 0);
});

test('the paper exchange on its SimMarket copy fills at the sim touch and charges risk margin', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'paper-sim-'));
  const clock = new ManualClock(OPEN + 60_000);
  const sim = new SimQuotes({ seed: 4, startMs: OPEN });
  const broker = new PaperBroker({ dir, clock, quotes: sim.quote, instruments: sim.rules, margin: riskMargin(sim.describe, sim.spot), capital: 2_000_000 });
  try {
    const chain = sim.market.chains().find((c) => c.underlying === 'NIFTY')!;
    const key = chain.putKeys[Math.floor(chain.putKeys.length / 2)]!;
    const q = sim.quote(key, clock.now())!;
    const r = await broker.placeOrder({ clientOrderId: 'S1', instrumentKey: key, side: 'SELL', quantity: chain.lotSize, orderType: 'MARKET', product: 'D', validity: 'DAY' });
    const o = await broker.getOrder(r.brokerOrderIds[0]!);
    assert.equal(o.status, 'filled');
    assert.equal(o.averagePrice, q.bid);
    const funds = await broker.getFunds();
    const d = sim.describe(key)!;
    assert.equal(funds.usedMargin, estimateMargin([{ ...d, side: 'SELL', quantity: chain.lotSize }], { NIFTY: sim.spot('NIFTY')! }).required);
  } finally {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
