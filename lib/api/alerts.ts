import { z } from 'zod';

// The alert shapes the console reads. They follow Prometheus's `GET /api/v1/alerts` and
// `/api/v1/rules` so that a Prometheus and the collector's in-process evaluator are
// interchangeable sources; `source` says which one answered.

const labelSet = z.record(z.string(), z.string());

export const alertStateSchema = z.enum(['pending', 'firing']);

export const alertSchema = z.object({
  /** Includes `alertname` and `severity`. */
  labels: labelSet,
  /** Rendered: `summary`, `description`, `runbook_url`. */
  annotations: labelSet,
  state: alertStateSchema,
  /** When the condition first held (ISO 8601; Prometheus may add a zone offset). */
  activeAt: z.iso.datetime({ offset: true }),
  /** The expression's value when last evaluated, formatted as Prometheus does (`1e+00`). */
  value: z.string(),
  /** Set while a resolved alert is held by `keep_firing_for`. */
  keepFiringSince: z.iso.datetime({ offset: true }).optional(),
});
export type Alert = z.infer<typeof alertSchema>;

export const alertSourceSchema = z.enum(['prometheus', 'native']);
export type AlertSource = z.infer<typeof alertSourceSchema>;

export const alertsResponseSchema = z.object({
  source: alertSourceSchema,
  alerts: z.array(alertSchema),
});
export type AlertsResponse = z.infer<typeof alertsResponseSchema>;

export const ruleSchema = z.object({
  /** The rule group (recording, consumers, dlq, sagas, collector). */
  group: z.string(),
  /** Alert name, or the recorded series name. */
  name: z.string(),
  type: z.enum(['alerting', 'recording']),
  /** The PromQL expression. */
  query: z.string(),
  /** Alerting rules only: the most advanced state among its alerts. */
  state: z.enum(['inactive', 'pending', 'firing']).optional(),
  /** `unknown` before the first evaluation, or when the source cannot evaluate the rule at all. */
  health: z.enum(['ok', 'err', 'unknown']),
  lastError: z.string().optional(),
  lastEvaluation: z.iso.datetime({ offset: true }).optional(),
  /** `for:` in seconds. */
  duration: z.number().optional(),
  /** `keep_firing_for:` in seconds. */
  keepFiringFor: z.number().optional(),
  labels: labelSet.default({}),
  annotations: labelSet.optional(),
});
export type Rule = z.infer<typeof ruleSchema>;

export const rulesResponseSchema = z.object({
  source: alertSourceSchema,
  rules: z.array(ruleSchema),
});
export type RulesResponse = z.infer<typeof rulesResponseSchema>;
