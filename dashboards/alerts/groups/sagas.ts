import { collectorMetrics as m } from '../../../lib/metrics-catalog.ts';
import { eq, re, series, type AlertDefinition } from '../model.ts';

const COMPENSATION_RATIO = 0.2;
/** Finished sagas per window below which a compensation ratio is anecdote, not signal. */
const COMPENSATION_MIN_FINISHED = 10;

export const sagaAlerts: readonly AlertDefinition[] = [
  {
    alert: 'SagaStuck',
    condition: { kind: 'threshold', series: series(m.sagasStuck.name), op: '>', value: 0 },
    for: '5m',
    severity: 'warning',
    summary: '{{ $value }} {{ $labels.saga_type }} saga(s) are stuck',
    description:
      'Saga instances of type {{ $labels.saga_type }} are past a step deadline without any transition: an order (or whatever they carry) is waiting for a reply that does not come.',
    runbook: {
      meaning:
        'A participant did not answer a saga step in time, so the business flow is neither completed nor compensated.',
      check:
        "Open the Sagas view filtered on STUCK: the step it waits for names the service; then check that service's consumer lag and DLQ.",
      fix: 'Restore the participant so it processes the pending command, or replay its dead letters. If a deadline is too tight for normal latency, raise it in the saga definition.',
    },
    nativeSupported: true,
  },
  {
    alert: 'SagaStuckJudgementBehind',
    condition: {
      kind: 'threshold',
      series: series(m.sagaJudgementLag.name),
      op: '>',
      value: 600,
    },
    for: '10m',
    severity: 'warning',
    summary: 'Saga deadlines are judged {{ $value | humanizeDuration }} behind the clock',
    description:
      'The collector has not yet read and derived every record of the last {{ $value | humanizeDuration }}, so a saga that passed its deadline within that time is not called STUCK yet: SagaStuck is late by as much.',
    runbook: {
      meaning:
        'STUCK is judged only up to where the collector has every record (so that a saga whose reply waits in its backlog is not called STUCK); while it is far behind, stuck sagas are found late.',
      check:
        "Look at the collector's consumer lag and causeway_index_backlog_records, and at stuckJudgedThrough in /api/health: +Inf means a backlog an earlier run left, of unknown time, is still being indexed.",
      fix: 'A catch-up after downtime ends by itself; under steady load give the collector more CPU or faster disk, or narrow COLLECTOR_TOPIC_INCLUDE. Meanwhile read the Sagas view by age (RUNNING older than the deadlines you expect).',
    },
    nativeSupported: true,
  },
  {
    alert: 'SagaCompensationRatioHigh',
    condition: {
      kind: 'ratio',
      numerator: {
        fn: 'increase',
        series: series(m.sagaTransitions.name, eq('state', 'COMPENSATED')),
        window: '30m',
        sumBy: ['saga_type'],
      },
      denominator: {
        fn: 'increase',
        series: series(m.sagaTransitions.name, re('state', 'COMPLETED|COMPENSATED')),
        window: '30m',
        sumBy: ['saga_type'],
      },
      op: '>',
      value: COMPENSATION_RATIO,
      minDenominator: COMPENSATION_MIN_FINISHED,
    },
    for: '10m',
    severity: 'warning',
    summary: '{{ $value | humanizePercentage }} of {{ $labels.saga_type }} sagas end compensated',
    description: `More than ${COMPENSATION_RATIO * 100}% of the {{ $labels.saga_type }} sagas that finished in the last 30 minutes were rolled back by compensation instead of completing.`,
    runbook: {
      meaning:
        'Business flows fail and are undone more often than usual: payments declined, stock missing, or a step erroring.',
      check:
        'In the Sagas view, group compensated instances by the step that failed and read its failure event.',
      fix: 'If one step dominates, fix that service or its dependency; if failures are business outcomes (declines), confirm with the owning team before treating it as an incident.',
    },
    nativeSupported: true,
  },
  {
    alert: 'SagaCompensationFailed',
    condition: {
      kind: 'increase',
      series: series(m.sagaTransitions.name, eq('state', 'COMPENSATION_FAILED')),
      window: '15m',
      sumBy: ['saga_type'],
      op: '>',
      value: 0,
    },
    for: '0s',
    keepFiringFor: '30m',
    severity: 'critical',
    summary: 'A saga of type {{ $labels.saga_type }} failed to compensate',
    description:
      '{{ $value | humanize }} {{ $labels.saga_type }} saga(s) could not undo their completed steps in the last 15 minutes; the system is left inconsistent until someone intervenes.',
    runbook: {
      meaning:
        'A compensation step failed, so a partially applied flow (e.g. a charged but unshipped order) remains.',
      check:
        'Open the Sagas view filtered on COMPENSATION_FAILED and read which compensation failed and why.',
      fix: 'Repair the data by hand or rerun the compensation once its cause is fixed; compensations must be retryable and idempotent.',
    },
    nativeSupported: true,
  },
];
