import { collectorMetrics as m } from '../../../lib/metrics-catalog.ts';
import { eq, series, type AlertDefinition } from '../model.ts';

const SPIKE_RECORDS = 50;
const BACKLOG_AGE_SECONDS = 3600;

export const dlqAlerts: readonly AlertDefinition[] = [
  {
    alert: 'DeadLetterRecords',
    condition: {
      kind: 'increase',
      series: series(m.dlqRecords.name),
      window: '5m',
      sumBy: ['dlq_topic', 'origin_topic'],
      op: '>',
      value: 0,
      // The first dead letter of a topic pair after a collector start creates the series.
      newSeries: true,
    },
    // A dead letter is a discrete event: waiting would only delay the news.
    for: '0s',
    severity: 'warning',
    summary: 'Records from {{ $labels.origin_topic }} are arriving on {{ $labels.dlq_topic }}',
    description:
      '{{ $value | humanize }} records from {{ $labels.origin_topic }} arrived on the dead-letter topic {{ $labels.dlq_topic }} in the last 5 minutes.',
    runbook: {
      meaning: 'A consumer gave up on records after its retries and parked them on a dead-letter topic.',
      check:
        'Open the DLQ view for the topic: the exception, the original partition and offset, and the saga and chain each record belongs to.',
      fix: 'Fix the cause, then replay the entries from the console (dry-run first) or discard those that must not be processed.',
    },
    nativeSupported: true,
  },
  {
    alert: 'DeadLetterSpike',
    condition: {
      kind: 'increase',
      series: series(m.dlqRecords.name),
      window: '10m',
      sumBy: ['dlq_topic'],
      op: '>',
      value: SPIKE_RECORDS,
    },
    for: '2m',
    keepFiringFor: '10m',
    severity: 'critical',
    summary: '{{ $value | humanize }} dead letters on {{ $labels.dlq_topic }} in 10 minutes',
    description: `More than ${SPIKE_RECORDS} records reached {{ $labels.dlq_topic }} within 10 minutes: failures are systematic, not isolated.`,
    runbook: {
      meaning: 'A whole class of records is failing: a deploy, a schema change or a dependency outage.',
      check:
        'Group the DLQ entries by exception and by producer; correlate the start time with deploys and with schema changes on the origin topic.',
      fix: 'Roll back or fix the change, restore the dependency, then replay in batches while watching the consumer error ratio.',
    },
    nativeSupported: true,
  },
  {
    alert: 'DeadLetterBacklogAging',
    condition: {
      kind: 'threshold',
      series: series(m.dlqOldestAge.name),
      op: '>',
      value: BACKLOG_AGE_SECONDS,
    },
    for: '15m',
    severity: 'warning',
    summary: 'The oldest dead letter on {{ $labels.dlq_topic }} has waited {{ $value | humanizeDuration }}',
    description: `An entry on {{ $labels.dlq_topic }} has been unresolved for more than ${BACKLOG_AGE_SECONDS / 3600} hour; dead letters that nobody handles become data loss when retention deletes them.`,
    runbook: {
      meaning: 'Dead letters are accumulating without anyone replaying or discarding them.',
      check:
        'Open the DLQ view sorted by age and check whether the cause of the oldest entries has been fixed.',
      fix: 'Replay what can be replayed, discard (with a reason) what must not be, and assign an owner for the topic.',
    },
    nativeSupported: true,
  },
  {
    alert: 'ReplayFailures',
    condition: {
      kind: 'increase',
      series: series(m.replays.name, eq('result', 'failed')),
      window: '15m',
      sumBy: [],
      op: '>',
      value: 0,
      // The first failed replay after a collector start creates the series.
      newSeries: true,
    },
    for: '0s',
    severity: 'warning',
    summary: '{{ $value | humanize }} DLQ replays failed in the last 15 minutes',
    description:
      'Replaying dead letters to their origin topic failed; the entries stay unresolved and may have been partially re-produced.',
    runbook: {
      meaning: 'The collector could not produce replayed records back to the origin topic.',
      check:
        "Look at the replay history of the failed entries in the DLQ view and at the collector's logs for the produce error.",
      fix: 'Fix broker connectivity or ACLs for the collector, then retry the replay; replays are idempotent per entry.',
    },
    nativeSupported: true,
  },
];
