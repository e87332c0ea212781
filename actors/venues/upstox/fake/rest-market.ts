/**
 * @module The fake's market-data REST routes: option chain, option contracts, LTP / full quotes / option greeks
 * (maps keyed `SEGMENT:SYMBOL`), instruments master (gz JSON).
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { istDate, istInstant } from '../../../domain/calendar.ts';
import type { Hono } from 'hono';
import { contractJson, errorBody, masterJson, success } from './shapes.ts';
import type { FakeState } from './state.ts';
import type { FakeInstrument } from './market.ts';
import { FakeBook } from './book.ts';

export function marketRoutes(app: Hono, state: FakeState): void {
  const m = state.market;
  // Contract lists do not change while the fake runs: serialise each answer once (thousands of rows; the fake shares
  // its thread with the system under test).
  const contractBodies = new Map<string, string>();

  app.get('/v2/option/contract', (c) => {
    const key = c.req.query('instrument_key');
    if (key === undefined || key === '') return c.json(errorBody('UDAPI1009', 'instrument_key is required'), 400);
    const expiry = c.req.query('expiry_date');
    const cacheKey = `${key}|${expiry ?? ''}`;
    let body = contractBodies.get(cacheKey);
    if (body === undefined) {
      const rows = m.instruments().filter((i) => i.underlyingKey === key && (expiry === undefined || i.expiry === expiry));
      body = JSON.stringify(success(rows.map(contractJson)));
      contractBodies.set(cacheKey, body);
    }
    return c.body(body, 200, { 'Content-Type': 'application/json' });
  });

  app.get('/v2/option/chain', (c) => {
    const key = c.req.query('instrument_key');
    const expiry = c.req.query('expiry_date');
    if (key === undefined || expiry === undefined) return c.json(errorBody('UDAPI1009', 'instrument_key and expiry_date are required'), 400);
    const spot = m.quote(key)?.ltp ?? 0;
    const legs = m.instruments().filter((i) => i.underlyingKey === key && i.expiry === expiry);
    const strikes = [...new Set(legs.map((i) => i.strike!))].sort((a, b) => a - b);
    const side = (i: FakeInstrument | undefined) => {
      const q = i === undefined ? undefined : m.quote(i.instrumentKey);
      const best = q?.depth?.[0];
      return {
        instrument_key: i?.instrumentKey ?? '',
        market_data: { ltp: q?.ltp ?? 0, volume: q?.vtt ?? 0, oi: q?.oi ?? 0, close_price: q?.cp ?? 0, bid_price: best?.bidP ?? 0, bid_qty: best?.bidQ ?? 0, ask_price: best?.askP ?? 0, ask_qty: best?.askQ ?? 0, prev_oi: q?.oi ?? 0 },
        // REST reports iv in percent, unlike the feed.
        option_greeks: { vega: q?.greeks?.vega ?? 0, theta: q?.greeks?.theta ?? 0, gamma: q?.greeks?.gamma ?? 0, delta: q?.greeks?.delta ?? 0, iv: Math.round((q?.iv ?? 0) * 10_000) / 100, pop: 50 },
      };
    };
    return c.json(success(strikes.map((k) => {
      const call = legs.find((i) => i.strike === k && i.kind === 'CE');
      const put = legs.find((i) => i.strike === k && i.kind === 'PE');
      const pcr = (m.quote(put?.instrumentKey ?? '')?.oi ?? 0) / Math.max(1, m.quote(call?.instrumentKey ?? '')?.oi ?? 1);
      return { expiry, pcr, strike_price: k, underlying_key: key, underlying_spot_price: spot, call_options: side(call), put_options: side(put) };
    })));
  });

  // Historical candles v3 (bad input: the general UDAPI100038; Upstox's codes for this route are not in our reference),
  // day candles of an index only (the fake keeps no price history): one row per IST date from
  // `from` to `to` whose session has closed, at the official close (FakeBook.officialClose, the price expiry settles
  // at); open/high/low are that close too (fake-only). Newest first, as Upstox sends them.
  app.get('/v3/historical-candle/:key/:unit/:interval/:to/:from', (c) => {
    const { key, unit, interval, to, from } = c.req.param();
    const date = /^\d{4}-\d{2}-\d{2}$/;
    if (!date.test(to) || !date.test(from) || from > to) return c.json(errorBody('UDAPI100038', 'Invalid input passed to the API: from_date and to_date as YYYY-MM-DD, from_date not after to_date'), 400);
    if (!['minutes', 'hours', 'days', 'weeks', 'months'].includes(unit) || !/^\d+$/.test(interval)) return c.json(errorBody('UDAPI100038', 'Invalid input passed to the API: unit or interval'), 400);
    const instrumentKey = decodeURIComponent(key);
    if (m.instrument(instrumentKey) === undefined) return c.json(errorBody('UDAPI100038', 'Invalid input passed to the API: instrument_key'), 400);
    const book = state.broker;
    const candles: [string, number, number, number, number, number, number][] = [];
    if (unit === 'days' && interval === '1' && instrumentKey.startsWith('NSE_INDEX|') && book instanceof FakeBook) {
      for (let d = to; d >= from; d = istDate(istInstant(d, 12 * 60) - 86_400_000)) {
        const close = book.officialClose(instrumentKey, d, state.now());
        if (close !== undefined) candles.push([`${d}T00:00:00+05:30`, close, close, close, close, 0, 0]);
      }
    }
    return c.json(success({ candles }));
  });

  const keysOf = (raw: string | undefined, max: number): FakeInstrument[] | Response => {
    if (raw === undefined || raw === '') return Response.json(errorBody('UDAPI1009', 'instrument_key is required'), { status: 400 });
    const keys = raw.split(',');
    if (keys.length > max) return Response.json(errorBody('UDAPI100043', `Maximum ${max} instrument keys are allowed`), { status: 400 });
    for (const k of keys) if (!/^[A-Z_]+\|.+$/.test(k)) return Response.json(errorBody('UDAPI1011', `Invalid instrument key format: ${k}`), { status: 400 });
    return keys.flatMap((k) => m.instrument(k) ?? []);
  };

  app.get('/v3/market-quote/ltp', (c) => {
    const insts = keysOf(c.req.query('instrument_key'), 500);
    if (insts instanceof Response) return insts;
    return c.json(success(Object.fromEntries(insts.map((i) => {
      const q = m.quote(i.instrumentKey)!;
      return [i.quoteKey, { last_price: q.ltp, instrument_token: i.instrumentKey, ltq: q.ltq, volume: q.vtt ?? 0, cp: q.cp }];
    }))));
  });

  app.get('/v3/market-quote/option-greek', (c) => {
    const insts = keysOf(c.req.query('instrument_key'), 50);
    if (insts instanceof Response) return insts;
    return c.json(success(Object.fromEntries(insts.filter((i) => i.kind !== 'INDEX').map((i) => {
      const q = m.quote(i.instrumentKey)!;
      const g = q.greeks;
      return [i.quoteKey, { last_price: q.ltp, instrument_token: i.instrumentKey, ltq: q.ltq, volume: q.vtt ?? 0, cp: q.cp, iv: Math.round((q.iv ?? 0) * 10_000) / 100, vega: g?.vega ?? 0, gamma: g?.gamma ?? 0, theta: g?.theta ?? 0, delta: g?.delta ?? 0, oi: q.oi ?? 0 }];
    }))));
  });

  app.get('/v2/market-quote/quotes', (c) => {
    // The official SDK's v2 method sends the keys as `symbol` (the documented name is `instrument_key`): take both.
    const insts = keysOf(c.req.query('instrument_key') ?? c.req.query('symbol'), 500);
    if (insts instanceof Response) return insts;
    return c.json(success(Object.fromEntries(insts.map((i) => {
      const q = m.quote(i.instrumentKey)!;
      const depth = q.depth ?? [];
      return [i.quoteKey, {
        ohlc: { open: q.cp, high: q.ltp * 1.01, low: q.ltp * 0.99, close: q.ltp },
        depth: { buy: depth.map((d) => ({ quantity: d.bidQ, price: d.bidP, orders: 3 })), sell: depth.map((d) => ({ quantity: d.askQ, price: d.askP, orders: 3 })) },
        timestamp: new Date(q.ltt).toISOString(), instrument_token: i.instrumentKey, symbol: i.tradingSymbol ?? i.token, last_price: q.ltp,
        volume: q.vtt ?? 0, average_price: q.atp ?? q.ltp, oi: q.oi ?? 0, net_change: q.ltp - q.cp, total_buy_quantity: q.tbq ?? 0,
        total_sell_quantity: q.tsq ?? 0, lower_circuit_limit: 0.05, upper_circuit_limit: q.ltp * 3, last_trade_time: String(q.ltt), oi_day_high: q.oi ?? 0, oi_day_low: q.oi ?? 0,
      }];
    }))));
  });

  let master: Buffer | undefined;
  app.get('/market-quote/instruments/exchange/:file', (c) => {
    const file = c.req.param('file');
    if (file !== 'NSE.json.gz' && file !== 'complete.json.gz') return c.text('Not Found', 404);
    master ??= gzipSync(Buffer.from(JSON.stringify(m.instruments().map(masterJson))));
    const body = master;
    // Served like the assets CDN serves a file: Last-Modified (the daily build) and an opaque ETag.
    const now = state.now();
    const builtAt = state.masterBuiltAt ?? Math.min(now, istInstant(istDate(now), 6 * 60));
    const etag = `"${createHash('md5').update(body).update(String(builtAt)).digest('hex')}"`;
    return c.body(new Uint8Array(body), 200, { 'Content-Type': 'application/octet-stream', 'Last-Modified': new Date(builtAt).toUTCString(), ETag: etag });
  });
}
