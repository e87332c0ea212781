/**
 * The trading day survives a restart of the risk actor (issue 14): real workers and a real LMDB journal. Before, the
 * day's starting point lived only in risk's memory, so a restarted risk re-based the day and forgot today's loss.
 *
 * The book is the risk fixture's short condor marked at quote mids (hand arithmetic in actors/risk/day.test.ts):
 * 09:30 unrealised +975 (a carried-in gain, no cushion: the first day starts at ₹10,00,975), 11:00 −65 → day −1,040.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { realClock } from '../../runtime/clock.ts';
import { parseConfig } from '../../runtime/main/config.ts';
import { ActorSystem } from '../../runtime/system.ts';
import { journalActorSpec, journalClient } from '../../actors/journal/index.ts';
import { riskActorSpec, riskSection, type RiskPnl, type RiskReport } from '../../actors/risk/index.ts';
import { istInstant } from '../../actors/domain/calendar.ts';
import type { DayOpened, DaySummary } from '../../actors/domain/money.ts';
import { condorBook, key, snapshot, surface } from '../../actors/risk/fixture.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'vg-risk-day-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

const MIDS_OPEN = { [key(23_500, 'PE')]: [14, 16], [key(23_700, 'PE')]: [29, 31], [key(24_300, 'CE')]: [29, 31], [key(24_500, 'CE')]: [12, 14] } as const;
const MIDS_LATER = { [key(23_500, 'PE')]: [15, 17], [key(23_700, 'PE')]: [39, 41], [key(24_300, 'CE')]: [37, 39], [key(24_500, 'CE')]: [13, 15] } as const;

test('risk actor: a restart keeps the day\'s start (kv), the day opens once and closes with its summary on the next date', async () => {
  const cfg = parseConfig({ DATA_DIR: dataDir, JOURNAL_BACKUP_INTERVAL_S: '0' });
  const system = new ActorSystem(
    { kind: 'supervisor', name: 'root', strategy: 'one_for_one', intensity: 5, periodMs: 60_000, children: [journalActorSpec(cfg), riskActorSpec(riskSection(cfg))] },
    { clock: realClock, clockSpec: { kind: 'real' }, heartbeatMs: 1000, logLevel: 'silent' },
  );
  await system.start();
  try {
    const assess = (ms: number, q: Readonly<Record<string, readonly [number, number]>>) =>
      system.main.request<RiskReport>('risk', 'risk.assess', { cycleId: `c${ms}`, snapshot: snapshot(ms, q), surface: surface(ms), book: condorBook() });
    const t0930 = istInstant('2026-01-06', 9 * 60 + 30);
    const t1100 = istInstant('2026-01-06', 11 * 60);
    assert.equal((await assess(t0930, MIDS_OPEN)).pnl.day, 0);
    assert.equal((await assess(t1100, MIDS_LATER)).pnl.day, -1_040);

    const restarted = new Promise<void>((resolve) => {
      const off = system.onEvent((type, body) => {
        if (type === 'sys.actorReady' && (body as { name?: string; incarnation: number }).name === 'risk' && (body as { incarnation: number }).incarnation > 1) { off(); resolve(); }
      });
    });
    system.fault('risk', 'crash');
    await restarted;
    assert.equal((await assess(t1100, MIDS_LATER)).pnl.day, -1_040, 'the restarted risk keeps today\'s loss');

    // Wednesday's first cycle: Tuesday closes at its last figures (never closed after its session), Wednesday opens there.
    const wed = await assess(istInstant('2026-01-07', 9 * 60 + 20), MIDS_LATER);
    assert.equal(wed.pnl.day, 0);
    const j = journalClient(system.main, { actor: 'main' });
    const events = (await j.recover('risk')).events;
    const opened = events.filter((e) => e.type === 'money.dayOpened').map((e) => e.body as DayOpened);
    assert.deepEqual(opened.map((o) => [o.date, o.equity]), [['2026-01-06', 1_000_975], ['2026-01-07', 999_935]]);
    const closed = events.filter((e) => e.type === 'money.dayClosed').map((e) => e.body as DaySummary);
    assert.deepEqual(closed.map((c) => [c.date, c.net, c.unrealised, c.equity.dayStart, c.equity.end]), [['2026-01-06', -1_040, -1_040, 1_000_975, 999_935]]);
    assert.equal(closed[0]?.safetyEvents, 1, 'the restart counted into the day');
    assert.deepEqual((await j.kvGet<DayOpened>('risk.day')).value?.date, '2026-01-07');
    // Where each day starts in the journal (report day reads from there).
    const seqs = (await j.kvGet<Record<string, number>>('risk.daySeqs')).value ?? {};
    const openedSeqs = events.filter((e) => e.type === 'money.dayOpened').map((e) => e.seq);
    assert.deepEqual(seqs, { '2026-01-06': openedSeqs[0], '2026-01-07': openedSeqs[1] });
    const pnl = await system.main.request<RiskPnl>('risk', 'risk.pnl', {});
    assert.deepEqual(pnl.days.map((d) => [d.date, d.net, d.open]), [['2026-01-06', -1_040, false], ['2026-01-07', 0, true]]);
    assert.deepEqual(pnl.equity, { start: 1_000_975, dayStart: 999_935, now: 999_935 });
    assert.deepEqual(pnl.total, { gross: 0, charges: 0, settlement: 0, net: -1_040 });
  } finally {
    await system.stop();
  }
});
