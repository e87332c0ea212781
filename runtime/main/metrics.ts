/**
 * @module Main's Prometheus registry and the aggregation of every actor's registry (runtime.md §7): default process
 * metrics exist once (here); actors export their own families with an `actor` label; main adds the tree's health.
 */
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ActorInfo } from '../status.ts';

const PHASES = ['SHADOW', 'SEMI_AUTO', 'FULL_AUTO'] as const;

export class MainMetrics {
  readonly registry = new Registry();
  readonly cycleDuration: Histogram<'stage'>;
  readonly cyclesTotal: Counter<'outcome'>;
  readonly phase: Gauge<'kind'>;
  readonly actorUp: Gauge<'name'>;
  readonly actorRestarts: Gauge<'name'>;
  readonly actorElu: Gauge<'name'>;
  readonly actorHeap: Gauge<'name'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'volguard_' });
    const r = this.registry;
    this.cycleDuration = new Histogram({
      name: 'volguard_cycle_duration_seconds',
      help: 'Cycle stage durations (stage=total for the whole cycle)',
      labelNames: ['stage'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 3],
      registers: [r],
    });
    this.cyclesTotal = new Counter({ name: 'volguard_cycles_total', help: 'Cycles run, by outcome', labelNames: ['outcome'], registers: [r] });
    this.phase = new Gauge({ name: 'volguard_phase', help: 'Deployment phase: 0 SHADOW, 1 SEMI_AUTO, 2 FULL_AUTO', labelNames: ['kind'], registers: [r] });
    this.actorUp = new Gauge({ name: 'volguard_actor_up', help: '1 when the actor is running', labelNames: ['name'], registers: [r] });
    this.actorRestarts = new Gauge({ name: 'volguard_actor_restarts_total', help: 'Restarts of the actor since start', labelNames: ['name'], registers: [r] });
    this.actorElu = new Gauge({ name: 'volguard_actor_elu', help: 'Event-loop utilisation of the actor, last heartbeat interval', labelNames: ['name'], registers: [r] });
    this.actorHeap = new Gauge({ name: 'volguard_actor_heap_used_bytes', help: 'V8 heap used by the actor', labelNames: ['name'], registers: [r] });
  }

  setPhase(kind: 'configured' | 'effective', phase: string): void {
    const idx = (PHASES as readonly string[]).indexOf(phase);
    if (idx >= 0) this.phase.set({ kind }, idx);
  }

  observeTree(actors: readonly ActorInfo[]): void {
    for (const a of actors) {
      this.actorUp.set({ name: a.name }, a.status === 'running' ? 1 : 0);
      this.actorRestarts.set({ name: a.name }, a.restarts);
      this.actorElu.set({ name: a.name }, a.elu);
      this.actorHeap.set({ name: a.name }, a.heapUsedBytes);
    }
  }

  /** Prometheus text: main's registry plus every actor's, aggregated (custom families summed per label set). */
  async exposition(actorJson: readonly unknown[][]): Promise<string> {
    const mine = await this.registry.getMetricsAsJSON();
    const merged = AggregatorRegistry.aggregate([mine, ...(actorJson as never[])]);
    return merged.metrics();
  }
}
