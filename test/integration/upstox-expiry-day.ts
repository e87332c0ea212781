/**
 * @module Shared by the whole-system expiry tests on the Upstox fake (live, and paper on the Upstox feed): the nearest
 * NIFTY expiry the fake lists, a market clock scaled 120× from 150 market minutes before its close and shared with the
 * fake (its quotes, fills and expiry booking keep the system's time), the env that lets a one-lot condor be held into
 * that close, and waits re-checked after every completed cycle (event-driven, no fixed sleeps).
 */
import assert from 'node:assert/strict';
import { sessionCloseMs } from '../../actors/domain/calendar.ts';
import { DeterministicMarket } from '../../actors/venues/upstox/fake/market.ts';
import { startFakeUpstox, type FakeUpstox } from '../../actors/venues/upstox/fake/server.ts';
import { clockFromSpec, type Clock, type ClockSpec } from '../../runtime/clock.ts';
import { unpacked } from '../../runtime/envelope.ts';
import type { TestSystem } from '../fixtures/run-system.ts';

/** 2 market hours a wall minute: the close comes ~75 s after the start; options two hours from expiry still have a price. */
export const EXPIRY_DAY_SPEED = 120;

/** What every expiry-day run sets beside its venue's own variables (FEED, SAFETY_MODE, the fake's URL and token). */
export const EXPIRY_DAY_ENV = {
  SUPERVISOR_LOOP_INTERVAL: '0.5',
  // The machine may be busy (tests run beside each other): a slow heartbeat is not a hung actor here.
  VOLGUARD_HEARTBEAT_MS: '5000',
  FULL_AUTO_MIN_SHADOW_DAYS: '0', FULL_AUTO_MIN_SEMI_AUTO_DAYS: '0', MAX_VEGA: '1000000', RISK_MAX_GAMMA: '1000000', RISK_MAX_THETA: '1000000',
  // An expiring chain's gamma on its last afternoon, its few usable quotes (calibration falls back), and the fake's
  // crude calendar-time pricing against our trading-time IVs (their gap): none of it is what these tests are about.
  RISK_MAX_GAMMA_EXPIRY: '1000000', RISK_MAX_VEGA_EXPIRY: '1000000', KS_FALLBACK_STREAK: '1000', KS_BROKER_IV_GAP_VOL_PTS: '100',
} as const;

/** Re-checks after every completed cycle until `pred` holds. */
export async function until<T>(sys: TestSystem, probe: () => Promise<T>, pred: (v: T) => boolean): Promise<T> {
  for (;;) {
    const v = await probe();
    if (pred(v)) return v;
    await sys.cycles(1);
  }
}

export interface ExpiryDay {
  readonly expiry: string;
  /** The expiry's dated session close, market ms. */
  readonly close: number;
  readonly fake: FakeUpstox;
  /** The clock the system and the fake share now (a restart moves both on: `restartAt`). */
  readonly clock: Clock;
  readonly spec: ClockSpec;
  /** A new scaled clock from `simStartMs` (market time never goes back across the restart); the fake follows it. */
  restartAt(simStartMs: number): ClockSpec;
}

/** Starts the fake on the expiry day's clock. */
export async function expiryDay(token: string): Promise<ExpiryDay> {
  const expiry = new DeterministicMarket({ nowMs: Date.now(), calm: true }).instruments()
    .filter((i) => i.underlying === 'NIFTY' && i.kind !== 'INDEX').map((i) => i.expiry!).sort()[0]!;
  const close = sessionCloseMs(expiry);
  let spec: ClockSpec = { kind: 'scaled', simStartMs: close - 150 * 60_000, wallStartMs: Date.now(), speed: EXPIRY_DAY_SPEED };
  let clock = clockFromSpec(spec);
  const fake = await startFakeUpstox({ port: 0, token, liveIntervalMs: 100, market: new DeterministicMarket({ nowMs: spec.simStartMs, calm: true }), now: () => clock.now() });
  return {
    expiry, close, fake,
    get clock() { return clock; },
    get spec() { return spec; },
    restartAt(simStartMs) {
      spec = { kind: 'scaled', simStartMs, wallStartMs: Date.now(), speed: EXPIRY_DAY_SPEED };
      clock = clockFromSpec(spec);
      return spec;
    },
  };
}

/** Healthy (NORMAL) with the expiring chain quoted two-sided — or an hour of market time gone (the caller's assertion says why not). */
export function expiringChainReady(s: TestSystem, day: ExpiryDay): Promise<TestSystem['cycle']['state']> {
  return until(s, async () => s.cycle.state, (st) => (st.killswitch?.state === 'NORMAL' && st.snapshot !== null && st.surface !== null
    && unpacked(st.snapshot.expiries).some((e) => e.underlying === 'NIFTY' && e.expiry === day.expiry && e.callBid.some((b) => b > 0) && e.putBid.some((b) => b > 0)))
    || day.clock.now() > day.close - 90 * 60_000);
}

/**
 * Opens a one-lot NIFTY iron condor in the expiring chain straight through the executor (FULL_AUTO already in force),
 * and waits until the executor's book holds it open. At the fake's calm close (NIFTY 26,000) the short 25,900 CE is in
 * the money by 100, the 26,000 PE at the money (worth 0), the wings out of it.
 */
export async function openExpiryCondor<B extends { structures: readonly { kind: string; status: string }[] }>(s: TestSystem, day: ExpiryDay, id: string): Promise<{ open: B; legs: { instrumentKey: string; strike: number; right: 'CE' | 'PE'; side: 'BUY' | 'SELL' }[]; lotSize: number }> {
  const snapshot = s.cycle.state.snapshot!;
  const chain = unpacked(snapshot.expiries).find((e) => e.underlying === 'NIFTY' && e.expiry === day.expiry)!;
  const strikes = [...chain.strikes];
  const at = (strike: number, right: 'CE' | 'PE') => {
    const i = strikes.indexOf(strike);
    assert.ok(i >= 0, `strike ${strike} in the chain`);
    return right === 'CE' ? chain.callKeys[i]! : chain.putKeys[i]!;
  };
  const leg = (strike: number, right: 'CE' | 'PE', side: 'BUY' | 'SELL') => ({ instrumentKey: at(strike, right), underlying: 'NIFTY' as const, expiry: day.expiry, strike, right, side, quantity: chain.lotSize });
  const legs = [leg(25_900, 'CE', 'SELL'), leg(26_000, 'PE', 'SELL'), leg(26_100, 'CE', 'BUY'), leg(25_900, 'PE', 'BUY')];
  const proposal = { id, action: 'open', kind: 'iron_condor', bucket: 'weekly', underlying: 'NIFTY', expiry: day.expiry, legs, reason: 'integration: held into expiry', rationale: { test: true }, riskIncreasing: true };
  const report = await s.system.request<{ denied: unknown[]; sagasStarted: string[] }>('executor', 'executor.execute', {
    cycleId: 'expiry-1', proposals: [proposal], snapshot: { ...snapshot, cycleId: 'expiry-1' }, surface: { ...s.cycle.state.surface!, cycleId: 'expiry-1' },
    killswitch: { state: 'NORMAL' }, phase: 'FULL_AUTO',
  }, 30_000);
  assert.deepEqual(report.denied, []);
  const open = await until(s, () => s.system.request<B>('executor', 'executor.book', {}), (b) => b.structures.some((x) => x.kind === 'iron_condor' && x.status === 'open'));
  assert.ok(day.clock.now() < day.close, 'the condor was open before the close');
  return { open, legs, lotSize: chain.lotSize };
}
