import { collectorMetrics as m } from '../../../lib/metrics-catalog.ts';
import { eq, series, type AlertDefinition } from '../model.ts';

// Schema drift (collector/schemas/drift.ts): the collector flags records whose schema removed a
// field or changed a field's type against the schema their topic and event type used before.

export const schemaAlerts: readonly AlertDefinition[] = [
  {
    alert: 'SchemaIncompatibleChange',
    condition: {
      kind: 'increase',
      series: series(m.recordsMalformed.name, eq('problem', 'schema_incompatible')),
      window: '15m',
      sumBy: ['topic'],
      op: '>',
      value: 0,
    },
    // A producer switching schema is a discrete event: say so at once.
    for: '0s',
    severity: 'warning',
    summary: 'A producer on {{ $labels.topic }} changed its schema incompatibly',
    description:
      '{{ $value | humanize }} records on {{ $labels.topic }} in the last 15 minutes removed a field or changed its type against the schema the topic used before.',
    runbook: {
      meaning:
        'Consumers written against the previous schema may fail on these records (dead letters follow) or silently read missing fields as empty.',
      check:
        "Open a flagged record in the console: its problems name the schema ids or the fields that changed. Check the topic's schema history panel and the producer's recent deploys.",
      fix: 'Roll the producer back, or make the change compatible (add fields with defaults instead of removing or retyping them) and let consumers upgrade first.',
    },
    nativeSupported: true,
  },
];
