import { collectorMetrics as m } from '../../../lib/metrics-catalog.ts';
import { eq, series, type AlertDefinition } from '../model.ts';

export const COLLECTOR_JOB = 'causeway-collector';

export const collectorAlerts: readonly AlertDefinition[] = [
  {
    alert: 'CollectorDown',
    condition: {
      kind: 'threshold',
      series: series('up', eq('job', COLLECTOR_JOB)),
      op: '==',
      value: 0,
    },
    for: '1m',
    severity: 'critical',
    summary: 'Prometheus cannot scrape the Causeway collector {{ $labels.instance }}',
    description:
      'The scrape of {{ $labels.instance }} (job {{ $labels.job }}) fails. Every other Causeway alert is blind while this fires.',
    runbook: {
      meaning: 'The collector process is down or its /metrics endpoint is unreachable from Prometheus.',
      check:
        'Check the collector process or container and its logs; open the target page of Prometheus for the scrape error.',
      fix: 'Restart the collector; if it runs, fix the network path or the scrape address.',
    },
    // `up` is written by Prometheus about the scrape; a process cannot observe its own absence.
    nativeSupported: false,
  },
  {
    alert: 'CollectorNotIngesting',
    condition: { kind: 'stale', series: series(m.lastIngestTimestamp.name), olderThan: '10m' },
    for: '5m',
    severity: 'warning',
    summary: 'The Causeway collector has stored nothing for {{ $value | humanizeDuration }}',
    description:
      'The collector is up but has not written a batch for more than 10 minutes. Either the cluster is idle or the collector lost its consumer.',
    runbook: {
      meaning: 'The console is showing stale data: chains, sagas and DLQ entries stop updating.',
      check:
        "Check whether producers are writing at all (topic high watermarks), then the collector's logs for consumer or store errors and its ingest-delay panel.",
      fix: 'Restore broker connectivity or credentials, free disk space for the store, or restart the collector. On a cluster that is idle by design, silence this alert.',
    },
    nativeSupported: true,
  },
  {
    alert: 'CollectorIndexingBehind',
    condition: {
      kind: 'threshold',
      series: series(m.indexBacklog.name),
      op: '>',
      value: 500_000,
    },
    for: '15m',
    severity: 'warning',
    summary: 'The Causeway collector has {{ $value | humanize }} records stored and not yet indexed',
    description:
      'Records are stored and their offsets committed, but indexing (chains, sagas, DLQ entries, search) has been more than 500k records behind for 15 minutes.',
    runbook: {
      meaning:
        'The console shows chains, sagas and dead letters as they were some time ago; nothing is lost, the backlog is on local disk.',
      check:
        'Compare the ingest rate with the indexing rate (causeway_records_ingested_total vs the backlog trend) and look at the store write duration panel and the disk of DATA_DIR.',
      fix: 'A catch-up after downtime drains by itself; under steady load give the collector faster disk or CPU, or narrow COLLECTOR_TOPIC_INCLUDE to the topics that matter.',
    },
    nativeSupported: true,
  },
  {
    alert: 'OtlpSpansRefused',
    condition: {
      kind: 'increase',
      series: series(m.otlpRequests.name, eq('outcome', 'refused')),
      window: '10m',
      sumBy: [],
      op: '>',
      value: 0,
    },
    for: '2m',
    severity: 'warning',
    summary: 'The collector refused {{ $value | humanize }} OTLP export requests in 10 minutes',
    description:
      'OTLP/HTTP exports to the collector are being refused, so traces lose their spans and chains lose their timing detail.',
    runbook: {
      meaning:
        'Services send spans the collector rejects: a malformed payload, an unsupported encoding, or back-pressure.',
      check:
        "Read the collector's log for the refusal reason and compare the exporters' protocol and content type.",
      fix: 'Configure the exporters for OTLP/HTTP with protobuf or JSON at /v1/traces, or give the collector more headroom if it refuses under load.',
    },
    nativeSupported: true,
  },
];
