// The names of every Prometheus metric the collector exports, in one place: the collector
// registers them from here, and the alert rules and Grafana dashboards in dashboards/ refer to
// them from here, so a rename cannot silently break an alert. Labels are bounded (topic, group,
// partition, status, kind, outcome, saga type); ids never become labels.

export type MetricKind = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec {
  readonly name: string;
  readonly kind: MetricKind;
  readonly help: string;
  readonly labels: readonly string[];
  readonly buckets?: readonly number[];
}

const spec = <const T extends MetricSpec>(s: T): T => s;

export const collectorMetrics = {
  recordsIngested: spec({
    name: 'causeway_records_ingested_total',
    kind: 'counter',
    help: 'Records consumed from the cluster and written to the store, by topic and outcome (stored, duplicate).',
    labels: ['topic', 'outcome'],
  }),
  recordsMalformed: spec({
    name: 'causeway_records_malformed_total',
    kind: 'counter',
    help: 'Stored records whose value or headers could not be decoded, or whose schema drifted, by topic and problem (not_json, not_utf8, truncated, bad_traceparent, bad_header, not_decoded, schema_changed, schema_incompatible).',
    labels: ['topic', 'problem'],
  }),
  ingestDelay: spec({
    name: 'causeway_ingest_delay_seconds',
    kind: 'histogram',
    help: 'Time from the broker timestamp of a record to the moment the collector indexed it (visible in the API and the tail).',
    labels: [],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  }),
  storeWriteDuration: spec({
    name: 'causeway_store_write_duration_seconds',
    kind: 'histogram',
    help: 'Duration of one indexing transaction (landed records decoded, derived and indexed together).',
    labels: [],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
  }),
  indexBacklog: spec({
    name: 'causeway_index_backlog_records',
    kind: 'gauge',
    help: 'Records landed in the store (offsets committed) and not yet decoded and indexed; they reach the API and the tail once indexed.',
    labels: [],
  }),
  sagaJudgementLag: spec({
    name: 'causeway_saga_judgement_lag_seconds',
    kind: 'gauge',
    help: 'How far behind the clock saga deadlines are judged (STUCK): 0 when every record is read and derived, growing while the collector catches up (consumer lag, indexing backlog); +Inf while records of unknown time wait. A saga past its deadline within this window is not yet STUCK.',
    labels: [],
  }),
  batchesQuarantined: spec({
    name: 'causeway_ingest_quarantined_batches_total',
    kind: 'counter',
    help: 'Landed batches set aside because indexing failed on them again and again (or they crashed the indexer): each is stored as one record holding its bytes, with the reason as a problem.',
    labels: ['topic'],
  }),
  lastIngestTimestamp: spec({
    name: 'causeway_last_ingest_timestamp_seconds',
    kind: 'gauge',
    help: 'Unix time of the last batch the collector stored.',
    labels: [],
  }),
  consumerLagOffsets: spec({
    name: 'causeway_consumer_lag_offsets',
    kind: 'gauge',
    help: 'High watermark minus committed offset, per consumer group, topic and partition.',
    labels: ['group', 'topic', 'partition'],
  }),
  consumerLagSeconds: spec({
    name: 'causeway_consumer_lag_seconds',
    kind: 'gauge',
    help: 'Estimated age of the next record a group will read, interpolated from the high-watermark history.',
    labels: ['group', 'topic', 'partition'],
  }),
  groupLagOffsets: spec({
    name: 'causeway_consumer_group_lag_offsets',
    kind: 'gauge',
    help: 'Sum of offset lag over the partitions of a topic for one consumer group.',
    labels: ['group', 'topic'],
  }),
  groupLagSeconds: spec({
    name: 'causeway_consumer_group_lag_seconds',
    kind: 'gauge',
    help: 'Largest time lag over the partitions of a topic for one consumer group.',
    labels: ['group', 'topic'],
  }),
  groupStatus: spec({
    name: 'causeway_consumer_group_status',
    kind: 'gauge',
    help: 'Burrow-style evaluation of a consumer group: 1 for its current status (OK, WARN, STALL, STOP, REWIND), 0 for the others.',
    labels: ['group', 'status'],
  }),
  lagPollDuration: spec({
    name: 'causeway_lag_poll_duration_seconds',
    kind: 'histogram',
    help: 'Duration of one full consumer-lag poll cycle over all groups.',
    labels: [],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
  }),
  consumerErrors: spec({
    name: 'causeway_consumer_errors_total',
    kind: 'counter',
    help: 'Records that arrived on a retry or dead-letter topic, attributed to their origin topic.',
    labels: ['topic', 'kind'],
  }),
  dlqRecords: spec({
    name: 'causeway_dlq_records_total',
    kind: 'counter',
    help: 'Records that arrived on a dead-letter topic.',
    labels: ['dlq_topic', 'origin_topic'],
  }),
  dlqDepth: spec({
    name: 'causeway_dlq_depth',
    kind: 'gauge',
    help: 'Dead-letter entries not yet resolved (replayed successfully or discarded), per DLQ topic.',
    labels: ['dlq_topic'],
  }),
  dlqOldestAge: spec({
    name: 'causeway_dlq_oldest_unresolved_age_seconds',
    kind: 'gauge',
    help: 'Age of the oldest unresolved dead-letter entry, per DLQ topic.',
    labels: ['dlq_topic'],
  }),
  replays: spec({
    name: 'causeway_replays_total',
    kind: 'counter',
    help: 'DLQ replays by result (succeeded, failed, refused, dry_run).',
    labels: ['result'],
  }),
  sagas: spec({
    name: 'causeway_sagas',
    kind: 'gauge',
    help: 'Saga instances currently known, by saga type and state.',
    labels: ['saga_type', 'state'],
  }),
  sagasStuck: spec({
    name: 'causeway_sagas_stuck',
    kind: 'gauge',
    help: 'Saga instances past a step deadline with no transition, by saga type.',
    labels: ['saga_type'],
  }),
  sagaTransitions: spec({
    name: 'causeway_saga_transitions_total',
    kind: 'counter',
    help: 'Saga instances entering a state, by saga type and state.',
    labels: ['saga_type', 'state'],
  }),
  chainLatency: spec({
    name: 'causeway_chain_latency_seconds',
    kind: 'histogram',
    help: 'End-to-end latency of completed business flows (first to last record of a chain), by flow.',
    labels: ['flow'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  }),
  anomalies: spec({
    name: 'causeway_anomalies_total',
    kind: 'counter',
    help: 'Anomalies detected in traffic, by kind (duplicate, out_of_order, late, broken_trace).',
    labels: ['kind'],
  }),
  otlpSpans: spec({
    name: 'causeway_otlp_spans_received_total',
    kind: 'counter',
    help: 'Spans accepted by the OTLP/HTTP receiver.',
    labels: [],
  }),
  otlpRequests: spec({
    name: 'causeway_otlp_requests_total',
    kind: 'counter',
    help: 'OTLP/HTTP export requests by outcome (accepted, refused).',
    labels: ['outcome'],
  }),
  wsClients: spec({
    name: 'causeway_ws_clients',
    kind: 'gauge',
    help: 'Live-tail WebSocket clients connected.',
    labels: [],
  }),
  wsDropped: spec({
    name: 'causeway_ws_dropped_records_total',
    kind: 'counter',
    help: 'Live-tail records dropped for slow WebSocket clients (drop-oldest).',
    labels: [],
  }),
} as const satisfies Record<string, MetricSpec>;

/** Metrics every shop service exports on its own /metrics (prefixed shop_). */
export const shopMetrics = {
  produced: spec({
    name: 'shop_messages_produced_total',
    kind: 'counter',
    help: 'Records produced, by service and topic.',
    labels: ['service', 'topic'],
  }),
  consumed: spec({
    name: 'shop_messages_consumed_total',
    kind: 'counter',
    help: 'Records handled, by service, topic and outcome (success, retry, dead_letter, duplicate).',
    labels: ['service', 'topic', 'outcome'],
  }),
  handlerDuration: spec({
    name: 'shop_handler_duration_seconds',
    kind: 'histogram',
    help: 'Handler duration per record, by service and topic.',
    labels: ['service', 'topic'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  }),
  outboxBacklog: spec({
    name: 'shop_outbox_backlog',
    kind: 'gauge',
    help: 'Outbox rows not yet acknowledged by the broker, by service.',
    labels: ['service'],
  }),
  orders: spec({
    name: 'shop_orders_total',
    kind: 'counter',
    help: 'Orders by final outcome (placed, confirmed, cancelled).',
    labels: ['outcome'],
  }),
} as const satisfies Record<string, MetricSpec>;
