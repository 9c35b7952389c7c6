import { collectorMetrics as m } from '../../../lib/metrics-catalog.ts';
import { series, type AlertDefinition } from '../model.ts';
import { recordedSeries } from './recording.ts';

// Thresholds are named so the descriptions quote the same numbers the conditions use.
const LAG_OFFSETS = 10_000;
const LAG_SECONDS = 300;
const GROWING_MIN_LAG = 1_000;
const ERROR_RATIO = 0.05;
/** Records per second on the origin topic below which an error ratio is noise (≈15 per 5 min). */
const ERROR_RATIO_MIN_RATE = 0.05;

const status = (value: string) =>
  ({ kind: 'status', series: series(m.groupStatus.name), status: value }) as const;

export const consumerAlerts: readonly AlertDefinition[] = [
  {
    alert: 'ConsumerLagHigh',
    condition: { kind: 'threshold', series: series(m.groupLagOffsets.name), op: '>', value: LAG_OFFSETS },
    for: '10m',
    severity: 'warning',
    summary:
      'Consumer group {{ $labels.group }} is {{ $value | humanize }} records behind on {{ $labels.topic }}',
    description: `The offset lag of group {{ $labels.group }} on topic {{ $labels.topic }}, summed over its partitions, has been above ${LAG_OFFSETS} records for 10 minutes.`,
    runbook: {
      meaning:
        'The group commits more slowly than producers write to the topic, so unprocessed records pile up.',
      check:
        'Open the group in the console Consumers view: is the lag on every partition or on one (a hot key)? Compare the produce rate on the Flows overview with the group throughput.',
      fix: 'Scale the consumers up to the partition count, speed up the handler (batching, fewer remote calls), or add partitions if the group is already at one consumer per partition.',
    },
    nativeSupported: true,
  },
  {
    alert: 'ConsumerLagSecondsHigh',
    condition: { kind: 'threshold', series: series(m.groupLagSeconds.name), op: '>', value: LAG_SECONDS },
    for: '5m',
    // Time lag is interpolated from watermark history and jumps when a burst is produced.
    keepFiringFor: '5m',
    severity: 'critical',
    summary:
      'Consumer group {{ $labels.group }} is {{ $value | humanizeDuration }} behind on {{ $labels.topic }}',
    description: `The oldest unread record of group {{ $labels.group }} on {{ $labels.topic }} was produced {{ $value | humanizeDuration }} ago (limit ${LAG_SECONDS}s). Users see this delay directly.`,
    runbook: {
      meaning:
        'Records wait longer than the service level allows before the group reads them; downstream state is that much out of date.',
      check:
        'Check whether the offset lag is also high (throughput problem) or low (a slow trickle topic whose consumer is idle or stuck). Look at the partition with the largest lag.',
      fix: 'Same remedies as for offset lag; for a stuck partition, find the record at the committed offset in the console and check the handler logs for it.',
    },
    nativeSupported: true,
  },
  {
    alert: 'ConsumerLagGrowing',
    condition: {
      kind: 'slope',
      series: series(m.groupLagOffsets.name),
      window: '10m',
      value: 0,
      minLevel: GROWING_MIN_LAG,
    },
    for: '10m',
    severity: 'warning',
    summary:
      'Lag of {{ $labels.group }} on {{ $labels.topic }} keeps growing ({{ $value | humanize }} records/s)',
    description: `The offset lag of group {{ $labels.group }} on {{ $labels.topic }} is above ${GROWING_MIN_LAG} and has been rising for 20 minutes. It will not recover without intervention.`,
    runbook: {
      meaning:
        'The group is consistently slower than its producers; this fires before the lag threshold does.',
      check:
        'Look at the lag chart for the group: a steady slope is a capacity problem, a sudden step is a burst or a rebalance.',
      fix: 'Add consumer instances (up to the partition count) or reduce per-record work. If a rebalance loop is the cause, check session and poll timeouts.',
    },
    nativeSupported: true,
  },
  {
    alert: 'ConsumerStalled',
    condition: status('STALL'),
    for: '2m',
    // Burrow's window slides one commit at a time, so STALL and WARN can alternate.
    keepFiringFor: '5m',
    severity: 'critical',
    summary: 'Consumer group {{ $labels.group }} has stalled',
    description:
      'Group {{ $labels.group }} is still committing, but its committed offsets no longer move while lag is above zero.',
    runbook: {
      meaning:
        'The consumers are alive but make no progress: typically one record that fails and is retried forever (a poison pill) or a handler blocked on a dependency.',
      check:
        'In the Consumers view find the partitions whose offset does not move, then open the record at the committed offset and its chain.',
      fix: 'Fix or skip the poison record (send it to the dead-letter topic), or restore the blocked dependency. Configure a bounded retry with a dead-letter topic so one record cannot stall a partition again.',
    },
    nativeSupported: true,
  },
  {
    alert: 'ConsumerStopped',
    condition: status('STOP'),
    for: '5m',
    severity: 'critical',
    summary: 'Consumer group {{ $labels.group }} has stopped committing',
    description:
      'Group {{ $labels.group }} has not committed for longer than its evaluation window while records wait to be read.',
    runbook: {
      meaning:
        'No member of the group is consuming: the service is down, crashed, or lost its group membership.',
      check:
        'Check whether the service instances are running and what their last log lines say; look at the group members.',
      fix: 'Restart or redeploy the consumers. If they run but do not join, check credentials, ACLs and the group id.',
    },
    nativeSupported: true,
  },
  {
    alert: 'ConsumerRewound',
    condition: status('REWIND'),
    for: '0s',
    // A rewind is a moment, not a state: keep it visible long enough for someone to notice.
    keepFiringFor: '15m',
    severity: 'info',
    summary: 'Consumer group {{ $labels.group }} moved its offsets backwards',
    description:
      'A committed offset of group {{ $labels.group }} went backwards, so records will be processed again.',
    runbook: {
      meaning:
        'Someone reset the offsets, or a consumer committed an older offset. Records will be reprocessed.',
      check: 'Confirm whether the reset was deliberate (a replay) and which partitions it touched.',
      fix: 'Nothing if deliberate; make sure the handlers are idempotent. If not deliberate, find the client that commits stale offsets.',
    },
    nativeSupported: true,
  },
  {
    alert: 'ConsumerErrorRatioHigh',
    condition: {
      kind: 'ratio',
      numerator: { recorded: recordedSeries.errorRate },
      denominator: { recorded: recordedSeries.ingestRate },
      op: '>',
      value: ERROR_RATIO,
      minDenominator: ERROR_RATIO_MIN_RATE,
    },
    for: '10m',
    severity: 'warning',
    summary:
      '{{ $value | humanizePercentage }} of records on {{ $labels.topic }} go to retry or dead-letter topics',
    description: `Records from {{ $labels.topic }} arrive on its retry and dead-letter topics at more than ${ERROR_RATIO * 100}% of the topic's own rate.`,
    runbook: {
      meaning: 'Consumers of this topic fail on a significant share of records.',
      check:
        'Open the DLQ view filtered on the origin topic and group the entries by exception: one dominant error points at a bug or a bad producer.',
      fix: 'Fix the handler or the producer, then replay the dead letters from the console once the fix is deployed.',
    },
    nativeSupported: true,
  },
];
