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
  readonly actorUp: Gauge<'actor'>;
  readonly actorRestarts: Counter<'actor'>;
  readonly actorElu: Gauge<'actor'>;
  readonly actorHeap: Gauge<'actor'>;
  /** Restarts already counted per actor (the tree reports totals; the counter only ever moves forward). */
  readonly #restartsSeen = new Map<string, number>();

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
    // Label `actor`, as deploy/prometheus/volguard.rules.yml and the Grafana dashboard select them.
    this.actorUp = new Gauge({ name: 'volguard_actor_up', help: '1 when the actor is running', labelNames: ['actor'], registers: [r] });
    this.actorRestarts = new Counter({ name: 'volguard_actor_restarts_total', help: 'Restarts of the actor since start', labelNames: ['actor'], registers: [r] });
    this.actorElu = new Gauge({ name: 'volguard_actor_elu', help: 'Event-loop utilisation of the actor, last heartbeat interval', labelNames: ['actor'], registers: [r] });
    this.actorHeap = new Gauge({ name: 'volguard_actor_heap_used_bytes', help: 'V8 heap used by the actor', labelNames: ['actor'], registers: [r] });
  }

  setPhase(kind: 'configured' | 'effective', phase: string): void {
    const idx = (PHASES as readonly string[]).indexOf(phase);
    if (idx >= 0) this.phase.set({ kind }, idx);
  }

  observeTree(actors: readonly ActorInfo[]): void {
    for (const a of actors) {
      const labels = { actor: a.name };
      this.actorUp.set(labels, a.status === 'running' ? 1 : 0);
      const seen = this.#restartsSeen.get(a.name);
      // Zero from the first look, so a rate() sees the first restart too.
      if (seen === undefined) this.actorRestarts.inc(labels, 0);
      if (a.restarts > (seen ?? 0)) this.actorRestarts.inc(labels, a.restarts - (seen ?? 0));
      this.#restartsSeen.set(a.name, Math.max(seen ?? 0, a.restarts));
      this.actorElu.set(labels, a.elu);
      this.actorHeap.set(labels, a.heapUsedBytes);
    }
  }

  /** Prometheus text: main's registry plus every actor's, aggregated (custom families summed per label set). */
  async exposition(actorJson: readonly unknown[][]): Promise<string> {
    const mine = await this.registry.getMetricsAsJSON();
    const merged = AggregatorRegistry.aggregate([mine, ...(actorJson as never[])]);
    return merged.metrics();
  }
}
