/**
 * @module `npm run bench -- runtime`: request/reply RTT main↔actor, batched throughput, restart (crash → ready),
 * hang detection — all through the real runtime with real workers (the echo fixture actor).
 */
import { percentile, type Figure } from './main.ts';
import { echoSpec, makeSystem, nextEvent, supervisor } from '../fixtures/system.ts';
import type { ActorSystem } from '../../runtime/system.ts';

export async function run(): Promise<Figure[]> {
  const heartbeatMs = 100;
  const sys = makeSystem(supervisor('root', 'one_for_one', [echoSpec('echo'), echoSpec('sink')], { intensity: 1000 }), { heartbeatMs, bufferLimit: 1_000_000 });
  await sys.start();
  const figures: Figure[] = [];

  // RTT: sequential requests, after a warm-up.
  for (let i = 0; i < 2000; i++) await sys.request('echo', 'echo', i);
  const rtt: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const t = performance.now();
    await sys.request('echo', 'echo', i);
    rtt.push((performance.now() - t) * 1000);
  }
  figures.push({ suite: 'runtime', metric: 'rtt_p50_us', value: percentile(rtt, 50), unit: 'us', budget: '<= 100' });
  figures.push({ suite: 'runtime', metric: 'rtt_p99_us', value: percentile(rtt, 99), unit: 'us' });

  // Batched throughput: N sends in one turn (one batch per microtask), acknowledged by a final request (FIFO).
  const n = 500_000;
  const t0 = performance.now();
  for (let done = 0; done < n; ) {
    const burst = Math.min(10_000, n - done);
    for (let i = 0; i < burst; i++) sys.send('sink', 'echo.count', null);
    done += burst;
    await sys.request('sink', 'echo.count', null, 60_000);
  }
  const seconds = (performance.now() - t0) / 1000;
  figures.push({ suite: 'runtime', metric: 'msgs_per_s_batched', value: n / seconds, unit: 'msg/s', budget: '>= 500k' });

  // Restart: crash → the next incarnation reports ready (awaited as the ready event: a polling loop here would
  // keep main's event loop busy and compete with the worker being started for the CPU).
  const restarts: number[] = [];
  for (let i = 0; i < 15; i++) {
    const inc = sys.host('echo')?.incarnation ?? 0;
    const ready = readyAgain(sys, 'echo', inc);
    const t = performance.now();
    sys.fault('echo', 'crash');
    await ready;
    restarts.push(performance.now() - t);
  }
  figures.push({ suite: 'runtime', metric: 'restart_p50_ms', value: percentile(restarts, 50), unit: 'ms', budget: '<= 150' });

  // Hang detection: from the hang to the exit classified as hung.
  const hangs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const inc = sys.host('echo')?.incarnation ?? 0;
    const exited = nextEvent(sys, 'sys.actorExited', (b) => b['reason'] === 'hung');
    const ready = readyAgain(sys, 'echo', inc);
    const t = performance.now();
    sys.fault('echo', 'hang');
    await exited;
    hangs.push(performance.now() - t);
    await ready;
  }
  figures.push({ suite: 'runtime', metric: 'hang_detect_ms', value: percentile(hangs, 50), unit: 'ms', budget: `<= ${2 * heartbeatMs} + one interval (2 heartbeats of ${heartbeatMs} ms)` });
  await sys.stop();
  return figures;
}

/** The next `sys.actorReady` of `name` with an incarnation above `after`. */
function readyAgain(sys: ActorSystem, name: string, after: number): Promise<unknown> {
  return nextEvent<Record<string, unknown>>(sys, 'sys.actorReady', (b) => b['name'] === name && Number(b['incarnation']) > after);
}
