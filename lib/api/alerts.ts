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

/** An exact label match, as Alertmanager's matchers (regex matchers are not offered). */
export const alertMatcherSchema = z.object({ name: z.string().min(1).max(128), value: z.string().max(1024) });

/**
 * Silence (mute the matching alerts until `durationMs` has passed) or acknowledge (say someone is
 * on it; nothing is muted). Both are audited: who, when, why.
 */
export const alertActionRequestSchema = z
  .object({
    kind: z.enum(['silence', 'ack']),
    matchers: z.array(alertMatcherSchema).min(1).max(30),
    durationMs: z
      .number()
      .int()
      .min(60_000)
      .max(14 * 24 * 3_600_000)
      .optional(),
    comment: z.string().trim().min(3, 'say why, in a few words').max(2000),
    actor: z.string().trim().max(100).optional(),
  })
  .refine((r) => r.kind === 'ack' || r.durationMs !== undefined, {
    message: 'a silence needs durationMs',
    path: ['durationMs'],
  });
export type AlertActionRequest = z.infer<typeof alertActionRequestSchema>;

export const alertActionSchema = z.object({
  id: z.string(),
  kind: z.enum(['silence', 'ack']),
  matchers: z.array(alertMatcherSchema),
  startsAt: z.number(),
  /** When a silence ends; acknowledgements hold until the alert resolves (null). */
  endsAt: z.number().nullable(),
  comment: z.string(),
  createdBy: z.string(),
  /** Where the silence lives: Alertmanager (it mutes notifications) or the collector only. */
  via: z.enum(['alertmanager', 'native']),
  externalId: z.string().nullable(),
});
export type AlertAction = z.infer<typeof alertActionSchema>;

export const alertActionsResponseSchema = z.object({
  /** Where new silences go: Alertmanager when ALERTMANAGER_URL is set, else the collector. */
  silencesVia: z.enum(['alertmanager', 'native']),
  actions: z.array(alertActionSchema),
});
