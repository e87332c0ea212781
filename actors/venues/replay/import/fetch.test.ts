/**
 * `--fetch` against a real HTTP server on loopback serving fixture files the way NSE's archive and Upstox's APIs do
 * (CI has no network): progress, 404 as "not published", retries, resuming a cut-off download, offline re-runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { zipSync } from 'fflate';
import { fetchAll } from './fetch.ts';
import { run } from './cli.ts';
import { readIndex } from '../source.ts';
import type { CliIo } from '../../../../runtime/cli/io.ts';

const SAMPLE = path.resolve(import.meta.dirname, '../../../../data/samples/nse-udiff-2026-01-12_14');

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(t: { after: (fn: () => Promise<void> | void) => void }, handler: Handler): Promise<{ base: string; log: string[] }> {
  const log: string[] = [];
  const server = createServer((req, res) => {
    log.push(`${req.method} ${req.url}${req.headers.range ? ` ${req.headers.range}` : ''}`);
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, log };
}

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-fetch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function cliIo(cwd: string, env: NodeJS.ProcessEnv = {}): CliIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d) => (o += String(d)));
  stderr.on('data', (d) => (e += String(d)));
  return { stdin: new PassThrough(), stdout, stderr, env, cwd, out: () => o, err: () => e };
}

/** One day's UDiFF zip as NSE publishes it: one CSV member with every row (here NIFTY's and BANKNIFTY's). */
function udiffZip(date: string): Uint8Array {
  const nifty = readFileSync(path.join(SAMPLE, date, 'NIFTY.csv'), 'utf8').trimEnd().split('\n');
  const bank = readFileSync(path.join(SAMPLE, date, 'BANKNIFTY.csv'), 'utf8').trimEnd().split('\n').slice(1);
  const name = `BhavCopy_NSE_FO_0_0_0_${date.replaceAll('-', '')}_F_0000.csv`;
  return zipSync({ [name]: Buffer.from(`${[...nifty, ...bank].join('\n')}\n`) });
}

test('nse-bhavcopy --fetch downloads the UDiFF zips politely, reports unpublished days, and a re-run is offline', async (t) => {
  const zips = new Map(['2026-01-12', '2026-01-13', '2026-01-14'].map((d) => [`/content/fo/BhavCopy_NSE_FO_0_0_0_${d.replaceAll('-', '')}_F_0000.csv.zip`, udiffZip(d)]));
  const agents: string[] = [];
  const { base, log } = await serve(t, (req, res) => {
    agents.push(String(req.headers['user-agent']));
    const body = zips.get(req.url ?? '');
    if (!body) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': 'application/zip' }).end(Buffer.from(body));
  });
  const dir = tmp(t);
  const args = ['nse-bhavcopy', '--fetch', '--from', '2026-01-12', '--to', '2026-01-16', '--base-url', base, '--delay-ms', '0', '--cache', 'cache', '--out', 'rec', '--data-dir', dir];
  const io = cliIo(dir);
  assert.equal(await run(args, io), 0, io.err());
  // 15 January 2026 was a market holiday (the calendar knows): never asked. The 16th is asked and not there.
  assert.deepEqual(log.map((l) => l.replace(/\d{8}/, 'D')), Array(4).fill('GET /content/fo/BhavCopy_NSE_FO_0_0_0_D_F_0000.csv.zip'));
  assert.ok(agents.every((a) => a.startsWith('VolGuard-import/')));
  assert.match(io.err(), /\[1\/4\] 2026-01-12 UDiFF: downloaded \d+ KB/);
  assert.match(io.err(), /\[4\/4\] 2026-01-16 UDiFF: not published \(404\)/);
  assert.deepEqual(readIndex(path.join(dir, 'rec')).meta?.days, ['2026-01-12', '2026-01-13', '2026-01-14']);
  // Again, offline: everything is in the cache (only the missing day is asked again).
  const again = cliIo(dir);
  assert.equal(await run([...args, '--replace'], again), 0, again.err());
  assert.equal(log.length, 5);
  assert.match(again.err(), /\[1\/4\] 2026-01-12 UDiFF: cached/);
  // And fully offline from the files alone, without --fetch.
  assert.equal(await run(['nse-bhavcopy', 'cache', '--out', 'rec2', '--data-dir', dir], cliIo(dir)), 0);
});

test('a cut-off download is resumed with a Range request; 503 is retried; a corrupt file is fetched again', async (t) => {
  const full = Buffer.from(udiffZip('2026-01-12'));
  let cut = true;
  let unavailable = 1;
  let corrupt = 1;
  const { base, log } = await serve(t, (req, res) => {
    if (req.url === '/busy') {
      if (unavailable-- > 0) { res.writeHead(503).end(); return; }
      res.writeHead(200).end(full);
      return;
    }
    if (req.url === '/corrupt') {
      res.writeHead(200).end(corrupt-- > 0 ? full.subarray(0, 100) : full);
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range) {
      const from = Number(range[1]);
      res.writeHead(206, { 'content-range': `bytes ${from}-${full.length - 1}/${full.length}` }).end(full.subarray(from));
      return;
    }
    if (cut) {
      // Half the body, then the connection drops.
      cut = false;
      res.writeHead(200, { 'content-length': String(full.length) });
      res.write(full.subarray(0, 1000), () => res.destroy());
      return;
    }
    res.writeHead(200).end(full);
  });
  const dir = tmp(t);
  const valid = (b: Uint8Array): boolean => Buffer.compare(Buffer.from(b), full) === 0;
  const sleeps: number[] = [];
  const opts = { cacheDir: dir, delayMs: 10, valid, sleep: async (ms: number) => { sleeps.push(ms); }, now: () => 0 };
  const r = await fetchAll([{ url: `${base}/a.zip`, file: 'a.zip', label: 'a' }, { url: `${base}/busy`, file: 'b.zip', label: 'b' }, { url: `${base}/corrupt`, file: 'c.zip', label: 'c' }], opts);
  assert.deepEqual(r.outcomes.map((o) => o.outcome), ['resumed', 'downloaded', 'downloaded']);
  assert.equal(log[1], 'GET /a.zip bytes=1000-');
  for (const f of ['a.zip', 'b.zip', 'c.zip']) assert.ok(valid(readFileSync(path.join(dir, f))), f);
  assert.ok(!existsSync(path.join(dir, 'a.zip.part')));
  assert.ok(sleeps.length > 0 && sleeps.every((ms) => ms <= 100), `paced and backed off by injected sleeps: ${sleeps.join(',')}`);
  // A 403 is not retried: the error names the URL.
  const { base: b2 } = await serve(t, (_req, res) => res.writeHead(403).end());
  await assert.rejects(fetchAll([{ url: `${b2}/x`, file: 'x', label: 'x' }], opts), /\/x: expected 200, was HTTP 403/);
});

test('upstox-candles --fetch walks expiries → contracts → candles with the bearer token and never prints it', async (t) => {
  const token = 'sekrit-token-value';
  const expiry = '2026-01-13';
  const contracts = [
    { instrument_key: 'NSE_FO|111|13-01-2026', instrument_type: 'CE', underlying_symbol: 'NIFTY', strike_price: 25800, expiry, lot_size: 65, trading_symbol: 'NIFTY 25800 CE' },
    { instrument_key: 'NSE_FO|112|13-01-2026', instrument_type: 'PE', underlying_symbol: 'NIFTY', strike_price: 25800, expiry, lot_size: 65, trading_symbol: 'NIFTY 25800 PE' },
  ];
  const day = (d: string, c: number): unknown[] => [`${d}T00:00:00+05:30`, c, c * 1.5, c * 0.5, c, 6500, 1000];
  const auth: string[] = [];
  const { base, log } = await serve(t, (req, res) => {
    auth.push(String(req.headers.authorization));
    const u = new URL(req.url ?? '/', 'http://x');
    const json = (data: unknown): void => { res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data })); };
    if (u.pathname === '/v2/expired-instruments/expiries') return json(['2025-12-30', expiry, '2026-03-31']);
    if (u.pathname === '/v2/expired-instruments/option/contract') return json(u.searchParams.get('expiry_date') === expiry ? contracts : []);
    if (u.pathname.startsWith('/v2/expired-instruments/historical-candle/')) {
      const key = decodeURIComponent(u.pathname.split('/')[4]!);
      return json({ candles: [day('2026-01-13', key.includes('111') ? 2 : 30), day('2026-01-12', key.includes('111') ? 40 : 35)] });
    }
    if (u.pathname.startsWith('/v3/historical-candle/')) {
      if (decodeURIComponent(u.pathname.split('/')[3]!) !== 'NSE_INDEX|Nifty 50') { res.writeHead(404).end(); return; }
      return json({ candles: [day('2026-01-13', 25770), day('2026-01-12', 25790)] });
    }
    res.writeHead(404).end();
  });
  const dir = tmp(t);
  const args = ['upstox-candles', '--fetch', '--from', '2026-01-12', '--to', '2026-01-13', '--underlying', 'NIFTY', '--base-url', base, '--delay-ms', '0', '--cache', 'cache', '--out', 'rec', '--data-dir', dir];
  const noToken = cliIo(dir);
  assert.equal(await run(args, noToken), 2);
  assert.match(noToken.err(), /expected UPSTOX_ACCESS_TOKEN/);
  const io = cliIo(dir, { UPSTOX_ACCESS_TOKEN: token });
  assert.equal(await run(args, io), 0, io.err());
  assert.ok(auth.every((a) => a === `Bearer ${token}`));
  assert.ok(!io.err().includes(token) && !io.out().includes(token), 'the token never reaches the output');
  assert.ok(log.some((l) => l.includes('/v2/expired-instruments/historical-candle/NSE_FO%7C111%7C13-01-2026/day/2026-01-13/2026-01-12')));
  const index = readIndex(path.join(dir, 'rec'));
  assert.deepEqual(index.meta?.days, ['2026-01-12', '2026-01-13']);
  assert.equal(index.meta?.importedFrom, 'upstox-candles');
  // The cache is a plain import folder: instruments.json + one file per instrument.
  mkdirSync(path.join(dir, 'copy'));
  for (const f of ['instruments.json', 'NSE_FO_111_13-01-2026.json', 'NSE_FO_112_13-01-2026.json', 'NSE_INDEX_Nifty 50.json']) {
    writeFileSync(path.join(dir, 'copy', f), readFileSync(path.join(dir, 'cache', f)));
  }
  assert.equal(await run(['upstox-candles', 'copy', '--out', 'rec2', '--data-dir', dir], cliIo(dir)), 0);
  writeFileSync(path.join(dir, 'copy', 'stray.json'), '{}');
  const bad = cliIo(dir);
  assert.equal(await run(['upstox-candles', 'copy', '--out', 'rec3', '--data-dir', dir], bad), 1);
  assert.match(bad.err(), /stray\.json: expected a candle file named after an instrument/);
});
