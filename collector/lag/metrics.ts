import { Gauge, Histogram, type Registry } from 'prom-client';
import { LAG_STATUSES, type ConsumerGroup } from '../../lib/api/consumers.ts';
import { collectorMetrics, type MetricSpec } from '../../lib/metrics-catalog.ts';

// The lag gauges, named from the shared catalog (the alert rules in dashboards/ read the same
// names). Each poll rebuilds them from scratch: a group, topic or partition that disappeared stops
// being exported instead of freezing at its last value (which would keep an alert firing forever).
// Reset and refill happen in one synchronous block, so a scrape never sees them half-filled, and it
// costs less than diffing 10,000 label sets to find the vanished ones.

export interface LagMetrics {
  update(groups: readonly ConsumerGroup[]): void;
  observePollDuration(seconds: number): void;
}

function gauge(registry: Registry, spec: MetricSpec): Gauge {
  return (
    existing(registry, spec.name, Gauge) ??
    new Gauge({ name: spec.name, help: spec.help, labelNames: [...spec.labels], registers: [registry] })
  );
}

function existing<M>(
  registry: Registry,
  name: string,
  kind: abstract new (...args: never[]) => M,
): M | undefined {
  // Registering a name twice throws; a second monitor on the same registry reuses the metric.
  const m = registry.getSingleMetric(name);
  return m instanceof kind ? m : undefined;
}

export function createLagMetrics(registry: Registry): LagMetrics {
  const partitionOffsets = gauge(registry, collectorMetrics.consumerLagOffsets);
  const partitionSeconds = gauge(registry, collectorMetrics.consumerLagSeconds);
  const topicOffsets = gauge(registry, collectorMetrics.groupLagOffsets);
  const topicSeconds = gauge(registry, collectorMetrics.groupLagSeconds);
  const status = gauge(registry, collectorMetrics.groupStatus);
  const all = [partitionOffsets, partitionSeconds, topicOffsets, topicSeconds, status];
  const spec = collectorMetrics.lagPollDuration;
  const pollDuration =
    existing(registry, spec.name, Histogram) ??
    new Histogram({ name: spec.name, help: spec.help, buckets: [...spec.buckets], registers: [registry] });

  return {
    update(groups) {
      for (const g of all) g.reset();
      for (const g of groups) {
        const byTopic = new Map<string, { lag: number; seconds: number | null }>();
        for (const p of g.partitions) {
          const labels = { group: g.groupId, topic: p.topic, partition: String(p.partition) };
          partitionOffsets.set(labels, p.lag);
          if (p.lagSeconds !== null) partitionSeconds.set(labels, p.lagSeconds);
          const t = byTopic.get(p.topic) ?? { lag: 0, seconds: null };
          t.lag += p.lag;
          if (p.lagSeconds !== null) t.seconds = Math.max(t.seconds ?? 0, p.lagSeconds);
          byTopic.set(p.topic, t);
        }
        for (const [topic, t] of byTopic) {
          topicOffsets.set({ group: g.groupId, topic }, t.lag);
          if (t.seconds !== null) topicSeconds.set({ group: g.groupId, topic }, t.seconds);
        }
        for (const s of LAG_STATUSES) status.set({ group: g.groupId, status: s }, s === g.status ? 1 : 0);
      }
    },
    observePollDuration: (seconds) => pollDuration.observe(seconds),
  };
}
