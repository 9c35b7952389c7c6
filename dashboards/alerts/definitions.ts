import { z } from 'zod';
import { collectorAlerts } from './groups/collector.ts';
import { consumerAlerts } from './groups/consumers.ts';
import { dlqAlerts } from './groups/dlq.ts';
import { recordingRules } from './groups/recording.ts';
import { sagaAlerts } from './groups/sagas.ts';
import { schemaAlerts } from './groups/schemas.ts';
import type { AlertDefinition, RuleGroup, Runbook, Severity } from './model.ts';

// The single source of truth for Causeway's alerting: the Prometheus rules file, the in-process
// evaluator and the console's runbook pages are all derived from these groups.

export { recordedSeries } from './groups/recording.ts';

export const ruleGroups: readonly RuleGroup[] = [
  { name: 'recording', kind: 'recording', rules: recordingRules },
  { name: 'consumers', kind: 'alerting', rules: consumerAlerts },
  { name: 'dlq', kind: 'alerting', rules: dlqAlerts },
  { name: 'sagas', kind: 'alerting', rules: sagaAlerts },
  { name: 'collector', kind: 'alerting', rules: collectorAlerts },
  { name: 'schemas', kind: 'alerting', rules: schemaAlerts },
];

export const alertDefinitions: readonly AlertDefinition[] = ruleGroups.flatMap((g) =>
  g.kind === 'alerting' ? g.rules : [],
);

export const DEFAULT_CONSOLE_URL = 'http://127.0.0.1:3000';

/**
 * The Prometheus external label holding the console's base URL. The shipped rules link runbooks
 * as `{{ $externalLabels.console_url }}/alerts/runbook/<Alert>`, so each deployment sets its
 * console URL in its Prometheus config (`global.external_labels`), not in the rule file; without
 * the label the link is relative.
 */
export const CONSOLE_URL_LABEL = 'console_url';
const CONSOLE_URL_TEMPLATE = `{{ $externalLabels.${CONSOLE_URL_LABEL} }}`;

/**
 * The console base URL the collector's native evaluator uses as its `console_url`
 * (CAUSEWAY_CONSOLE_URL, default http://127.0.0.1:3000).
 */
export function consoleUrlFromEnv(env: Record<string, string | undefined> = process.env): string {
  const parsed = z
    .url({ protocol: /^https?$/ })
    .optional()
    .safeParse(env.CAUSEWAY_CONSOLE_URL || undefined);
  if (!parsed.success) {
    throw new Error(`CAUSEWAY_CONSOLE_URL must be an absolute URL, got "${env.CAUSEWAY_CONSOLE_URL}"`);
  }
  return (parsed.data ?? DEFAULT_CONSOLE_URL).replace(/\/+$/, '');
}

export const runbookPath = (alert: string): string => `/alerts/runbook/${encodeURIComponent(alert)}`;

/**
 * The annotations Prometheus (and the native evaluator) attach to an alert, before templating.
 * The runbook link's base is the `console_url` external label, or `consoleUrl` when one is given
 * (a rule file made for one deployment).
 */
export function annotationTemplates(def: AlertDefinition, consoleUrl?: string): Record<string, string> {
  return {
    summary: def.summary,
    description: def.description,
    runbook_url: `${consoleUrl ?? CONSOLE_URL_TEMPLATE}${runbookPath(def.alert)}`,
  };
}

export interface RunbookEntry extends Runbook {
  readonly alert: string;
  readonly severity: Severity;
  /** The summary template, for a heading; `$labels` are not known on the runbook page. */
  readonly summary: string;
}

/** What the console renders at /alerts/runbook/<AlertName>. */
export const runbooks: Readonly<Record<string, RunbookEntry>> = Object.freeze(
  Object.fromEntries(
    alertDefinitions.map((d) => [
      d.alert,
      { alert: d.alert, severity: d.severity, summary: d.summary, ...d.runbook },
    ]),
  ),
);
