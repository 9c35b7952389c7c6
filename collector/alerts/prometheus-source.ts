import { z } from 'zod';
import {
  alertSchema,
  ruleSchema,
  type AlertsResponse,
  type Rule,
  type RulesResponse,
} from '../../lib/api/alerts.ts';

// Reads alerts and rules from a real Prometheus and returns them in the same shape the native
// evaluator produces, so the console does not care which one answered. Prometheus is outside
// Causeway's trust boundary: every body is parsed, and a surprise becomes an error that names the
// URL and the field, not an `undefined` deep in a React component.

export class PrometheusSourceError extends Error {
  override name = 'PrometheusSourceError';
}

export interface PrometheusSourceOptions {
  /** Base URL, e.g. http://127.0.0.1:9090 (a path prefix such as /prometheus is kept). */
  readonly url: string;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

export interface PrometheusSource {
  readonly url: string;
  alerts(): Promise<AlertsResponse>;
  rules(): Promise<RulesResponse>;
}

const labels = z
  .record(z.string(), z.string())
  .nullish()
  .transform((l) => l ?? {});
const health = z.enum(['ok', 'err', 'unknown']);
const lastError = z
  .string()
  .optional()
  .transform((e) => e || undefined);

const lastEvaluation = z.iso.datetime({ offset: true }).optional();

const rawRule = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('alerting'),
    name: z.string(),
    query: z.string(),
    state: z.enum(['inactive', 'pending', 'firing']),
    duration: z.number(),
    keepFiringFor: z.number().optional(),
    labels,
    annotations: labels,
    health,
    lastError,
    lastEvaluation,
  }),
  z.object({
    type: z.literal('recording'),
    name: z.string(),
    query: z.string(),
    labels,
    health,
    lastError,
    lastEvaluation,
  }),
]);

const success = <T extends z.ZodType>(data: T) => z.object({ status: z.literal('success'), data });
const alertsBody = success(z.object({ alerts: z.array(alertSchema) }));
const rulesBody = success(
  z.object({ groups: z.array(z.object({ name: z.string(), rules: z.array(rawRule) })) }),
);

export function createPrometheusSource(options: PrometheusSourceOptions): PrometheusSource {
  const base = options.url.endsWith('/') ? options.url : `${options.url}/`;
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5000;

  async function get<T extends z.ZodType>(path: string, schema: T): Promise<z.infer<T>> {
    const url = new URL(path, base);
    let response: Response;
    try {
      response = await doFetch(url, {
        signal: AbortSignal.timeout(timeoutMs),
        headers: { accept: 'application/json' },
      });
    } catch (e) {
      throw new PrometheusSourceError(`Prometheus at ${url.href} is unreachable: ${String(e)}`, { cause: e });
    }
    const text = await response.text();
    if (!response.ok) {
      throw new PrometheusSourceError(
        `Prometheus at ${url.href} answered HTTP ${response.status}: ${text.slice(0, 300)}`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new PrometheusSourceError(`Prometheus at ${url.href} answered non-JSON: ${text.slice(0, 300)}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new PrometheusSourceError(
        `Prometheus at ${url.href} answered an unexpected body:\n${z.prettifyError(parsed.error)}`,
      );
    }
    return parsed.data;
  }

  return {
    url: options.url,
    async alerts() {
      const body = await get('api/v1/alerts', alertsBody);
      return { source: 'prometheus', alerts: body.data.alerts };
    },
    async rules() {
      const body = await get('api/v1/rules', rulesBody);
      const rules: Rule[] = body.data.groups.flatMap((g) =>
        g.rules.map((r) => ruleSchema.parse({ ...r, group: g.name })),
      );
      return { source: 'prometheus', rules };
    },
  };
}

const envSchema = z.object({ PROMETHEUS_URL: z.url({ protocol: /^https?$/ }).optional() });

/** A source for PROMETHEUS_URL, or undefined when it is unset (use the native evaluator then). */
export function prometheusSourceFromEnv(
  env: Record<string, string | undefined> = process.env,
  options: Omit<PrometheusSourceOptions, 'url'> = {},
): PrometheusSource | undefined {
  const parsed = envSchema.safeParse({ PROMETHEUS_URL: env.PROMETHEUS_URL || undefined });
  if (!parsed.success) {
    throw new PrometheusSourceError(`PROMETHEUS_URL must be an absolute URL, got "${env.PROMETHEUS_URL}"`);
  }
  return parsed.data.PROMETHEUS_URL
    ? createPrometheusSource({ ...options, url: parsed.data.PROMETHEUS_URL })
    : undefined;
}
