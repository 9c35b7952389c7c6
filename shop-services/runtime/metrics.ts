import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { shopMetrics } from '../../lib/metrics-catalog.ts';

// The shop's Prometheus metrics, named from lib/metrics-catalog.ts so dashboards and alerts
// cannot drift from what the services export. One registry per shop; every series carries a
// `service` label, so the all-in-one (all services, one /metrics) and one-service-per-process
// (Kafka mode) expose the same series.

export interface ShopMetrics {
  readonly registry: Registry;
  readonly produced: Counter<'service' | 'topic'>;
  readonly consumed: Counter<'service' | 'topic' | 'outcome'>;
  readonly handlerDuration: Histogram<'service' | 'topic'>;
  readonly outboxBacklog: Gauge<'service'>;
  readonly orders: Counter<'outcome'>;
}

export type ConsumeOutcome = 'success' | 'retry' | 'dead_letter' | 'duplicate';

export function createShopMetrics(registry: Registry = new Registry()): ShopMetrics {
  const registers = [registry];
  const { produced, consumed, handlerDuration, outboxBacklog, orders } = shopMetrics;
  return {
    registry,
    produced: new Counter({
      name: produced.name,
      help: produced.help,
      labelNames: produced.labels,
      registers,
    }),
    consumed: new Counter({
      name: consumed.name,
      help: consumed.help,
      labelNames: consumed.labels,
      registers,
    }),
    handlerDuration: new Histogram({
      name: handlerDuration.name,
      help: handlerDuration.help,
      labelNames: handlerDuration.labels,
      buckets: [...handlerDuration.buckets],
      registers,
    }),
    outboxBacklog: new Gauge({
      name: outboxBacklog.name,
      help: outboxBacklog.help,
      labelNames: outboxBacklog.labels,
      registers,
    }),
    orders: new Counter({ name: orders.name, help: orders.help, labelNames: orders.labels, registers }),
  };
}
