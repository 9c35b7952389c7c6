import { collectorMetrics as m } from '../../lib/metrics-catalog.ts';
import { recordedSeries as rec } from '../alerts/definitions.ts';

// The overview dashboard's content: rows of panels, each with its PromQL. Layout and Grafana's
// JSON boilerplate live in dashboard.ts. Queries prefer recorded series (computed once by
// Prometheus) and use $__rate_interval so they stay correct at any scrape interval.

export interface PanelSpec {
  readonly title: string;
  readonly type: 'timeseries' | 'stat' | 'table';
  readonly unit: string;
  readonly description: string;
  readonly targets: readonly { readonly expr: string; readonly legend: string }[];
  /** Instant query (tables and stats of current state). */
  readonly instant?: boolean;
}

export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

const topic = 'topic=~"$topic"';
const group = 'group=~"$group"';
const p95 = (histogram: string) =>
  `histogram_quantile(0.95, sum by (le) (rate(${histogram}_bucket[$__rate_interval])))`;

export const rows: readonly RowSpec[] = [
  {
    title: 'Flows overview',
    panels: [
      {
        title: 'Ingest rate by topic',
        type: 'timeseries',
        unit: 'reqps',
        description: 'Records per second the collector stores, per topic (recorded over 5m).',
        targets: [{ expr: `sum by (topic) (${rec.ingestRate}{${topic}})`, legend: '{{topic}}' }],
      },
      {
        title: 'Chain latency p95 by flow',
        type: 'timeseries',
        unit: 's',
        description: 'End-to-end latency of completed business flows, first to last record.',
        targets: [{ expr: rec.chainLatencyP95, legend: '{{flow}}' }],
      },
      {
        title: 'Malformed records and anomalies',
        type: 'timeseries',
        unit: 'reqps',
        description:
          'Records that could not be decoded, and anomalies (duplicates, out of order, late, broken traces).',
        targets: [
          {
            expr: `sum by (problem) (rate(${m.recordsMalformed.name}{${topic}}[$__rate_interval]))`,
            legend: 'malformed: {{problem}}',
          },
          {
            expr: `sum by (kind) (rate(${m.anomalies.name}[$__rate_interval]))`,
            legend: 'anomaly: {{kind}}',
          },
        ],
      },
    ],
  },
  {
    title: 'Consumer lag',
    panels: [
      {
        title: 'Lag (records)',
        type: 'timeseries',
        unit: 'short',
        description: 'Offset lag per consumer group and topic, summed over partitions.',
        targets: [
          {
            expr: `sum by (group, topic) (${m.groupLagOffsets.name}{${group}, ${topic}})`,
            legend: '{{group}} / {{topic}}',
          },
        ],
      },
      {
        title: 'Lag (time)',
        type: 'timeseries',
        unit: 's',
        description: 'Age of the oldest unread record per group and topic (interpolated from watermarks).',
        targets: [
          {
            expr: `max by (group, topic) (${m.groupLagSeconds.name}{${group}, ${topic}})`,
            legend: '{{group}} / {{topic}}',
          },
        ],
      },
      {
        title: 'Group status',
        type: 'table',
        unit: 'none',
        instant: true,
        description: 'Burrow-style status of each group: OK, WARN, STALL, STOP or REWIND.',
        targets: [{ expr: `${m.groupStatus.name}{${group}} == 1`, legend: '{{group}}: {{status}}' }],
      },
      {
        title: 'Error ratio by origin topic',
        type: 'timeseries',
        unit: 'percentunit',
        description: 'Share of records that end up on retry or dead-letter topics.',
        targets: [
          {
            expr: `${rec.errorRate}{${topic}} / ${rec.ingestRate}{${topic}}`,
            legend: '{{topic}}',
          },
        ],
      },
    ],
  },
  {
    title: 'Dead letters',
    panels: [
      {
        title: 'DLQ depth',
        type: 'timeseries',
        unit: 'short',
        description: 'Unresolved dead-letter entries per DLQ topic.',
        targets: [{ expr: `sum by (dlq_topic) (${m.dlqDepth.name})`, legend: '{{dlq_topic}}' }],
      },
      {
        title: 'DLQ arrivals',
        type: 'timeseries',
        unit: 'short',
        description: 'Records arriving on dead-letter topics, by origin.',
        targets: [
          {
            expr: `sum by (dlq_topic, origin_topic) (increase(${m.dlqRecords.name}{origin_topic=~"$topic"}[$__rate_interval]))`,
            legend: '{{origin_topic}} → {{dlq_topic}}',
          },
        ],
      },
      {
        title: 'Oldest unresolved dead letter',
        type: 'timeseries',
        unit: 's',
        description: 'Age of the oldest unresolved entry per DLQ topic.',
        targets: [{ expr: `max by (dlq_topic) (${m.dlqOldestAge.name})`, legend: '{{dlq_topic}}' }],
      },
      {
        title: 'Replays',
        type: 'timeseries',
        unit: 'short',
        description: 'DLQ replays by result.',
        targets: [
          { expr: `sum by (result) (increase(${m.replays.name}[$__rate_interval]))`, legend: '{{result}}' },
        ],
      },
    ],
  },
  {
    title: 'Sagas',
    panels: [
      {
        title: 'Sagas by state',
        type: 'timeseries',
        unit: 'short',
        description: 'Saga instances currently known, by type and state.',
        targets: [{ expr: `sum by (saga_type, state) (${m.sagas.name})`, legend: '{{saga_type}} {{state}}' }],
      },
      {
        title: 'Stuck sagas',
        type: 'stat',
        unit: 'short',
        instant: true,
        description: 'Instances past a step deadline with no transition.',
        targets: [{ expr: `sum by (saga_type) (${m.sagasStuck.name})`, legend: '{{saga_type}}' }],
      },
      {
        title: 'STUCK judged behind',
        type: 'timeseries',
        unit: 's',
        description:
          'How far behind the clock saga deadlines are judged: the collector calls a saga STUCK only once it has read and derived every record up to its deadline (0 when caught up).',
        targets: [{ expr: m.sagaJudgementLag.name, legend: '{{instance}}' }],
      },
      {
        title: 'Compensations',
        type: 'timeseries',
        unit: 'short',
        description: 'Sagas entering COMPENSATING, COMPENSATED or COMPENSATION_FAILED.',
        targets: [
          {
            expr: `sum by (saga_type, state) (increase(${m.sagaTransitions.name}{state=~"COMPENSAT.*"}[$__rate_interval]))`,
            legend: '{{saga_type}} {{state}}',
          },
        ],
      },
    ],
  },
  {
    title: 'Collector health',
    panels: [
      {
        title: 'Collector up',
        type: 'stat',
        unit: 'none',
        instant: true,
        description: 'Whether Prometheus can scrape the collector.',
        targets: [{ expr: 'up{job="causeway-collector"}', legend: '{{instance}}' }],
      },
      {
        title: 'Ingest delay',
        type: 'timeseries',
        unit: 's',
        description: 'Broker timestamp to indexed (p95), and time since the last stored batch.',
        targets: [
          { expr: rec.ingestDelayP95, legend: 'p95 delay' },
          { expr: `time() - ${m.lastIngestTimestamp.name}`, legend: 'since last batch' },
        ],
      },
      {
        title: 'Indexing backlog',
        type: 'timeseries',
        unit: 'short',
        description:
          'Records stored (offsets committed) and not yet indexed: they reach chains, sagas, the DLQ view and search once indexed.',
        targets: [{ expr: m.indexBacklog.name, legend: '{{instance}}' }],
      },
      {
        title: 'Store write and lag poll (p95)',
        type: 'timeseries',
        unit: 's',
        description: 'Duration of one store transaction and of one consumer-lag poll cycle.',
        targets: [
          { expr: p95(m.storeWriteDuration.name), legend: 'store write' },
          { expr: p95(m.lagPollDuration.name), legend: 'lag poll' },
        ],
      },
      {
        title: 'OTLP receiver',
        type: 'timeseries',
        unit: 'reqps',
        description: 'OTLP/HTTP requests by outcome and spans accepted per second.',
        targets: [
          {
            expr: `sum by (outcome) (rate(${m.otlpRequests.name}[$__rate_interval]))`,
            legend: 'requests {{outcome}}',
          },
          { expr: `sum(rate(${m.otlpSpans.name}[$__rate_interval]))`, legend: 'spans' },
        ],
      },
      {
        title: 'Live tail',
        type: 'timeseries',
        unit: 'short',
        description: 'WebSocket clients and records dropped for slow clients.',
        targets: [
          { expr: `sum(${m.wsClients.name})`, legend: 'clients' },
          { expr: `sum(increase(${m.wsDropped.name}[$__rate_interval]))`, legend: 'dropped' },
        ],
      },
    ],
  },
];
