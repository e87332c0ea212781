import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExecutionReport } from '../../actors/executor/messages.ts';
import { EventLog, eventFromLive, eventsFromExecution } from './events.ts';

const TS = Date.parse('2026-01-07T10:15:00+05:30');
const EMPTY: ExecutionReport = {
  cycleId: 'c-9', phase: { configured: 'SEMI_AUTO', effective: 'SEMI_AUTO', reasons: [], history: { venue: 'paper', governance: null, days: { SHADOW: 0, SEMI_AUTO: 0 } } }, sagasStarted: [], sagasProgressed: [], approvalsCreated: [],
  approvalsChanged: [], denied: [], shadowFills: [], reconciliation: { findings: [] },
};

test('an execution report becomes orders, fills, denials with their reason, approvals and alerts', () => {
  const r: ExecutionReport = {
    ...EMPTY,
    sagasStarted: ['SG-1'],
    sagasProgressed: [{ sagaId: 'SG-1', stage: 'done', outcome: 'completed' }, { sagaId: 'SG-2', stage: 'compensate', outcome: 'failed' }],
    denied: [{ proposalId: 'P-3', reason: 'RISK_PRETRADE_DENIED', detail: 'VEGA_LIMIT: vega −1,200 beyond −1,000' }],
    approvalsCreated: ['A-P-4'],
    approvalsChanged: [{ id: 'A-P-1', status: 'invalidated' }],
    shadowFills: ['P-5'],
    reconciliation: { findings: [], mismatch: 'broker holds 75 of NIFTY 23200 PE, the book 0' },
  };
  assert.deepEqual(eventsFromExecution(r, TS).map((e) => [e.kind, e.title, e.ref]), [
    ['order', 'orders sent', 'SG-1'],
    ['fill', 'filled', 'SG-1'],
    ['alert', 'saga failed', 'SG-2'],
    ['denial', 'denied: RISK_PRETRADE_DENIED', 'P-3'],
    ['approval', 'approval waiting', 'A-P-4'],
    ['approval', 'approval invalidated', 'A-P-1'],
    ['fill', 'SHADOW fill', 'P-5'],
    ['alert', 'reconciliation mismatch', 'c-9'],
  ]);
  assert.equal(eventsFromExecution(r, TS)[3]?.detail, 'VEGA_LIMIT: vega −1,200 beyond −1,000');
  assert.deepEqual(eventsFromExecution(EMPTY, TS), []);
});

test('a healthy cycle is not an event; a failed one, a restart and a kill-switch transition are (each once)', () => {
  assert.equal(eventFromLive('cycle.completed', { cycleId: 'c-1', durationMs: 20.2, error: null }, TS, null), null);
  assert.equal(eventFromLive('cycle.completed', { cycleId: 'c-2', durationMs: 20.2, error: 'risk timed out' }, TS, null)?.title, 'cycle failed');
  assert.deepEqual(eventFromLive('sys.actorRestarted', { name: 'risk', supervisor: 'trading', reason: 'crash', error: 'boom' }, TS, null), { ts: TS, kind: 'restart', title: 'risk restarted', detail: 'crash: boom', ref: 'risk' });
  const halted = { state: 'HALTED', history: [{ from: 'NORMAL', to: 'HALTED', at: TS - 5, cause: { code: 'RECON_MISMATCH', message: 'broker and book disagree', evidence: {} }, cycleId: 'c-7' }] };
  const log = new EventLog(3);
  log.live('killswitch.changed', halted, TS);
  log.live('killswitch.changed', halted, TS + 1); // the same transition re-sent (a phase change): not a new event
  log.live('cycle.completed', { cycleId: 'c-8', error: null }, TS + 2);
  assert.deepEqual(log.latest(10).map((e) => [e.kind, e.title, e.detail, e.ref]), [['killswitch', 'NORMAL → HALTED', 'RECON_MISMATCH: broker and book disagree', 'c-7']]);
  log.push(...eventsFromExecution({ ...EMPTY, sagasStarted: ['a', 'b', 'c'] }, TS));
  assert.deepEqual(log.latest(10).map((e) => e.ref), ['c', 'b', 'a'], 'bounded, newest first');
});
