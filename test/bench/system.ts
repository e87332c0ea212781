/**
 * @module `npm run bench -- system`: the full cycle (snapshot → durable journal) on NIFTY 4 expiries + BANKNIFTY 2,
 * FULL_AUTO on paper so positions are open, and the whole process's resident memory.
 * BENCH_SYSTEM_CYCLES (default 300) sets the sample size.
 */
import { percentile, type Figure } from './main.ts';
import { startTestSystem } from '../fixtures/run-system.ts';

export async function run(): Promise<Figure[]> {
  const n = Number(process.env['BENCH_SYSTEM_CYCLES'] ?? 300);
  const s = await startTestSystem({ PHASE: 'FULL_AUTO', SIM_SPEED: '20', SUPERVISOR_LOOP_INTERVAL: '0.1' });
  const durations: number[] = [];
  const rss: number[] = [];
  await s.cycles(20); // warm-up: JIT, first fits, first entries
  const off = s.system.onEvent((type, body) => {
    if (type === 'cycle.completed') durations.push((body as { durationMs: number }).durationMs);
  });
  while (durations.length < n) {
    await s.cycles(10);
    rss.push(process.memoryUsage.rss() / 2 ** 20);
  }
  off();
  const positions = s.cycle.state.book?.positions.length ?? 0;
  await s.stop();
  return [
    { suite: 'system', metric: 'cycle_p50_ms', value: percentile(durations, 50), unit: 'ms' },
    { suite: 'system', metric: 'cycle_p99_ms', value: percentile(durations, 99), unit: 'ms', budget: '<= 20' },
    { suite: 'system', metric: 'rss_mb', value: Math.max(...rss), unit: 'MB', budget: '<= 400' },
    { suite: 'system', metric: 'open_positions', value: positions, unit: 'legs' },
  ];
}
