import { collectorMetrics as m } from '../../../lib/metrics-catalog.ts';
import type { Expr, RecordingDefinition } from '../model.ts';

// Per-topic rates are read by an alert and by several dashboard panels; recording them once turns
// every later read into a cheap instant lookup. Names follow Prometheus's level:metric:operations.

export const recordedSeries = {
  ingestRate: 'topic:causeway_records_ingested:rate5m',
  errorRate: 'topic:causeway_consumer_errors:rate5m',
  dlqArrivalRate: 'dlq_topic:causeway_dlq_records:rate5m',
  chainLatencyP95: 'flow:causeway_chain_latency_seconds:p95_5m',
  ingestDelayP95: 'causeway:ingest_delay_seconds:p95_5m',
} as const;

const rateBy = (metric: string, by: readonly string[]): Expr => ({
  type: 'aggregate',
  op: 'sum',
  by,
  arg: { type: 'range', fn: 'rate', selector: { metric }, window: '5m' },
});

const p95 = (histogram: string, by: readonly string[]): Expr => ({
  type: 'quantile',
  q: 0.95,
  arg: rateBy(`${histogram}_bucket`, ['le', ...by]),
});

export const recordingRules: readonly RecordingDefinition[] = [
  { record: recordedSeries.ingestRate, expr: rateBy(m.recordsIngested.name, ['topic']) },
  { record: recordedSeries.errorRate, expr: rateBy(m.consumerErrors.name, ['topic']) },
  { record: recordedSeries.dlqArrivalRate, expr: rateBy(m.dlqRecords.name, ['dlq_topic']) },
  { record: recordedSeries.chainLatencyP95, expr: p95(m.chainLatency.name, ['flow']) },
  { record: recordedSeries.ingestDelayP95, expr: p95(m.ingestDelay.name, []) },
];
