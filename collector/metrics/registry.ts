import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { collectorMetrics, type MetricSpec } from '../../lib/metrics-catalog.ts';
import type { Store } from '../store/types.ts';

// The collector's own metrics, registered on the Registry of one collector instance (tests run
// several side by side). Names, help, labels and buckets come from lib/metrics-catalog.ts, which
// the alert rules read too. The consumer-lag metrics are registered by the lag monitor.

const counter = (r: Registry, s: MetricSpec) =>
  new Counter({ name: s.name, help: s.help, labelNames: [...s.labels], registers: [r] });
const gauge = (r: Registry, s: MetricSpec, collect?: (g: Gauge) => Promise<void> | void) =>
  new Gauge({
    name: s.name,
    help: s.help,
    labelNames: [...s.labels],
    registers: [r],
    ...(collect && {
      async collect(this: Gauge) {
        await collect(this);
      },
    }),
  });
const histogram = (r: Registry, s: MetricSpec) =>
  new Histogram({
    name: s.name,
    help: s.help,
    labelNames: [...s.labels],
    buckets: [...(s.buckets ?? [])],
    registers: [r],
  });

export function createCollectorMetrics(
  registry: Registry,
  deps: {
    store: Store;
    now: () => number;
    /** The event time before which sagas are derived from every record (ApiContext's). */
    sagasDerivedThrough?: () => number;
  },
) {
  const m = collectorMetrics;
  const { store, now } = deps;
  return {
    recordsIngested: counter(registry, m.recordsIngested),
    recordsMalformed: counter(registry, m.recordsMalformed),
    batchesQuarantined: counter(registry, m.batchesQuarantined),
    ingestDelay: histogram(registry, m.ingestDelay),
    storeWriteDuration: histogram(registry, m.storeWriteDuration),
    lastIngestTimestamp: gauge(registry, m.lastIngestTimestamp),
    indexBacklog: gauge(registry, m.indexBacklog, async (g) => {
      g.set((await store.landing.stats()).waiting + ((await store.searchBacklog?.()) ?? 0));
    }),
    sagaJudgementLag: gauge(registry, m.sagaJudgementLag, (g) => {
      const at = now();
      g.set(Math.max(0, at - Math.min(at, deps.sagasDerivedThrough?.() ?? Infinity)) / 1000);
    }),
    consumerErrors: counter(registry, m.consumerErrors),
    dlqRecords: counter(registry, m.dlqRecords),
    // Depth, age and saga counts are read from the store at scrape time: always exact, and no
    // bookkeeping to drift when retention or a replay changes them.
    dlqDepth: gauge(registry, m.dlqDepth, async (g) => {
      g.reset();
      for (const d of await store.dlq.depth()) g.set({ dlq_topic: d.dlqTopic }, d.depth);
    }),
    dlqOldestAge: gauge(registry, m.dlqOldestAge, async (g) => {
      g.reset();
      for (const d of await store.dlq.depth())
        g.set({ dlq_topic: d.dlqTopic }, d.oldest === null ? 0 : Math.max(0, (now() - d.oldest) / 1000));
    }),
    replays: counter(registry, m.replays),
    sagas: gauge(registry, m.sagas, async (g) => {
      g.reset();
      for (const c of await store.sagas.counts()) g.set({ saga_type: c.type, state: c.state }, c.count);
    }),
    sagasStuck: gauge(registry, m.sagasStuck, async (g) => {
      g.reset();
      const byType = new Map<string, number>();
      for (const c of await store.sagas.counts())
        byType.set(c.type, (byType.get(c.type) ?? 0) + (c.state === 'STUCK' ? c.count : 0));
      for (const [t, n] of byType) g.set({ saga_type: t }, n);
    }),
    sagaTransitions: counter(registry, m.sagaTransitions),
    chainLatency: histogram(registry, m.chainLatency),
    anomalies: counter(registry, m.anomalies),
    otlpSpans: counter(registry, m.otlpSpans),
    otlpRequests: counter(registry, m.otlpRequests),
    wsClients: gauge(registry, m.wsClients),
    wsDropped: counter(registry, m.wsDropped),
  };
}
export type CollectorMetrics = ReturnType<typeof createCollectorMetrics>;
