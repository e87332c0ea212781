/**
 * Issue 6, "done when" (2) and (3), on the whole system (simulated market, paper exchange, real workers, LMDB, HTTP):
 * - POST /api/v1/admin/emergency_stop cancels and flattens through the executor, leaves the book flat (the executor's
 *   view and the paper exchange's own books), the kill switch HALTED and the trading loop stopped; HALTED survives a
 *   full restart of the system on the same DATA_DIR.
 * - Only an admin reset with a reason clears it: operator → 403, no reason → 4xx, while the cause holds → refused
 *   naming it, admin with a reason once it cleared → NORMAL; the reset is in the journal's audit log.
 * - A flatten that cannot complete (the exchange is closed) does not pretend: EMERGENCY stays, and it alerts.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { istDate, sessionCloseMs } from '../../actors/domain/calendar.ts';
import type { EmergencyAnswer, KillSwitchStatus, ResetAnswer } from '../../actors/killswitch/messages.ts';
import {
  ADMIN, OPERATOR, journalDump, nextChange, paperPositions, placeOutsidePosition, riskWhen, startSafetySystem, tempDataDir, transitions, T1,
} from './safety-system.ts';

const cleanups: Array<() => void> = [];
after(() => cleanups.forEach((c) => c()));
function dataDir(tag: string): string {
  const { dir, cleanup } = tempDataDir(tag);
  cleanups.push(cleanup);
  return dir;
}

interface Positions { positions: Array<{ instrumentKey: string; quantity: number; structureId: string | null }> }
const open = (p: Positions) => p.positions.filter((x) => x.quantity !== 0);

/** A refused reset: 409 naming the causes that still hold. */
type Refused = { error: { code: string; message: string; details: { holding: { code: string }[] } } };

describe('emergency stop, the latch across a restart, and the admin reset (whole system)', () => {
  it('emergency_stop: book flat, HALTED, loop stopped; HALTED survives a restart; only an admin reset with a reason, once the cause cleared, returns NORMAL', async () => {
    const dir = dataDir('estop');
    const pos = await placeOutsidePosition(dir, 2);
    // A net-delta limit the adopted position is far over: HALTED (RISK_HARD) as soon as it is valued.
    let s = await startSafetySystem(dir, { MAX_NET_DELTA: '0.001' });
    try {
      const halted = s.cycle.state.killswitch?.state === 'HALTED' ? s.cycle.state.killswitch : await nextChange(s, (x) => x.state === 'HALTED');
      assert.equal(halted.cause?.code, 'RISK_HARD');
      assert.equal(halted.cause?.evidence['limit'], 'delta');
      const before = await s.api<Positions>('GET', '/api/v1/positions');
      assert.deepEqual(open(before.body).map((p) => [p.instrumentKey, Math.abs(p.quantity)]), [[pos.instrumentKey, pos.quantity]]);

      // (3) The cause holds: an admin reset with a reason is refused, naming it.
      const refused = await s.api<Refused>('POST', '/api/v1/killswitch/reset', { reason: 'reset before the book is flat' });
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, 'RESET_REFUSED');
      assert.ok(refused.body.error.message.includes('RISK_HARD'), refused.body.error.message);
      assert.deepEqual(refused.body.error.details.holding.map((c) => c.code), ['RISK_HARD']);

      // (2) The emergency stop (operator may panic): loop stopped, cancel all, flatten, HALTED.
      const flatAgain = nextChange(s, (x) => x.state === 'HALTED' && x.cause?.code === 'FLATTENED');
      const stop = await s.api<{ result: EmergencyAnswer; audited: boolean }>('POST', '/api/v1/admin/emergency_stop', { reason: 'drill: stop everything' }, OPERATOR);
      assert.equal(stop.status, 200, JSON.stringify(stop.body));
      assert.equal(stop.body.result.flattened, true, JSON.stringify(stop.body.result));
      assert.equal(stop.body.result.stopLoop, true);
      assert.equal(stop.body.result.status.state, 'HALTED');
      assert.equal(stop.body.result.status.cause?.code, 'FLATTENED');
      await flatAgain;
      const loop = await s.api<{ loop: string; state: string }>('GET', '/api/v1/supervisor/status');
      assert.equal(loop.body.loop, 'stopped', 'the trading loop is stopped');
      assert.equal(loop.body.state, 'HALTED');
      const after = await s.system.request<Positions>('executor', 'executor.positions', {});
      assert.deepEqual(open(after), [], 'the executor holds nothing');
      const api = await s.api<Positions>('GET', '/api/v1/positions');
      assert.deepEqual(open(api.body), []);

      // The flat book is valued on the next cycles: the breach is gone, but HALTED is latched.
      const cleared = s.cycle.state.killswitch?.holding.length === 0 ? s.cycle.state.killswitch : await nextChange(s, (x) => x.holding.length === 0);
      assert.equal(cleared.state, 'HALTED');
      await riskWhen(s, (r) => r.legs.length === 0 && r.breaches.length === 0);
      await s.cycles(2);
      assert.equal(s.cycle.state.killswitch?.state, 'HALTED', 'HALTED does not lift on its own');

      const path = (await transitions(dir)).map((r) => `${r.body.from}→${r.body.to}:${r.body.cause.code}`);
      assert.deepEqual(path, ['NORMAL→HALTED:RISK_HARD', 'HALTED→EMERGENCY:MANUAL_EMERGENCY', 'EMERGENCY→HALTED:FLATTENED']);
      const emergency = (await transitions(dir))[1]!;
      assert.equal(emergency.body.cause.message, 'drill: stop everything');
      assert.match(String(emergency.body.cause.evidence.who), /^operator@/);
      const flattens = (await journalDump(dir, 'executor.flatten')).map((r) => r.body as { stage: string; flat?: boolean });
      assert.deepEqual(flattens.map((f) => [f.stage, f.flat]), [['started', undefined], ['finished', true]]);
    } finally {
      await s.stop();
    }
    // The paper exchange's own books (on disk) are flat too.
    assert.deepEqual((await paperPositions(dir)).filter((p) => p.quantity !== 0), [], 'the paper exchange holds nothing');

    // A full restart on the same DATA_DIR: still HALTED.
    s = await startSafetySystem(dir, { MAX_NET_DELTA: '0.001', SIM_START: new Date(T1 + 10 * 60_000).toISOString() });
    try {
      const st = await s.api<KillSwitchStatus>('GET', '/api/v1/killswitch');
      assert.equal(st.body.state, 'HALTED', 'a halted system stays halted after a restart');
      assert.equal((st.body.cause as unknown as { code: string }).code, 'FLATTENED');
      await s.cycles(3);
      assert.equal(s.cycle.state.killswitch?.state, 'HALTED', 'cycles after the restart do not lift it');
      assert.deepEqual(s.cycle.state.killswitch?.holding, []);
      const restored = await journalDump(dir, 'killswitch.restored');
      assert.equal(restored.at(-1)?.body.state, 'HALTED');

      // (3) Only an admin, only with a reason.
      const asOperator = await s.api('POST', '/api/v1/killswitch/reset', { reason: 'operator tries' }, OPERATOR);
      assert.equal(asOperator.status, 403);
      const noReason = await s.api('POST', '/api/v1/killswitch/reset', {}, ADMIN);
      assert.ok(noReason.status >= 400 && noReason.status < 500, `no reason → 4xx, was ${noReason.status}`);
      const noBody = await fetch(`${s.base}/api/v1/killswitch/reset`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
      assert.ok(noBody.status >= 400 && noBody.status < 500, `no body → 4xx, was ${noBody.status}`);
      const still = await s.api<KillSwitchStatus>('GET', '/api/v1/killswitch');
      assert.equal(still.body.state, 'HALTED');

      const normal = nextChange(s, (x) => x.state === 'NORMAL');
      const ok = await s.api<{ result: ResetAnswer }>('POST', '/api/v1/killswitch/reset', { reason: 'book flat after the emergency stop; checked by ops' }, ADMIN);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.result.ok, true, JSON.stringify(ok.body.result));
      assert.equal(ok.body.result.status.state, 'NORMAL');
      assert.equal((await normal).cause?.code, 'RESET');

      const last = (await transitions(dir)).at(-1);
      assert.equal(`${last?.body.from}→${last?.body.to}:${last?.body.cause.code}`, 'HALTED→NORMAL:RESET');
      assert.equal(last?.body.cause.message, 'book flat after the emergency stop; checked by ops');
      assert.match(String(last?.body.cause.evidence.who), /^admin@/);

      // The audit log: every control action that reached the system with who, role and reason, journaled before it ran
      // and again with its outcome (the refused reset says so, with its code); the 403 / 4xx attempts never got there.
      const audit = (await journalDump(dir, 'journal.audit')).map((r) => r.body as { who: string; role: string; action: string; reason?: string; outcome?: string; result?: { code: string } });
      const resets = audit.filter((a) => a.action === 'killswitch.reset');
      assert.deepEqual(resets.map((a) => [a.role, a.reason, a.outcome, a.result?.code ?? null]), [
        ['admin', 'reset before the book is flat', 'requested', null],
        ['admin', 'reset before the book is flat', 'refused', 'RESET_REFUSED'],
        ['admin', 'book flat after the emergency stop; checked by ops', 'requested', null],
        ['admin', 'book flat after the emergency stop; checked by ops', 'done', null],
      ]);
      assert.ok(resets.every((a) => a.who.startsWith('admin@')));
      const stops = audit.filter((a) => a.action === 'emergency.stop');
      assert.deepEqual(stops.map((a) => [a.role, a.reason, a.outcome]), [['operator', 'drill: stop everything', 'requested'], ['operator', 'drill: stop everything', 'done']]);
    } finally {
      await s.stop();
    }
  });

  it('a flatten that cannot complete (the exchange has closed) stays EMERGENCY and alerts instead of claiming the book is flat', async () => {
    const dir = dataDir('estop-closed');
    const pos = await placeOutsidePosition(dir);
    // The system comes up after the close: the position is carried, the exchange refuses every order.
    const s = await startSafetySystem(dir, { SIM_START: new Date(sessionCloseMs(istDate(T1)) + 5 * 60_000).toISOString() });
    try {
      await riskWhen(s, (r) => r.legs.some((l) => l.instrumentKey === pos.instrumentKey));
      const alert = new Promise<unknown>((resolve) => {
        const off = s.system.onEvent((type, body) => {
          if (type === 'killswitch.alertRaised') { off(); resolve(body); }
        });
      });
      const stop = await s.api<{ result: EmergencyAnswer }>('POST', '/api/v1/admin/emergency_stop', { reason: 'panic after the close' });
      assert.equal(stop.status, 200, JSON.stringify(stop.body));
      assert.equal(stop.body.result.flattened, false, `the book is not flat: ${JSON.stringify(stop.body.result)}`);
      assert.equal(stop.body.result.status.state, 'EMERGENCY');
      assert.ok(stop.body.result.error, 'the answer says why');
      await alert;
      const left = await s.system.request<Positions>('executor', 'executor.positions', {});
      assert.deepEqual(open(left).map((p) => p.instrumentKey), [pos.instrumentKey], 'the position is still there');
      const failed = await journalDump(dir, 'killswitch.flattenFailed');
      assert.equal(failed.length, 1);
      const path = (await transitions(dir)).map((r) => `${r.body.from}→${r.body.to}:${r.body.cause.code}`);
      assert.ok(!path.some((p) => p.endsWith(':FLATTENED')), `never "flattened": ${path}`);
    } finally {
      await s.stop();
    }
  });
});
