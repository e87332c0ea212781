/**
 * Issue 6, "done when" (1), the non-risk triggers, each on the whole system (simulated market, paper broker, real
 * workers, LMDB, HTTP): data quality below the threshold (DEGRADED, effective phase demoted), a feed stall injected
 * through POST /api/v1/chaos/feed (DEGRADED at once, back to NORMAL on its own after the hysteresis), an actor
 * restart (DEGRADED), and a reconciliation mismatch (HALTED, latched: a reset is refused while it holds). Every
 * transition is checked in the journal (cause and evidence).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KillSwitchStatus, ResetAnswer } from '../../actors/killswitch/messages.ts';
import {
  journalDump, nextChange, placeOutsideOrder, placeOutsidePosition, riskWhen, startSafetySystem, tempDataDir, transitions, T1,
} from './safety-system.ts';

const cleanups: Array<() => void> = [];
after(() => cleanups.forEach((c) => c()));
function dataDir(tag: string): string {
  const { dir, cleanup } = tempDataDir(tag);
  cleanups.push(cleanup);
  return dir;
}

/** Counts completed cycles from now on. */
function cycleCounter(s: { system: { onEvent(l: (type: string) => void): () => void } }): { readonly n: number; stop(): void } {
  let n = 0;
  const off = s.system.onEvent((type) => {
    if (type === 'cycle.completed') n++;
  });
  return { get n() { return n; }, stop: off };
}

describe('kill-switch triggers beyond the risk limits (whole system)', () => {
  it('data quality below the threshold → DEGRADED and the effective phase demoted (FULL_AUTO → SHADOW); both recover after healthy cycles', async () => {
    const dir = dataDir('quality');
    const s = await startSafetySystem(dir, { PHASE: 'FULL_AUTO', KS_PHASE_HEALTHY_CYCLES: '2' });
    try {
      // FULL_AUTO is earned after every start (the cap starts at SEMI_AUTO).
      const earned = s.cycle.state.killswitch?.effectivePhase === 'FULL_AUTO'
        ? s.cycle.state.killswitch
        : await nextChange(s, (st) => st.effectivePhase === 'FULL_AUTO');
      assert.equal(earned.state, 'NORMAL');

      // A spot gap the options do not follow: forward consistency (and so the score) collapses.
      const degraded = nextChange(s, (st) => st.state === 'DEGRADED');
      const res = await s.api('POST', '/api/v1/chaos/feed', { kind: 'gap', seconds: 3 });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const st = await degraded;
      const recovering = nextChange(s, (x) => x.state === 'NORMAL');
      assert.equal(st.cause?.code, 'DATA_QUALITY');
      const score = st.cause?.evidence['score'] as number;
      assert.ok(score < (st.cause?.evidence['threshold'] as number), `score ${score} below the threshold`);
      assert.equal(st.cause?.evidence['threshold'], s.cfg.KS_DEGRADE_QUALITY);
      assert.equal(st.configuredPhase, 'FULL_AUTO');
      assert.equal(st.effectivePhase, score < s.cfg.KS_SHADOW_QUALITY ? 'SHADOW' : 'SEMI_AUTO', 'FULL_AUTO demoted by the quality gate');
      assert.equal(st.permits.increase, false);
      const dash = await s.api<{ phase: { configured: string; effective: string } }>('GET', '/api/v1/dashboard');
      assert.equal(dash.body.phase.configured, 'FULL_AUTO');
      assert.notEqual(dash.body.phase.effective, 'FULL_AUTO', 'the dashboard shows the demoted phase');

      const recovered = await recovering;
      assert.equal(recovered.cause?.code, 'RECOVERED');
      assert.equal(recovered.cause?.evidence['streak'], s.cfg.KS_HEALTHY_CYCLES);
      const back = recovered.effectivePhase === 'FULL_AUTO' ? recovered : await nextChange(s, (x) => x.effectivePhase === 'FULL_AUTO');
      assert.equal(back.state, 'NORMAL');

      const rows = await transitions(dir);
      const t = rows.find((r) => r.body.to === 'DEGRADED');
      assert.equal(t?.body.cause.code, 'DATA_QUALITY');
      assert.deepEqual(t?.body.cause.evidence, st.cause?.evidence);
      assert.ok(t?.cycleId, 'judged by the cycle that measured it');
      const gate = (await journalDump(dir, 'killswitch.phaseGate')).map((r) => r.body as { from: string; to: string; score: number });
      const demotion = gate.find((g) => g.from === 'FULL_AUTO');
      assert.ok(demotion, `a phase-gate demotion journaled: ${JSON.stringify(gate)}`);
      assert.equal(demotion.to, st.effectivePhase);
      assert.ok(demotion.score < s.cfg.KS_FULL_AUTO_QUALITY);
      assert.ok(gate.indexOf(demotion) < gate.length - 1 && gate.at(-1)?.to === 'FULL_AUTO', 'the promotion back is journaled too');
    } finally {
      await s.stop();
    }
  });

  it('a feed stall injected through the chaos route → DEGRADED at once (event, not cycle); back to NORMAL on its own after KS_HEALTHY_CYCLES healthy cycles', async () => {
    const dir = dataDir('stall');
    // The stall trigger in isolation: the score's silence component would otherwise degrade first (per cycle).
    const s = await startSafetySystem(dir, { FEED_STALL_MS: '2500', KS_DEGRADE_QUALITY: '0' });
    try {
      await s.cycles(2);
      assert.equal(s.cycle.state.killswitch?.state, 'NORMAL');
      const degraded = nextChange(s, (st) => st.state === 'DEGRADED');
      const stalled = new Promise<unknown>((resolve) => {
        const off = s.system.onEvent((type, body) => {
          if (type === 'feed.stalled') { off(); resolve(body); }
        });
      });
      const recoveredFeed = new Promise<number>((resolve) => {
        const off = s.system.onEvent((type) => {
          if (type === 'feed.recovered') { off(); resolve(s.cycle.cycles); }
        });
      });
      const res = await s.api('POST', '/api/v1/chaos/feed', { kind: 'silence', seconds: 4 });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const st = await degraded;
      const normalAgain = nextChange(s, (x) => x.state === 'NORMAL');
      await stalled;
      assert.equal(st.cause?.code, 'FEED_STALLED');
      assert.ok((st.cause?.evidence['ageMs'] as number) >= 2500, `evidence: silent for ${st.cause?.evidence['ageMs']} ms`);
      assert.equal(st.permits.increase, false);

      // Recovery: the first tick after the silence; the kill switch stays DEGRADED until the hysteresis is served.
      const cycleAtRecovery = await recoveredFeed;
      const counter = cycleCounter(s);
      const normal = await normalAgain;
      counter.stop();
      assert.equal(normal.cause?.code, 'RECOVERED');
      assert.equal(normal.cause?.evidence['required'], s.cfg.KS_HEALTHY_CYCLES);
      assert.ok(counter.n >= s.cfg.KS_HEALTHY_CYCLES - 1, `at least ${s.cfg.KS_HEALTHY_CYCLES} healthy cycles after the feed recovered (cycle ${cycleAtRecovery}), was ${counter.n}`);

      const rows = await transitions(dir);
      const down = rows.find((r) => r.body.to === 'DEGRADED');
      assert.equal(down?.body.cause.code, 'FEED_STALLED');
      assert.equal(down?.cycleId, undefined, 'raised by the feed.stalled event at once, not by a cycle');
      assert.equal(down?.body.cycleId, undefined);
      const up = rows.find((r) => r.body.from === 'DEGRADED' && r.body.to === 'NORMAL');
      assert.equal(up?.body.cause.code, 'RECOVERED');
      assert.ok(up!.seq > down!.seq);
      const audit = await journalDump(dir, 'journal.audit');
      assert.ok(audit.some((a) => a.body.action === 'chaos.feed'), 'the injection itself is in the audit log');
    } finally {
      await s.stop();
    }
  });

  it('an actor restart (crash injected through the chaos route) → DEGRADED with the actor named; recovers after the hysteresis', async () => {
    const dir = dataDir('restart');
    const s = await startSafetySystem(dir);
    try {
      await s.cycles(2);
      assert.equal(s.cycle.state.killswitch?.state, 'NORMAL');
      const degraded = nextChange(s, (st) => st.state === 'DEGRADED');
      const res = await s.api('POST', '/api/v1/actors/calibrator/fault', { kind: 'crash' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const st = await degraded;
      const normalAgain = nextChange(s, (x) => x.state === 'NORMAL');
      assert.equal(st.cause?.code, 'ACTOR_RESTART');
      assert.equal(st.cause?.evidence['actor'], 'calibrator');
      assert.equal(st.cause?.evidence['restartsInWindow'], 1);
      const normal = await normalAgain;
      assert.equal(normal.cause?.code, 'RECOVERED');
      const rows = await transitions(dir);
      const t = rows.find((r) => r.body.to === 'DEGRADED');
      assert.equal(t?.body.cause.code, 'ACTOR_RESTART');
      assert.deepEqual(t?.body.cause.evidence, st.cause?.evidence);
    } finally {
      await s.stop();
    }
  });

  it('a reconciliation mismatch (the account traded outside VolGuard while it was down) → HALTED, latched; reset refused naming it', async () => {
    const dir = dataDir('recon');
    const pos = await placeOutsidePosition(dir);
    let s = await startSafetySystem(dir);
    try {
      // The position is adopted (exit-only) — an explained difference, no mismatch.
      await riskWhen(s, (r) => r.legs.some((l) => l.instrumentKey === pos.instrumentKey));
      assert.equal(s.cycle.state.killswitch?.state, 'NORMAL');
      assert.equal(s.cycle.state.execution?.reconciliation.mismatch, undefined);
    } finally {
      await s.stop();
    }
    // While VolGuard is down someone adds to the same position on the account.
    await placeOutsideOrder(dir, pos.instrumentKey, pos.side, pos.quantity, T1 + 5 * 60_000);
    s = await startSafetySystem(dir, { SIM_START: new Date(T1 + 10 * 60_000).toISOString() });
    try {
      const st = s.cycle.state.killswitch?.state === 'HALTED' ? s.cycle.state.killswitch : await nextChange(s, (x) => x.state === 'HALTED');
      assert.equal(st.cause?.code, 'RECON_MISMATCH');
      const mismatch = String(st.cause?.evidence['mismatch']);
      assert.match(mismatch, /quantity drift/);
      assert.ok(mismatch.includes(pos.instrumentKey), mismatch);
      assert.ok(st.holding.includes('RECON_MISMATCH'));

      const reset = await s.api<{ error: { code: string; message: string } }>('POST', '/api/v1/killswitch/reset', { reason: 'try to clear the mismatch' });
      assert.equal(reset.status, 409, JSON.stringify(reset.body));
      assert.ok(reset.body.error.message.includes('RECON_MISMATCH'), JSON.stringify(reset.body));
      assert.equal((await s.api<{ state: string }>('GET', '/api/v1/killswitch')).body.state, 'HALTED');
      const now = await s.api<KillSwitchStatus>('GET', '/api/v1/killswitch');
      assert.equal(now.body.state, 'HALTED');

      const rows = await transitions(dir);
      const t = rows.find((r) => r.body.to === 'HALTED');
      assert.equal(t?.body.cause.code, 'RECON_MISMATCH');
      assert.equal(t?.body.cause.evidence.mismatch, mismatch);
      assert.ok(t?.cycleId);
      const findings = await journalDump(dir, 'executor.reconFinding');
      assert.ok(findings.some((f) => f.body.finding?.class === 'drift' && f.body.finding?.instrumentKey === pos.instrumentKey), 'the drift finding is journaled');
      const refused = await journalDump(dir, 'killswitch.resetRefused');
      assert.equal(refused.length, 1);
      assert.deepEqual(refused[0]?.body.holding.map((c: { code: string }) => c.code), ['RECON_MISMATCH']);
    } finally {
      await s.stop();
    }
  });
});
