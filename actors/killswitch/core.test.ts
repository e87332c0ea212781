import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  effectivePhase, initialKsState, latchOf, permits, restore, resumeEffects, statusOf, transition,
  type Effect, type KsInput, type KsState,
} from './core.ts';
import type { EvaluateRequest } from './messages.ts';
import type { TradingState } from '../domain/trading-state.ts';
import type { Breach, RiskReport } from '../risk/messages.ts';
import type { KillSwitchSettings } from './settings.ts';
import type { GovernanceRecord, PhaseHistory } from '../domain/phase-governance.ts';

const S: KillSwitchSettings = {
  healthyCycles: 3, degradeQuality: 0.6, fullAutoQuality: 0.8, shadowQuality: 0.5, phaseHealthyCycles: 2,
  fallbackStreak: 2, restartHaltCount: 3, restartWindowMs: 60_000, brokerErrorHaltCount: 3, brokerErrorWindowMs: 60_000,
  flattenTimeoutMs: 10_000, historyLimit: 50,
  fullAuto: { venue: 'paper', rules: { minShadowDays: 7, minSemiAutoDays: 21, minQuality: 0.8, paperWaiveHistory: true } },
};
const T0 = 1_700_000_000_000;
/** The executor's phase facts on paper: no decision, no history (paper waives it). */
const HISTORY: PhaseHistory = { venue: 'paper', governance: null, days: { SHADOW: 0, SEMI_AUTO: 0 } };
const comps = { staleness: 1, crossed: 1, missingStrikes: 1, spread: 1, forwardConsistency: 1, silence: 1 };
const risk = (breaches: Breach[] = [], unvalued: string[] = []): RiskReport => ({ breaches, unvalued } as unknown as RiskReport);
const breach = (limit: Breach['limit'], level: Breach['level'], catastrophic = false): Breach =>
  ({ limit, scope: 'total', level, catastrophic, managed: ['delta', 'vega', 'gamma', 'theta', 'stress'].includes(limit), value: 2, threshold: 1, evidence: {} });
function ev(over: Partial<EvaluateRequest> = {}, n = 1): EvaluateRequest {
  return { cycleId: `c${n}`, quality: { score: 0.95, components: comps }, risk: risk(), calibration: { fallbacks: 0, expiries: 4 }, recon: {}, phase: 'FULL_AUTO', history: HISTORY, ...over };
}

/** Runs inputs in order, collecting every effect. */
function run(s: KsState, inputs: KsInput[], now = T0): { s: KsState; effects: Effect[]; last: ReturnType<typeof transition> } {
  const effects: Effect[] = [];
  let last = { state: s, effects: [], answer: { ok: true } } as ReturnType<typeof transition>;
  for (const i of inputs) {
    last = transition(s, i, now, S);
    s = last.state;
    effects.push(...last.effects);
  }
  return { s, effects, last };
}
const start = () => initialKsState('FULL_AUTO', T0);
const evaluate = (body: EvaluateRequest): KsInput => ({ type: 'evaluate', body });

const triggers: Array<[string, KsInput, TradingState, string]> = [
  ['low data quality', evaluate(ev({ quality: { score: 0.4, components: comps } })), 'DEGRADED', 'DATA_QUALITY'],
  ['a feed stall', { type: 'feedStalled', evidence: { ageMs: 9000 } }, 'DEGRADED', 'FEED_STALLED'],
  ['an actor restart', { type: 'actorRestarted', name: 'feed', reason: 'crash' }, 'DEGRADED', 'ACTOR_RESTART'],
  ['broker slowness', { type: 'brokerSlow', latencyMs: 4000 }, 'DEGRADED', 'BROKER_SLOW'],
  ['a broker error', { type: 'brokerError', message: '503' }, 'DEGRADED', 'BROKER_ERROR'],
  ['a soft risk breach', evaluate(ev({ risk: risk([breach('vega', 'soft')]) })), 'DEGRADED', 'RISK_SOFT'],
  ['unvalued positions', evaluate(ev({ risk: risk([], ['NSE_FO|X']) })), 'DEGRADED', 'UNVALUED_POSITIONS'],
  ['a missing risk report', evaluate(ev({ risk: null })), 'DEGRADED', 'RISK_UNAVAILABLE'],
  ['a daily-loss breach', evaluate(ev({ risk: risk([breach('dailyLoss', 'hard')]) })), 'HALTED', 'DAILY_LOSS'],
  ['a hard greeks breach', evaluate(ev({ risk: risk([breach('delta', 'hard')]) })), 'HALTED', 'RISK_HARD'],
  ['a reconciliation mismatch', evaluate(ev({ recon: { mismatch: 'NIFTY24000CE local -65 broker 0' } })), 'HALTED', 'RECON_MISMATCH'],
  ['a supervisor escalation', { type: 'supervisorEscalated', name: 'trading', reason: 'intensity' }, 'HALTED', 'SUPERVISOR_ESCALATION'],
  ['token expiry', { type: 'tokenExpired', evidence: {} }, 'HALTED', 'TOKEN_EXPIRED'],
  ['order writes refused for the IP', { type: 'staticIpRefused', message: 'upstox refused an order write (UDAPI1154)', evidence: { brokerCode: 'UDAPI1154' } }, 'HALTED', 'STATIC_IP'],
  ['broker IVs far from ours on liquid strikes', evaluate(ev({ calibration: { fallbacks: 0, expiries: 4, brokerIv: { underlying: 'NIFTY', expiry: '2026-12-08', medianVolPts: 6.2, maxVolPts: 9, strike: 26_300, ours: 0.13, broker: 0.22, strikes: 12 } } })), 'DEGRADED', 'BROKER_GREEKS_DIVERGENCE'],
  ['a journal fault', { type: 'journalFault', message: 'MDB_MAP_FULL' }, 'HALTED', 'JOURNAL_FAULT'],
  ['a manual halt', { type: 'halt', reason: 'operator says so', who: 'ops' }, 'HALTED', 'MANUAL_HALT'],
  ['a catastrophic daily loss', evaluate(ev({ risk: risk([breach('dailyLoss', 'hard', true)]) })), 'EMERGENCY', 'CATASTROPHIC_LOSS'],
  ['a naked leg', { type: 'nakedLeg', evidence: { structureId: 'ic1' } }, 'EMERGENCY', 'NAKED_LEG'],
  ['a manual emergency', { type: 'emergency', reason: 'panic button', who: 'ops' }, 'EMERGENCY', 'MANUAL_EMERGENCY'],
];
for (const [what, input, to, code] of triggers) {
  test(`NORMAL → ${to} on ${what}, journaled and announced with its cause`, () => {
    const { s, effects } = run(start(), [input]);
    assert.equal(s.state, to);
    assert.equal(s.cause?.code, code);
    const kinds = effects.map((e) => e.kind);
    assert.equal(kinds[0], 'persist', 'the latch is persisted before anything else');
    const journaled = effects.find((e) => e.kind === 'journal' && e.type === 'killswitch.transition');
    assert.ok(journaled && journaled.kind === 'journal');
    assert.deepEqual((journaled.body as { to: string; cause: { code: string } }).cause.code, code);
    const changed = effects.find((e) => e.kind === 'changed');
    assert.ok(changed && changed.kind === 'changed' && changed.status.state === to);
    assert.equal(kinds.includes('flatten'), to === 'EMERGENCY');
  });
}

test('restart intensity and repeated broker errors escalate DEGRADED to HALTED', () => {
  const restarts = run(start(), [1, 2, 3].map((i) => ({ type: 'actorRestarted', name: `a${i}`, reason: 'crash' }) as KsInput));
  assert.equal(restarts.s.state, 'HALTED');
  assert.equal(restarts.s.cause?.code, 'RESTART_INTENSITY');
  assert.equal(restarts.s.cause?.evidence['restartsInWindow'], 3);
  const errors = run(start(), [1, 2, 3].map(() => ({ type: 'brokerError', message: 'x' }) as KsInput));
  assert.equal(errors.s.cause?.code, 'BROKER_ERRORS');
  // Restarts spread wider than the window do not add up.
  let s = start();
  for (let i = 0; i < 3; i++) s = transition(s, { type: 'actorRestarted', name: 'a', reason: 'c' }, T0 + i * 61_000, S).state;
  assert.equal(s.state, 'DEGRADED');
});

test('calibration fallbacks degrade only after the configured streak', () => {
  const fb = (n: number) => evaluate(ev({ calibration: { fallbacks: 1, expiries: 4 } }, n));
  assert.equal(run(start(), [fb(1)]).s.state, 'NORMAL');
  const two = run(start(), [fb(1), fb(2)]).s;
  assert.equal(two.state, 'DEGRADED');
  assert.equal(two.cause?.code, 'CALIBRATION_FALLBACK');
  assert.equal(run(start(), [fb(1), evaluate(ev({}, 2)), fb(3)]).s.state, 'NORMAL');
});

test('hysteresis: DEGRADED leaves only after N consecutive healthy cycles, an unhealthy one restarts the count', () => {
  const bad = evaluate(ev({ quality: { score: 0.3, components: comps } }));
  const good = (n: number) => evaluate(ev({}, n));
  assert.equal(run(start(), [bad, good(1), good(2)]).s.state, 'DEGRADED');
  assert.equal(run(start(), [bad, good(1), good(2), bad, good(3), good(4)]).s.state, 'DEGRADED');
  const back = run(start(), [bad, good(1), good(2), good(3)]).s;
  assert.equal(back.state, 'NORMAL');
  assert.equal(back.cause?.code, 'RECOVERED');
  // A stalled feed keeps it DEGRADED however good the cycles until the feed recovers.
  const stalled = run(start(), [{ type: 'feedStalled', evidence: {} }, good(1), good(2), good(3), good(4)]).s;
  assert.equal(stalled.state, 'DEGRADED');
  assert.equal(run(stalled, [{ type: 'feedRecovered' }, good(5), good(6), good(7)]).s.state, 'NORMAL');
});

test('HALTED is latched: healthy cycles never clear it, only a reset does', () => {
  const halted = run(start(), [{ type: 'halt', reason: 'manual stop', who: 'ops' }]).s;
  const after = run(halted, [1, 2, 3, 4, 5, 6].map((n) => evaluate(ev({}, n)))).s;
  assert.equal(after.state, 'HALTED');
  const r = run(after, [{ type: 'reset', reason: 'checked the book', who: 'admin' }]);
  assert.equal(r.s.state, 'NORMAL');
  assert.equal(r.s.cause?.code, 'RESET');
  assert.equal(r.s.cause?.evidence['who'], 'admin');
});

test('a reset is refused while the triggering condition holds, and the answer says which', () => {
  const loss = evaluate(ev({ risk: risk([breach('dailyLoss', 'hard')]) }));
  const halted = run(start(), [loss]).s;
  const refused = transition(halted, { type: 'reset', reason: 'please', who: 'admin' }, T0, S);
  assert.equal(refused.state.state, 'HALTED');
  assert.equal(refused.answer.ok, false);
  assert.ok(!refused.answer.ok && refused.answer.refused.includes('DAILY_LOSS'));
  assert.ok(!refused.answer.ok && refused.answer.holding[0]?.code === 'DAILY_LOSS');
  assert.ok(refused.effects.some((e) => e.kind === 'journal' && e.type === 'killswitch.resetRefused'));
  // Once a cycle shows the loss back inside its limit, the same reset goes through.
  const cleared = run(halted, [evaluate(ev({}, 2)), { type: 'reset', reason: 'loss recovered', who: 'admin' }]).s;
  assert.equal(cleared.state, 'NORMAL');
  // Token expiry holds until a refresh.
  const token = run(start(), [{ type: 'tokenExpired', evidence: {} }]).s;
  assert.equal(transition(token, { type: 'reset', reason: 'r1', who: 'a' } as KsInput, T0, S).answer.ok, false);
  assert.equal(run(token, [{ type: 'tokenRefreshed' }, { type: 'reset', reason: 'new token', who: 'a' }]).s.state, 'NORMAL');
});

test('a reset while a degrading condition remains lands in DEGRADED, not NORMAL', () => {
  const s = run(start(), [{ type: 'feedStalled', evidence: {} }, { type: 'halt', reason: 'manual', who: 'ops' }, { type: 'reset', reason: 'ok now', who: 'admin' }]).s;
  assert.equal(s.state, 'DEGRADED');
  assert.equal(s.cause?.code, 'FEED_STALLED');
});

test('EMERGENCY: the flatten is requested, commands are refused until it resolves; success → HALTED', () => {
  const e = run(start(), [{ type: 'emergency', reason: 'panic', who: 'ops' }]);
  assert.equal(e.s.flattening, true);
  assert.ok(e.effects.some((x) => x.kind === 'flatten'));
  for (const cmd of [{ type: 'reset', reason: 'now', who: 'a' }, evaluate(ev()), { type: 'halt', reason: 'x', who: 'a' }] as KsInput[]) {
    const r = transition(e.s, cmd, T0, S);
    assert.equal(r.answer.ok, false, `${cmd.type} must be refused during the flatten`);
    assert.equal(r.state, e.s);
  }
  const done = run(e.s, [{ type: 'flattenResult', ok: true }]).s;
  assert.equal(done.state, 'HALTED');
  assert.equal(done.cause?.code, 'FLATTENED');
  assert.equal(done.history.map((h) => h.to).join('>'), 'EMERGENCY>HALTED');
});

test('a failed flatten stays EMERGENCY and raises an alert instead of pretending', () => {
  const e = run(start(), [{ type: 'emergency', reason: 'panic', who: 'ops' }]).s;
  const failed = run(e, [{ type: 'flattenResult', ok: false, error: 'broker down' }]);
  assert.equal(failed.s.state, 'EMERGENCY');
  assert.equal(failed.s.flattening, false);
  const alert = failed.effects.find((x) => x.kind === 'alert');
  assert.ok(alert && alert.kind === 'alert' && alert.evidence['error'] === 'broker down');
  assert.equal(transition(failed.s, { type: 'reset', reason: 'try', who: 'a' }, T0, S).answer.ok, false);
  // Another emergency command retries the flatten.
  assert.ok(run(failed.s, [{ type: 'emergency', reason: 'retry', who: 'ops' }]).effects.some((x) => x.kind === 'flatten'));
});

test('SHUTDOWN only from HALTED, and it is terminal', () => {
  assert.equal(transition(start(), { type: 'shutdown', reason: 'eod', who: 'a' }, T0, S).answer.ok, false);
  const h = run(start(), [{ type: 'halt', reason: 'eod halt', who: 'a' }, { type: 'shutdown', reason: 'eod', who: 'a' }]).s;
  assert.equal(h.state, 'SHUTDOWN');
  assert.equal(run(h, [{ type: 'reset', reason: 'again', who: 'a' }]).s.state, 'SHUTDOWN');
  assert.equal(run(h, [{ type: 'nakedLeg', evidence: {} }]).s.state, 'SHUTDOWN');
});

test('triggers never downgrade: a HALT cause in EMERGENCY leaves it EMERGENCY', () => {
  const e = run(start(), [{ type: 'emergency', reason: 'panic', who: 'ops' }, { type: 'flattenResult', ok: false }]).s;
  assert.equal(run(e, [{ type: 'tokenExpired', evidence: {} }]).s.state, 'EMERGENCY');
});

test('permits by state', () => {
  const table: Record<TradingState, string> = {
    NORMAL: 'increase reduce approvedExit compensate cancel flatten',
    DEGRADED: 'reduce approvedExit compensate cancel flatten',
    HALTED: 'approvedExit compensate cancel flatten',
    EMERGENCY: 'cancel flatten',
    SHUTDOWN: 'cancel',
  };
  for (const [state, allowed] of Object.entries(table) as Array<[TradingState, string]>) {
    const got = (['increase', 'reduce', 'approvedExit', 'compensate', 'cancel', 'flatten'] as const).filter((a) => permits(state, a)).join(' ');
    assert.equal(got, allowed, state);
  }
});

test('latch across a restart: restored HALTED stays HALTED with its cause and holding conditions', () => {
  const kv = new Map<string, unknown>();
  const step = transition(start(), evaluate(ev({ risk: risk([breach('dailyLoss', 'hard')]) })), T0, S);
  for (const e of step.effects) if (e.kind === 'persist') kv.set('killswitch.latch', structuredClone(e.latch));
  const back = restore('FULL_AUTO', kv.get('killswitch.latch') as ReturnType<typeof latchOf>, T0 + 1000);
  assert.equal(back.state, 'HALTED');
  assert.equal(back.cause?.code, 'DAILY_LOSS');
  assert.deepEqual(statusOf(back).holding, ['DAILY_LOSS']);
  assert.equal(transition(back, { type: 'reset', reason: 'after restart', who: 'a' }, T0, S).answer.ok, false);
  // An EMERGENCY interrupted by a crash resumes its flatten on start.
  const em = transition(start(), { type: 'emergency', reason: 'panic', who: 'ops' }, T0, S);
  const latch = em.effects.find((e) => e.kind === 'persist');
  assert.ok(latch && latch.kind === 'persist');
  assert.deepEqual(resumeEffects(restore('FULL_AUTO', latch.latch, T0)).map((e) => e.kind), ['flatten']);
});

test('phase gate: FULL_AUTO needs quality above 0.8, drops at once, returns after N healthy cycles', () => {
  const q = (score: number, n: number) => evaluate(ev({ quality: { score, components: comps } }, n));
  let s = start();
  assert.equal(statusOf(s).effectivePhase, 'SEMI_AUTO', 'FULL_AUTO is earned after a start');
  s = run(s, [q(0.9, 1), q(0.9, 2)]).s;
  assert.equal(statusOf(s).effectivePhase, 'FULL_AUTO');
  s = run(s, [q(0.7, 3)]).s;
  assert.equal(statusOf(s).effectivePhase, 'SEMI_AUTO');
  assert.equal(s.state, 'NORMAL', '0.7 is above the DEGRADED threshold');
  s = run(s, [q(0.45, 4)]).s;
  assert.equal(statusOf(s).effectivePhase, 'SHADOW');
  s = run(s, [q(0.9, 5)]).s;
  assert.equal(statusOf(s).effectivePhase, 'SHADOW');
  s = run(s, [q(0.7, 6)]).s;
  assert.equal(statusOf(s).effectivePhase, 'SEMI_AUTO', 'rises to the lowest level seen in the healthy streak');
  const changed = run(start(), [q(0.9, 1), q(0.9, 2)]).effects.filter((e) => e.kind === 'changed' && e.status.effectivePhase === 'FULL_AUTO');
  assert.equal(changed.length, 1, 'a phase change is announced');
  assert.equal(effectivePhase('FULL_AUTO', 'FULL_AUTO', 'DEGRADED', true), 'SEMI_AUTO');
  assert.equal(effectivePhase('FULL_AUTO', 'FULL_AUTO', 'HALTED', true), 'SEMI_AUTO', 'HALTED: approved exits only');
  assert.equal(effectivePhase('FULL_AUTO', 'FULL_AUTO', 'NORMAL', false), 'SEMI_AUTO', 'not admitted (governance, history)');
  assert.equal(effectivePhase('SHADOW', 'FULL_AUTO', 'NORMAL', true), 'SHADOW');
});

test('FULL_AUTO admission is the kill switch\'s (the one rule, actors/domain/phase-governance.ts): live needs the two-step governance and live history; paper waives the history, visibly and journaled once per change', () => {
  const healthy = (n: number, over: Partial<EvaluateRequest> = {}) => evaluate(ev({ ...over }, n));
  // Paper: admitted by the waiver, said in phaseReasons and journaled when it starts applying (not every cycle).
  let r = run(start(), [healthy(1), healthy(2), healthy(3)]);
  assert.equal(statusOf(r.s).effectivePhase, 'FULL_AUTO');
  assert.deepEqual(statusOf(r.s).phaseReasons, ['0/7 SHADOW and 0/21 SEMI_AUTO trading days on paper: waived on paper (PAPER_WAIVE_PHASE_HISTORY)']);
  const waivers = (effects: Effect[]) => effects.filter((e) => e.kind === 'journal' && e.type === 'killswitch.phaseWaiver');
  assert.equal(waivers(r.effects).length, 1, 'three cycles, one journaled waiver');
  // Enough history: the waiver stops applying (journaled once, announced).
  const earned: PhaseHistory = { ...HISTORY, days: { SHADOW: 7, SEMI_AUTO: 21 } };
  r = run(r.s, [healthy(4, { history: earned }), healthy(5, { history: earned })]);
  assert.deepEqual(waivers(r.effects).map((e) => e.kind === 'journal' && e.body), [{ cycleId: 'c4', waiver: null }]);
  assert.deepEqual(statusOf(r.s).phaseReasons, []);
  // No history reported (the executor has not answered yet): fail closed.
  const { history: _h, ...noHistory } = ev({}, 1);
  r = run(start(), [evaluate(noHistory), evaluate({ ...noHistory, cycleId: 'c2' })]);
  assert.equal(statusOf(r.s).effectivePhase, 'SEMI_AUTO');
  assert.deepEqual(statusOf(r.s).phaseReasons, ['phase history not yet reported by the executor']);

  // Live: the governance (asked for, then approved separately, on live) and live history are required, never waived.
  const live: KillSwitchSettings = { ...S, fullAuto: { ...S.fullAuto, venue: 'live' } };
  const step = (s: KsState, i: KsInput) => transition(s, i, T0, live).state;
  let s = start();
  for (let n = 1; n <= 3; n++) s = step(s, healthy(n, { history: { ...HISTORY, venue: 'live' } }));
  assert.equal(statusOf(s).effectivePhase, 'SEMI_AUTO');
  assert.deepEqual(statusOf(s).phaseReasons, [
    'expected at least 7 SHADOW and 21 SEMI_AUTO trading days on live, was 0/7 SHADOW and 0/21 SEMI_AUTO trading days on live',
    'expected FULL_AUTO asked for and separately approved on live (POST /api/v1/phase, then POST /api/v1/phase/approve), was none',
  ]);
  // A paper history (simulated days, a paper decision) reported to a live kill switch: never admitted.
  s = step(s, healthy(4, { history: earned }));
  assert.deepEqual(statusOf(s).phaseReasons, ['expected the phase history of live, was that of paper']);
  const asked: GovernanceRecord = { phase: 'FULL_AUTO', approver: 'alice', reason: 'a month reviewed', ts: T0, venue: 'live' };
  const liveDays = { SHADOW: 7, SEMI_AUTO: 21 };
  // A FULL_AUTO decision without its separate approval (a single-step record), or one taken on paper: not admitted.
  s = step(s, healthy(5, { history: { venue: 'live', governance: asked, days: liveDays } }));
  assert.match(statusOf(s).phaseReasons.join('; '), /was a FULL_AUTO decision without its separate approval/);
  s = step(s, healthy(6, { history: { venue: 'live', governance: { ...asked, venue: 'paper', approval: { requestId: 'PR-1', approver: 'bob', reason: 'ok', ts: T0 } }, days: liveDays } }));
  assert.match(statusOf(s).phaseReasons.join('; '), /was a FULL_AUTO decision taken on paper, which does not count on live/);
  assert.equal(statusOf(s).effectivePhase, 'SEMI_AUTO');
  s = step(s, healthy(7, { history: { venue: 'live', governance: { ...asked, approval: { requestId: 'PR-1', approver: 'bob', reason: 'limits checked', ts: T0 } }, days: liveDays } }));
  assert.equal(statusOf(s).effectivePhase, 'FULL_AUTO');
  assert.deepEqual(statusOf(s).phaseReasons, []);
});

test('STATIC_IP holds: a reset is refused while order writes are refused for the IP, accepted once they are allowed again', () => {
  const { s } = run(start(), [{ type: 'staticIpRefused', message: 'static-IP pre-flight: egress 192.0.2.55 not registered', evidence: { egress: '192.0.2.55', registered: '203.0.113.10' } }]);
  assert.equal(s.state, 'HALTED');
  assert.equal(s.cause?.code, 'STATIC_IP');
  assert.deepEqual(s.cause?.evidence, { egress: '192.0.2.55', registered: '203.0.113.10' });
  assert.deepEqual(statusOf(s).holding, ['STATIC_IP']);
  const refused = transition(s, { type: 'reset', reason: 'try', who: 'ops' }, T0, S);
  assert.equal(refused.answer.ok, false);
  assert.match(refused.answer.ok ? '' : refused.answer.refused, /STATIC_IP still hold/);
  const cleared = run(s, [{ type: 'staticIpCleared' }, { type: 'reset', reason: 'registered the IP', who: 'ops' }]);
  assert.equal(cleared.s.state, 'NORMAL');
});

test('broker-IV divergence degrades only past the gap, over enough liquid strikes (default 5 vol pts, 3 strikes)', () => {
  const iv = (medianVolPts: number, strikes: number) => evaluate(ev({ calibration: { fallbacks: 0, expiries: 4, brokerIv: { underlying: 'NIFTY', expiry: '2026-12-08', medianVolPts, maxVolPts: medianVolPts + 3, strike: 26_300, ours: 0.13, broker: 0.2, strikes } } }));
  assert.equal(run(start(), [iv(4.9, 12)]).s.state, 'NORMAL');
  assert.equal(run(start(), [iv(8, 2)]).s.state, 'NORMAL', 'two strikes are not enough to judge');
  const d = run(start(), [iv(5.1, 3)]).s;
  assert.equal(d.state, 'DEGRADED');
  assert.equal(d.cause?.evidence['worstStrike'], 26_300);
  assert.equal(d.cause?.evidence['limitVolPts'], 5);
});

// ---- managed hard breaches (issue 18): reduce first, HALT only if the breach outlasts the grace ----

const GRACE = 300_000;
const SG: KillSwitchSettings = { ...S, hardBreachGraceMs: GRACE };
/** Two healthy cycles so the phase gate has lifted FULL_AUTO, then `inputs`, each at its own market time. */
function runAt(s: KsState, steps: Array<[KsInput, number]>, settings = SG): { s: KsState; effects: Effect[] } {
  const effects: Effect[] = [];
  for (const [i, now] of steps) {
    const r = transition(s, i, now, settings);
    s = r.state;
    effects.push(...r.effects);
  }
  return { s, effects };
}
const healthy = (n: number) => evaluate(ev({}, n));
const hardDelta = (n: number) => evaluate(ev({ risk: risk([{ ...breach('delta', 'hard'), underlying: 'NIFTY', scope: 'underlying' }]) }, n));
const countdownEvents = (effects: Effect[]) =>
  effects.filter((e) => e.kind === 'journal' && e.type === 'killswitch.breachCountdown').map((e) => (e as { body: { event: string } }).body.event);

test('a hard greek breach degrades and counts down instead of halting; FULL_AUTO keeps reducing; cleared in time → NORMAL', () => {
  const warm = runAt(start(), [[healthy(1), T0], [healthy(2), T0 + 3000]]).s;
  assert.equal(statusOf(warm).effectivePhase, 'FULL_AUTO');
  const r = runAt(warm, [[hardDelta(3), T0 + 6000]]);
  assert.equal(r.s.state, 'DEGRADED');
  assert.equal(r.s.cause?.code, 'RISK_HARD_GRACE');
  assert.match(r.s.cause?.message ?? '', /hard delta NIFTY limit breached: reducing; HALT in 300 s/);
  assert.deepEqual(r.s.countdown && { since: r.s.countdown.since, deadline: r.s.countdown.deadline }, { since: T0 + 6000, deadline: T0 + 6000 + GRACE });
  assert.deepEqual(countdownEvents(r.effects), ['started']);
  const persisted = r.effects.find((e) => e.kind === 'persist');
  assert.ok(persisted && persisted.kind === 'persist' && persisted.latch.countdown?.deadline === T0 + 6000 + GRACE, 'the countdown is in the latch');
  assert.equal(statusOf(r.s).effectivePhase, 'FULL_AUTO', 'the book is being reduced: FULL_AUTO executes the reducing action');
  assert.equal(statusOf(r.s).permits.increase, false);
  assert.deepEqual(statusOf(r.s).holding, [], 'nothing refuses a reset during the grace');
  // Still beyond 299 s later: still DEGRADED, the same countdown.
  const later = runAt(r.s, [[hardDelta(4), T0 + 6000 + GRACE - 1000]]);
  assert.equal(later.s.state, 'DEGRADED');
  assert.deepEqual(countdownEvents(later.effects), []);
  // Reduced in time: the countdown is cleared (journaled) and hysteresis brings NORMAL back.
  const cleared = runAt(later.s, [[healthy(5), T0 + 6000 + GRACE - 500]]);
  assert.deepEqual(countdownEvents(cleared.effects), ['cleared']);
  assert.equal(cleared.s.countdown, null);
  const back = runAt(cleared.s, [[healthy(6), T0 + 700_000], [healthy(7), T0 + 703_000], [healthy(8), T0 + 706_000]]);
  assert.equal(back.s.state, 'NORMAL');
});

test('a hard greek breach still there when the countdown runs out HALTs (RISK_HARD, holding); no second countdown', () => {
  const r = runAt(start(), [[hardDelta(1), T0], [hardDelta(2), T0 + GRACE]]);
  assert.equal(r.s.state, 'HALTED');
  assert.equal(r.s.cause?.code, 'RISK_HARD');
  assert.match(r.s.cause?.message ?? '', /still beyond the limit after the 300 s grace/);
  assert.equal(r.s.cause?.evidence['countdownSince'], T0);
  assert.deepEqual(countdownEvents(r.effects), ['started', 'expired']);
  assert.deepEqual(statusOf(r.s).holding, ['RISK_HARD']);
  const still = runAt(r.s, [[hardDelta(3), T0 + GRACE + 3000]]);
  assert.equal(still.s.state, 'HALTED');
  assert.equal(still.s.countdown, null);
  assert.deepEqual(countdownEvents(still.effects), []);
  assert.equal(transition(still.s, { type: 'reset', reason: 'too soon', who: 'a' }, T0 + GRACE + 4000, SG).answer.ok, false);
  const gone = runAt(still.s, [[healthy(4), T0 + GRACE + 6000]]).s;
  assert.equal(transition(gone, { type: 'reset', reason: 'reduced by hand', who: 'a' }, T0 + GRACE + 7000, SG).state.state, 'NORMAL');
});

test('the countdown survives a restart: time spent down counts', () => {
  const r = runAt(start(), [[hardDelta(1), T0]]);
  const latch = latchOf(r.s);
  assert.equal(latch.countdown?.since, T0);
  const back = restore('FULL_AUTO', latch, T0 + GRACE + 10_000);
  assert.equal(back.countdown?.deadline, T0 + GRACE);
  const after = runAt(back, [[hardDelta(2), T0 + GRACE + 10_000]]);
  assert.equal(after.s.state, 'HALTED', 'the deadline passed while the process was down');
  assert.deepEqual(countdownEvents(after.effects), ['expired']);
});

test('with a grace of 0 a hard greek breach HALTs at once; daily loss always does', () => {
  assert.equal(runAt(start(), [[hardDelta(1), T0]], { ...S, hardBreachGraceMs: 0 }).s.state, 'HALTED');
  const daily = runAt(start(), [[evaluate(ev({ risk: risk([breach('dailyLoss', 'hard')]) })), T0]]);
  assert.equal(daily.s.state, 'HALTED');
  assert.equal(daily.s.cause?.code, 'DAILY_LOSS');
});

test('DEGRADED caps FULL_AUTO unless the only causes are the book’s own limits', () => {
  const warm = runAt(start(), [[healthy(1), T0], [healthy(2), T0 + 3000]]).s;
  const soft = runAt(warm, [[evaluate(ev({ risk: risk([breach('vega', 'soft')]) }, 3)), T0 + 6000]]).s;
  assert.equal(soft.state, 'DEGRADED');
  assert.equal(statusOf(soft).effectivePhase, 'FULL_AUTO');
  const withQuality = runAt(soft, [[evaluate(ev({ risk: risk([breach('vega', 'soft')]), quality: { score: 0.55, components: comps } }, 4)), T0 + 9000]]).s;
  assert.equal(withQuality.lastDegrade.map((c) => c.code).join(','), 'DATA_QUALITY,RISK_SOFT');
  assert.equal(statusOf(withQuality).effectivePhase, 'SEMI_AUTO', 'a data-quality cause caps FULL_AUTO again');
  const restarted = runAt(warm, [[{ type: 'actorRestarted', name: 'feed', reason: 'crash' }, T0 + 6000], [evaluate(ev({ risk: risk([breach('vega', 'soft')]) }, 3)), T0 + 9000]]).s;
  assert.equal(restarted.cause?.code, 'ACTOR_RESTART');
  assert.equal(statusOf(restarted).effectivePhase, 'SEMI_AUTO', 'a health cause keeps FULL_AUTO capped');
  assert.equal(effectivePhase('FULL_AUTO', 'FULL_AUTO', 'DEGRADED', true, true), 'FULL_AUTO');
  assert.equal(effectivePhase('FULL_AUTO', 'FULL_AUTO', 'HALTED', true, true), 'SEMI_AUTO');
});

test('an expiry settlement overdue (live: no final price yet, or the broker has not booked it): DEGRADED with the evidence, the operator alerted once, released when booked', () => {
  const detail = '4 position(s) of NIFTY 2026-12-08 not settled 1080 min after the close (no final settlement price yet): booked when it comes; check the broker\'s contract note';
  const late = evaluate(ev({ recon: { settlementOverdue: detail } }));
  const first = run(start(), [late]);
  assert.equal(first.s.state, 'DEGRADED');
  assert.deepEqual([first.s.cause?.code, first.s.cause?.evidence], ['SETTLEMENT_OVERDUE', { detail }]);
  const alerts = (effects: Effect[]) => effects.filter((e) => e.kind === 'alert');
  assert.deepEqual(alerts(first.effects).map((e) => e.kind === 'alert' && e.reason), [`expiry settlement overdue: ${detail}`]);
  // Still overdue on the next cycles: held, not alerted again; no new risk meanwhile.
  const again = run(first.s, [evaluate(ev({ recon: { settlementOverdue: detail } }, 2))]);
  assert.deepEqual([again.s.state, alerts(again.effects).length], ['DEGRADED', 0]);
  assert.equal(permits(again.s.state, 'increase'), false);
  // Booked: the condition is released and healthy cycles bring NORMAL back.
  const healthy = run(again.s, [3, 4, 5].map((n) => evaluate(ev({}, n))));
  assert.equal(healthy.s.state, 'NORMAL');
});
