/**
 * @module Compile-time checks of the typed protocols (runtime/protocols.ts) against the real registry: `npm test`
 * runs the typecheck first, and each `@ts-expect-error` below fails it if the line it marks ever compiles.
 * The functions are never called: their bodies only have to typecheck.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActorContext } from '../runtime/actor.ts';
import type { ActorSystem } from '../runtime/system.ts';
import type { AssessRequest, RiskReport } from '../actors/risk/messages.ts';

export function mainSide(sys: ActorSystem, assess: AssessRequest): void {
  const report: Promise<RiskReport> = sys.request('risk', 'risk.assess', assess);
  void report;
  // @ts-expect-error a message type the risk actor does not accept
  void sys.request('risk', 'risk.asses', assess);
  // @ts-expect-error a body of the wrong shape
  void sys.request('risk', 'risk.preTrade', { legs: 'none', bucket: 'weekly' });
  // @ts-expect-error the reply to risk.status is a RiskStatus, not a number
  const wrong: Promise<number> = sys.request('risk', 'risk.status', {});
  void wrong;
  // @ts-expect-error events are typed too: the kill switch's push carries a trading state
  sys.send('risk', 'killswitch.changed', { state: 'PANIC' });
}

export function actorSide(ctx: ActorContext): void {
  // @ts-expect-error an actor's request is checked the same way
  void ctx.request('risk', 'risk.preTrade', {});
  // A name with no protocol (a test fixture) stays untyped.
  void ctx.request<number>('echo', 'echo', 1);
}

test('the typed protocol checks above are compile-time only (npm run typecheck)', () => {
  assert.equal(typeof mainSide, 'function');
  assert.equal(typeof actorSide, 'function');
});
