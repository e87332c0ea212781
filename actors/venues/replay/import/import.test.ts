/**
 * Importers on real files (data/samples: NSE's own UDiFF rows) and on small files written here from the documented
 * formats (legacy bhavcopy, Upstox candles), plus every way an input can be bad: each is refused with its file, line
 * and reason, and nothing is written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync, zipSync, strToU8 } from 'fflate';
import { inputTexts, csvRecords, ImportError } from './input.ts';
import { bhavcopyDays, parseBhavcopy } from './bhavcopy.ts';
import { dayEntries } from './frames.ts';
import { deriveQuote, DEFAULT_SPREAD_MODEL } from './spread-model.ts';
import { candleDays, parseCandles, parseInstruments } from './upstox-candles.ts';
import { run } from './cli.ts';
import { readChunk, readIndex } from '../source.ts';
import type { Settlement } from '../format.ts';
import type { Tick } from '../../market-data.ts';
import { FeedCore } from '../../../feed/core.ts';
import { istInstant } from '../../../domain/calendar.ts';
import type { CliIo } from '../../../../runtime/cli/io.ts';

const SAMPLE = path.resolve(import.meta.dirname, '../../../../data/samples/nse-udiff-2026-01-12_14');

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-import-'));
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

/** Every entry of a recording, in order. */
function entries(dir: string): ReturnType<typeof readChunk> {
  return readIndex(dir).chunks.flatMap((c) => readChunk(dir, c.file));
}

test('the real UDiFF sample imports into a recording: derived quotes, settlements, one frame per day', async (t) => {
  const dir = tmp(t);
  const io = cliIo(dir);
  assert.equal(await run(['nse-bhavcopy', SAMPLE, '--out', 'rec', '--data-dir', dir], io), 0, io.err());
  const rec = path.join(dir, 'rec');
  const index = readIndex(rec);
  assert.equal(index.version, 2);
  assert.equal(index.meta?.importedFrom, 'nse-bhavcopy-udiff');
  assert.equal(index.meta?.quotes, 'derived');
  assert.deepEqual(index.meta?.days, ['2026-01-12', '2026-01-13', '2026-01-14']);
  assert.equal(index.meta?.inputs?.length, 6);
  const all = entries(rec);
  // 12 Jan: the frame at 15:15 IST, closed at 15:30.
  const frame = istInstant('2026-01-12', 15 * 60 + 15);
  const ticks = all.find((e) => e[1] === 0 && e[0] === frame)![2] as readonly Tick[];
  const spot = ticks.find((x) => x.instrumentKey === 'NSE_INDEX|Nifty 50')!;
  assert.equal(spot.ltp, 25790.25);
  assert.equal(spot.derived, undefined, 'UDiFF carries the index close: the spot is not derived');
  // NIFTY 25900 CE 20 Jan (token 47621), close 133.95, 276 906 contracts:
  //   h = 0.25 % (≥ 100 000 contracts a session); t = (8·1440 + 15) min / 525 600 = 0.0219463;
  //   z = ln(25900/25790.25) / (0.15·√t) = 0.0042465 / 0.0222215 = 0.19110 → m = 1.019110; e = 1 (8 days);
  //   half = 133.95 × 0.0025 × 1.019110 = 0.34127 → 7 ticks → bid 133.95 − 0.35 = 133.60, ask 134.30.
  const c = ticks.find((x) => x.instrumentKey === 'NSE_FO|47621')!;
  assert.deepEqual({ bid: c.bid, ask: c.ask, ltp: c.ltp, volume: c.volume, oi: c.oi, derived: c.derived },
    { bid: 133.6, ask: 134.3, ltp: 133.95, volume: 276906 * 65, oi: 2063490, derived: true });
  // 13 Jan is a NIFTY expiry: the final settlement is SttlmPric of the expiring rows (the index close, 25732.30).
  const closes = all.filter((e) => e[1] === 3).map((e) => e[2] as readonly Settlement[]);
  const final = closes.flat().filter((s) => s.kind === 'final');
  assert.deepEqual(final, [{ kind: 'final', underlying: 'NIFTY', expiry: '2026-01-13', price: 25732.3, underlyingClose: 25732.3, source: 'exchange' }]);
  const daily = closes.flat().find((s) => s.instrumentKey === 'NSE_FO|47621')!;
  assert.equal(daily.price, 133.95);
  // The expiring 25700 CE is quoted on its last day around its intrinsic value at settlement: 25732.30 − 25700 = 32.30
  // is its settlement, and its close (36.80) is the quote's mid.
  const expiring = (all.find((e) => e[1] === 0 && e[0] === istInstant('2026-01-13', 915))![2] as readonly Tick[]).find((x) => x.instrumentKey === 'NSE_FO|46161')!;
  assert.equal(expiring.ltp, 36.8);
  // Every day: instruments, market open, ticks at 15:15; settlements and market closed at 15:30.
  const kinds = all.map((e) => e[1]).join('');
  assert.equal(kinds, '12032'.repeat(3), `entry kinds ${kinds}`);
});

test('the feed carries the derived flag from an imported day into the snapshot', () => {
  const text = readFileSync(path.join(SAMPLE, '2026-01-12/NIFTY.csv'), 'utf8');
  const [day] = bhavcopyDays([parseBhavcopy({ name: 'NIFTY.csv', text })]);
  const core = new FeedCore({ source: 'replay' }, 0);
  let ts = 0;
  for (const e of dayEntries(day!)) {
    if (e[1] === 1) core.setInstruments(e[2]);
    else if (e[1] === 2) core.onStatus(e[2]);
    else if (e[1] === 0) { core.onTicks(e[2], 0); ts = e[0]; }
  }
  const snap = core.snapshot('c1', ts - 1, 0);
  assert.ok(snap.expiries.length === 4 && snap.expiries.every((c) => c.callDerived !== undefined && c.callDerived.every((v) => v === 1)));
  assert.equal(snap.spots[0]!.derived, undefined);
  // A live tick on the same key makes the quote real again.
  const key = snap.expiries[0]!.callKeys[0]!;
  core.onTicks([{ instrumentKey: key, ts: ts + 1, bid: 1, ask: 2 }], 0);
  assert.equal(core.snapshot('c2', ts + 1, 0).expiries[0]!.callDerived![0], 0);
});

test('a zipped or gzipped bhavcopy imports to the same days as the plain file', () => {
  const name = path.join(SAMPLE, '2026-01-13/NIFTY.csv');
  const bytes = readFileSync(name);
  const plain = bhavcopyDays(inputTexts('a.csv', bytes).map(parseBhavcopy));
  const zipped = bhavcopyDays(inputTexts('a.zip', zipSync({ 'BhavCopy_NSE_FO_0_0_0_20260113_F_0000.csv': bytes })).map(parseBhavcopy));
  const gz = bhavcopyDays(inputTexts('a.gz', gzipSync(bytes)).map(parseBhavcopy));
  assert.deepEqual(zipped, plain);
  assert.deepEqual(gz, plain);
});

const UDIFF_HEADER = 'TradDt,BizDt,Sgmt,Src,FinInstrmTp,FinInstrmId,ISIN,TckrSymb,SctySrs,XpryDt,FininstrmActlXpryDt,StrkPric,OptnTp,FinInstrmNm,OpnPric,HghPric,LwPric,ClsPric,LastPric,PrvsClsgPric,UndrlygPric,SttlmPric,OpnIntrst,ChngInOpnIntrst,TtlTradgVol,TtlTrfVal,TtlNbOfTxsExctd,SsnId,NewBrdLotQty,Rmks,Rsvd1,Rsvd2,Rsvd3,Rsvd4';
const GOOD_ROW = '2026-01-12,2026-01-12,FO,NSE,IDO,47621,,NIFTY,,2026-01-20,2026-01-20,25900.00,CE,NIFTY2612025900CE,92.30,147.80,48.10,133.95,133.00,100.40,25790.25,133.95,2063490,345605,276906,467905332693.50,161758,F1,65,,,,,';

test('malformed bhavcopies are refused with file, line and reason', () => {
  const bad = (text: string, re: RegExp): void => {
    assert.throws(() => parseBhavcopy({ name: 'f.csv', text }), (e: unknown) => e instanceof ImportError && re.test(e.message), re.source);
  };
  bad('hello,world\n1,2\n', /^f\.csv:1: expected a UDiFF \(TradDt,…\) or legacy/);
  bad('TradDt,FinInstrmTp\n', /^f\.csv:1: expected the udiff columns FinInstrmId, TckrSymb/);
  bad(`${UDIFF_HEADER}\n${GOOD_ROW}\n2026-01-12,2026-01-12,FO\n`, /^f\.csv:3: expected 34 fields like the header, was 3/);
  bad(`${UDIFF_HEADER}\n${GOOD_ROW.replace('133.95,133.00', 'abc,133.00')}\n`, /^f\.csv:2: ClsPric: expected a number, was "abc"/);
  bad(`${UDIFF_HEADER}\n${GOOD_ROW.replace('2026-01-20,2026-01-20', '2026-13-20,2026-01-20')}\n`, /^f\.csv:2: XpryDt: expected a date YYYY-MM-DD, was "2026-13-20"/);
  bad(`${UDIFF_HEADER}\n${GOOD_ROW.replace(',CE,', ',XX,')}\n`, /^f\.csv:2: OptnTp: expected CE or PE/);
  bad(`${UDIFF_HEADER}\n${GOOD_ROW.replace('-133.95', '')}\n${GOOD_ROW.replace(/^2026-01-12/, '2026-01-13')}\n`, /^f\.csv:3: expected one trade date per file \(2026-01-12\), was 2026-01-13/);
  bad(`${UDIFF_HEADER}\n${GOOD_ROW.replace(',25790.25,', ',0,')}\n`, /^f\.csv:2: UndrlygPric: expected the index close/);
  bad(`${UDIFF_HEADER}\n${GOOD_ROW.replace(',65,,', ',-65,,')}\n`, /^f\.csv:2: NewBrdLotQty: expected ≥ 1, was -65/);
  bad(`${UDIFF_HEADER}\n${GOOD_ROW.replace(',NIFTY,', ',RELIANCE,')}\n`, /^f\.csv: expected NIFTY or BANKNIFTY index option\/future rows, was none/);
  bad(`${UDIFF_HEADER}\n"${GOOD_ROW}\n`, /^f\.csv:2: expected a closing double quote/);
  // Duplicates across files, mixed layouts.
  const a = parseBhavcopy({ name: 'a.csv', text: `${UDIFF_HEADER}\n${GOOD_ROW}\n` });
  const b = parseBhavcopy({ name: 'b.csv', text: `${UDIFF_HEADER}\n\n${GOOD_ROW}\n` });
  assert.throws(() => bhavcopyDays([a, b]), /^ImportError: b\.csv:3: expected one row per contract and day, was a duplicate of a\.csv:2/);
  assert.throws(() => inputTexts('x.zip', new Uint8Array([0x50, 0x4b, 3, 4, 9, 9, 9])), /x\.zip: expected a readable zip archive, was corrupt/);
  assert.throws(() => inputTexts('x.csv', new Uint8Array([65, 0, 66])), /x\.csv: expected text \(CSV or JSON\), was binary data/);
  assert.throws(() => inputTexts('x.csv', new Uint8Array(0)), /x\.csv: expected data, was an empty file/);
  const zipNoCsv = zipSync({ 'readme.txt': strToU8('hi') });
  assert.throws(() => inputTexts('y.zip', zipNoCsv), /y\.zip: expected a \.csv or \.json member/);
  assert.deepEqual(csvRecords('q', 'a,"b,""c"""\r\n\r\nd,e\n').map((r) => [r.line, r.fields]), [[1, ['a', 'b,"c"']], [3, ['d', 'e']]]);
});

test('a bad file among good ones fails the whole import and writes nothing', async (t) => {
  const dir = tmp(t);
  mkdirSync(path.join(dir, 'in'));
  writeFileSync(path.join(dir, 'in', 'good.csv'), readFileSync(path.join(SAMPLE, '2026-01-12/NIFTY.csv')));
  writeFileSync(path.join(dir, 'in', 'bad.csv'), `${UDIFF_HEADER}\n${GOOD_ROW.replace(/^2026-01-12/, '2026-01-14').replace('276906', '-1')}\n`);
  const io = cliIo(dir);
  assert.equal(await run(['nse-bhavcopy', 'in', '--out', 'rec', '--data-dir', dir], io), 1);
  assert.match(io.err(), /bad\.csv:2: TtlTradgVol: expected ≥ 0, was -1/);
  assert.deepEqual(readdirSync(dir).sort(), ['in'], 'no recording, no partial directory');
  const usage = cliIo(dir);
  assert.equal(await run(['nse-bhavcopy', 'in', '--from', '2026-02-30'], usage), 2);
  assert.match(usage.err(), /--from: expected a date YYYY-MM-DD, was "2026-02-30"/);
  assert.equal(await run(['parquet', 'in'], cliIo(dir)), 2);
});

// Legacy layout, written from NSE's documented columns. Two days: 24 Jan 2024 and 25 Jan 2024 (the monthly expiry of
// the January contracts, whose future's SETTLE_PR is the final settlement price). No lot size in the file: 30
// futures contracts at prices 21400–21600 with turnover 321.3 lakh → 32 130 000 / (30 × 21 500) ≈ 49.8 → lot 50.
const LEGACY_HEADER = 'INSTRUMENT,SYMBOL,EXPIRY_DT,STRIKE_PR,OPTION_TYP,OPEN,HIGH,LOW,CLOSE,SETTLE_PR,CONTRACTS,VAL_INLAKH,OPEN_INT,CHG_IN_OI,TIMESTAMP,';
const legacyDay = (date: string, fut: number, settle: number): string => [
  LEGACY_HEADER,
  `FUTIDX,NIFTY,25-Jan-2024,0,XX,21450,21600,21400,${fut},${settle},30,321.3,100000,500,${date},`,
  `FUTIDX,NIFTY,29-Feb-2024,0,XX,21550,21700,21500,${fut + 100},${fut + 100},10,108.1,50000,100,${date},`,
  `OPTIDX,NIFTY,25-Jan-2024,21500,CE,100,120,80,110,110,2000,21710,300000,1000,${date},`,
  `OPTIDX,NIFTY,25-Jan-2024,21500,PE,90,110,70,95,95,1800,19440,280000,-500,${date},`,
  `OPTIDX,NIFTY,25-Jan-2024,21600,CE,0,0,0,60,58.5,0,0,10000,0,${date},`,
  `OPTSTK,RELIANCE,25-Jan-2024,2600,CE,10,12,9,11,11,5,30,100,5,${date},`,
  '',
].join('\n');

test('the legacy layout: inferred lot size, a spot derived from the future, final settlement from the expiring future', () => {
  const files = [parseBhavcopy({ name: 'fo24JAN2024bhav.csv', text: legacyDay('24-JAN-2024', 21520, 21520) }), parseBhavcopy({ name: 'fo25JAN2024bhav.csv', text: legacyDay('25-JAN-2024', 21455.5, 21453.1) })];
  assert.equal(files[0]!.layout, 'legacy');
  const days = bhavcopyDays(files);
  assert.deepEqual(days.map((d) => d.date), ['2024-01-24', '2024-01-25']);
  const [d1, d2] = days;
  const opt = d1!.frames[0]!.options.find((o) => o.strike === 21500 && o.right === 'CE')!;
  assert.equal(opt.lotSize, 50);
  assert.equal(opt.instrumentKey, 'NSE_FO|NIFTY:2024-01-25:21500:CE');
  // Untraded 21600 CE: quoted off its settlement price (58.5), not its stale close.
  const quiet = d1!.frames[0]!.options.find((o) => o.strike === 21600)!;
  assert.ok(Number.isNaN(quiet.close) && quiet.settle === 58.5);
  // Spot = 21520 · e^{−(0.0525 − 0.012)·t}, t on the variance clock from the 15:15 frame of Wed 24 Jan 2024 to the
  // future's 15:30 close on Thu 25 Jan: 15/375 · 0.8 = 0.032 of Wednesday's session + 1 (overnight 0.2 + Thursday's
  // 0.8) = 1.032 units of 259.7 a year; 21520 · e^{−0.0405 · 1.032/259.7} = 21520 · e^{−0.00016094} = 21516.54.
  assert.deepEqual(d1!.frames[0]!.spots, [{ underlying: 'NIFTY', price: 21516.54, derived: true }]);
  assert.deepEqual(d2!.settlements.filter((s) => s.kind === 'final'), [{ kind: 'final', underlying: 'NIFTY', expiry: '2024-01-25', price: 21453.1, underlyingClose: Number.NaN, source: 'exchange' }]);
  // On its expiry day the 21500 CE settles at intrinsic: max(0, 21453.10 − 21500) = 0; the PE at 46.90.
  const puts = d2!.frames[0]!.options.filter((o) => o.strike === 21500);
  assert.deepEqual(puts.map((o) => [o.right, Math.round(o.settle * 100) / 100]), [['CE', 0], ['PE', 46.9]]);
  // A lot size that the futures contradict, or none to infer from, is refused with the flag that fixes it.
  const noFut = parseBhavcopy({ name: 'x.csv', text: legacyDay('24-JAN-2024', 21520, 21520).split('\n').filter((l) => !l.startsWith('FUTIDX')).join('\n') });
  assert.throws(() => bhavcopyDays([noFut]), /x\.csv: expected a traded NIFTY future to infer the lot size from/);
  assert.throws(() => bhavcopyDays([noFut], { lotSizes: { NIFTY: 50 } }), /x\.csv: expected a NIFTY index future on 2024-01-24 to derive the spot from/);
  assert.throws(() => parseBhavcopy({ name: 'y.csv', text: legacyDay('32-JAN-2024', 1, 1) }), /y\.csv:2: TIMESTAMP: expected a date/);
});

test('Upstox candles (documented JSON): daily and one-minute files become frames; bad candles are refused with their line', () => {
  const master = [
    { instrument_key: 'NSE_FO|111|13-01-2026', instrument_type: 'CE', underlying_symbol: 'NIFTY', strike_price: 25800, expiry: '2026-01-13', lot_size: 65, trading_symbol: 'NIFTY 25800 CE 13 JAN 26' },
    { instrument_key: 'NSE_FO|112|13-01-2026', instrument_type: 'PE', underlying_symbol: 'NIFTY', strike_price: 25800, expiry: Date.parse('2026-01-13T15:30:00+05:30'), lot_size: 65 },
    { instrument_key: 'NSE_FO|999', instrument_type: 'FUT', underlying_symbol: 'NIFTY', lot_size: 65 },
  ];
  const contracts = parseInstruments({ name: 'instruments.json', text: JSON.stringify({ status: 'success', data: master }) });
  assert.deepEqual([...contracts.keys()], ['NSE_FO|111|13-01-2026', 'NSE_FO|112|13-01-2026']);
  assert.equal(contracts.get('NSE_FO|112|13-01-2026')!.expiry, '2026-01-13');
  const file = (candles: unknown[]): string => JSON.stringify({ status: 'success', data: { candles } }, null, 1);
  // Minute candles, newest first as Upstox sends them. 09:15 and 09:16 for the index; the call trades at 09:15 only.
  const idx = parseCandles({ name: 'NSE_INDEX_Nifty 50.json', text: file([['2026-01-12T09:16:00+05:30', 25800, 25810, 25790, 25805, 0, 0], ['2026-01-12T09:15:00+05:30', 25790, 25802, 25785, 25800, 0, 0]]) });
  const call = parseCandles({ name: 'c.json', text: file([['2026-01-12T09:15:00+05:30', 60, 62, 58, 61, 6500, 130000]]) });
  assert.equal(call.daily, false);
  const days = [...candleDays({ contracts, series: new Map([['NSE_INDEX|Nifty 50', idx], ['NSE_FO|111|13-01-2026', call]]), files: new Map() })];
  assert.equal(days.length, 1);
  const [f1, f2] = days[0]!.frames;
  // A candle stamped 09:15 is known at 09:16; the call's 09:15 close stands at 09:17 with no volume that minute.
  assert.equal(f1!.ts, istInstant('2026-01-12', 9 * 60 + 16));
  assert.deepEqual(f1!.options.map((o) => [o.close, o.volume]), [[61, 100]]);
  assert.deepEqual(f2!.options.map((o) => [o.close, o.volume]), [[61, 0]]);
  assert.deepEqual(f2!.spots, [{ underlying: 'NIFTY', price: 25805, derived: false }]);
  // Bad candles: low above the close, a timestamp without an offset, a wrong status.
  const badLow = file([['2026-01-12T09:15:00+05:30', 60, 62, 61.5, 61, 10, 0]]);
  assert.throws(() => parseCandles({ name: 'b.json', text: badLow }), /^ImportError: b\.json:6: data\.candles\[0\]: expected low ≤ open, close ≤ high/);
  assert.throws(() => parseCandles({ name: 'b.json', text: file([['2026-01-12 09:15', 1, 1, 1, 1, 0, 0]]) }), /b\.json:6: data\.candles\[0\]: expected an ISO timestamp with offset/);
  assert.throws(() => parseCandles({ name: 'b.json', text: '{"status":"error","errors":[]}' }), /b\.json: expected \{"status":"success"/);
  assert.throws(() => parseCandles({ name: 'b.json', text: file([['2026-01-12T09:15:00+05:30', 1, 1, 1, 1, 0, 0], ['2026-01-12T09:15:00+05:30', 1, 1, 1, 1, 0, 0]]) }), /expected one candle per timestamp/);
  assert.throws(() => parseInstruments({ name: 'i.json', text: JSON.stringify([{ ...master[0], lot_size: 0 }]) }), /i\.json: \[0\] NSE_FO\|111\|13-01-2026: expected a whole lot_size > 0/);
  // Options without their index's candles cannot be imported (no spot).
  assert.throws(() => [...candleDays({ contracts, series: new Map([['NSE_FO|111|13-01-2026', call]]), files: new Map() })], /expected candles for the index NSE_INDEX\|Nifty 50/);
});

test('the spread model, worked by hand', () => {
  // A far OTM weekly put: mid 1.00, 50 contracts (h = 4 %), K/S = 0.95, t = 2 days, e = 1:
  //   z = |ln 0.95| / (0.15·√(2/365)) = 0.051293 / 0.011104 = 4.6195 → m = 1.46195;
  //   half = max(0.05, 1.00 × 0.04 × 1.46195 = 0.058478) → 2 ticks → bid 0.90, ask 1.10.
  assert.deepEqual(deriveQuote({ mid: 1, volume: 50, frameMinutes: 375, strike: 95, spot: 100, t: 2 / 365 }), { bid: 0.9, ask: 1.1 });
  // The same contract in one minute with 1 contract traded: scaled to 375 a session (h = 2 %) → half 0.029 → 1 tick.
  assert.deepEqual(deriveQuote({ mid: 1, volume: 1, frameMinutes: 1, strike: 95, spot: 100, t: 2 / 365 }), { bid: 0.95, ask: 1.05 });
  // At the tick: mid 0.05 → no bid, offered at 0.10.
  const floor = deriveQuote({ mid: 0.05, volume: 0, frameMinutes: 375, strike: 95, spot: 100, t: 2 / 365 });
  assert.ok(Number.isNaN(floor.bid) && floor.ask === 0.1);
  // Expiry day, ATM, busy: mid 40, 1e6 contracts, h = 0.25 %, z = 0, e = 1.5 → half 0.15 → 3 ticks → 39.85 / 40.15.
  assert.deepEqual(deriveQuote({ mid: 40, volume: 1e6, frameMinutes: 375, strike: 100, spot: 100, t: 0.25 / 365 }), { bid: 39.85, ask: 40.15 });
  assert.throws(() => deriveQuote({ mid: 0, volume: 1, frameMinutes: 1, strike: 1, spot: 1, t: 1 }), /expected a positive reference price/);
  assert.equal(DEFAULT_SPREAD_MODEL.liquidity.at(-1)![0], 0);
});

test('an existing recording is kept unless --replace, and replaced whole with it', async (t) => {
  const dir = tmp(t);
  const one = path.join(SAMPLE, '2026-01-12');
  assert.equal(await run(['nse-bhavcopy', one, '--out', 'rec', '--data-dir', dir], cliIo(dir)), 0);
  const first = readIndex(path.join(dir, 'rec'));
  const io = cliIo(dir);
  assert.equal(await run(['nse-bhavcopy', SAMPLE, '--out', 'rec', '--data-dir', dir], io), 1);
  assert.match(io.err(), /pass --replace/);
  assert.deepEqual(readIndex(path.join(dir, 'rec')), first);
  assert.equal(await run(['nse-bhavcopy', SAMPLE, '--out', 'rec', '--replace', '--expiries', 'NIFTY=2,BANKNIFTY=1', '--strikes', '5', '--data-dir', dir], cliIo(dir)), 0);
  const again = entries(path.join(dir, 'rec'));
  const firstList = again.find((e) => e[1] === 1)![2] as readonly { kind: string; expiry?: string }[];
  assert.equal(new Set(firstList.filter((i) => i.kind !== 'INDEX').map((i) => i.expiry)).size, 3, 'NIFTY 2 + BANKNIFTY 1 expiries');
  assert.equal(firstList.filter((i) => i.kind !== 'INDEX').length, 3 * 11 * 2, '±5 strikes, both rights');
  assert.ok(!existsSync(path.join(dir, `rec.partial-${process.pid}`)));
});

test('the replay source plays an imported recording: instruments, derived ticks, then settlements at the close', async (t) => {
  const dir = tmp(t);
  assert.equal(await run(['nse-bhavcopy', path.join(SAMPLE, '2026-01-13'), '--out', 'rec', '--data-dir', dir], cliIo(dir)), 0);
  const { ReplaySource } = await import('../source.ts');
  let wall = 0;
  const src = new ReplaySource({ dir: path.join(dir, 'rec'), speed: 1000, wall: { monotonic: () => wall } });
  const got: string[] = [];
  src.onTicks((b) => got.push(`ticks:${b.every((x) => x.derived === true || x.instrumentKey.startsWith('NSE_INDEX|'))}`));
  src.onSettlements((list, ts) => got.push(`settle:${list.filter((s) => s.kind === 'final').map((s) => `${s.underlying}@${s.price}`).join()}:${ts === istInstant('2026-01-13', 930)}`));
  assert.ok((await src.instruments()).length > 400);
  await src.start();
  await src.stop();
  while (!src.ended) { wall += 1000; src.poll(); }
  assert.deepEqual(got, ['ticks:true', 'settle:NIFTY@25732.3:true']);
});
