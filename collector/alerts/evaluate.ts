import type { Alert, AlertsResponse, Rule } from '../../lib/api/alerts.ts';
import { conditionExpr } from '../../dashboards/alerts/conditions.ts';
import {
  annotationTemplates,
  CONSOLE_URL_LABEL,
  consoleUrlFromEnv,
  ruleGroups,
} from '../../dashboards/alerts/definitions.ts';
import { durationMs } from '../../dashboards/alerts/durations.ts';
import { formatE } from '../../lib/alerts/go-format.ts';
import { renderTemplate } from '../../lib/alerts/go-template.ts';
import type { AlertDefinition, Expr, RuleGroup } from '../../dashboards/alerts/model.ts';
import { rangeMetrics, toPromQL } from '../../dashboards/alerts/promql.ts';
import { flattenMetricsJson, type Labels, type MetricJson, type Sample } from './samples.ts';
import { createSeriesStore, NAME, seriesKey } from './series-store.ts';
import { EvalError, evaluateExpr } from './vector-eval.ts';

// The collector's in-process stand-in for Prometheus's rule manager: same definitions, same
// expressions, same pending → firing → keep_firing_for life cycle, same API shapes. It lets the
// console show alerts in the all-in-one mode where nobody runs a Prometheus.

export interface AlertEvaluatorOptions {
  /** Rule groups to evaluate; defaults to all of definitions.ts. */
  readonly definitions?: readonly RuleGroup[];
  /** Clock for `collect()`; `tick()` takes its time explicitly. */
  readonly now?: () => number;
  /**
   * The `console_url` external label the runbook links are rendered with (Prometheus gets it from
   * its config); defaults to CAUSEWAY_CONSOLE_URL. Empty: relative links.
   */
  readonly consoleUrl?: string;
  /** Bound on kept history per series; at one tick per second this covers 34 minutes. */
  readonly maxPointsPerSeries?: number;
}

export interface AlertEvaluator {
  /** Evaluates every rule at `nowMs` with `samples` as the current scrape. */
  tick(nowMs: number, samples: readonly Sample[]): void;
  /** Scrapes a prom-client registry in-process and ticks at `now()`. */
  collect(registry: { getMetricsAsJSON(): Promise<readonly MetricJson[]> }): Promise<void>;
  /** Pending and firing alerts, as `GET /api/v1/alerts` lists them. */
  alerts(): Alert[];
  alertsResponse(): AlertsResponse;
  /** Every rule with its state and health, as `GET /api/v1/rules` describes them. */
  rules(): Rule[];
}

interface ActiveAlert {
  readonly labels: Labels;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  readonly activeAtMs: number;
  value: number;
  keepFiringSinceMs: number | undefined;
}

interface RuleState {
  readonly group: string;
  readonly name: string;
  readonly expr: Expr;
  readonly query: string;
  readonly alert?: AlertDefinition;
  readonly active: Map<string, ActiveAlert>;
  health: Rule['health'];
  lastError: string | undefined;
  lastEvaluationMs: number | undefined;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const dropName = (labels: Labels): Labels => {
  const { [NAME]: _n, ...rest } = labels;
  return rest;
};

export function createAlertEvaluator(options: AlertEvaluatorOptions = {}): AlertEvaluator {
  const groups = options.definitions ?? ruleGroups;
  const now = options.now ?? Date.now;
  const consoleUrl = options.consoleUrl ?? consoleUrlFromEnv();
  // Prometheus drops an external label with an empty value.
  const externalLabels: Record<string, string> = consoleUrl ? { [CONSOLE_URL_LABEL]: consoleUrl } : {};
  const states: RuleState[] = groups.flatMap((g) =>
    g.kind === 'recording'
      ? g.rules.map((r) => ruleState(g.name, r.record, r.expr))
      : g.rules.map((def) => ruleState(g.name, def.alert, conditionExpr(def.condition), def)),
  );
  const ranges = states.flatMap((s) => rangeMetrics(s.expr));
  const store = createSeriesStore({
    trackedMetrics: new Set(ranges.map((r) => r.metric)),
    retentionMs: Math.max(0, ...ranges.map((r) => r.windowMs)),
    maxPointsPerSeries: options.maxPointsPerSeries ?? 2048,
  });
  let lastTick = -Infinity;

  function ruleState(group: string, name: string, expr: Expr, alert?: AlertDefinition): RuleState {
    const unsupported = alert?.nativeSupported === false;
    return {
      group,
      name,
      expr,
      query: toPromQL(expr),
      ...(alert ? { alert } : {}),
      active: new Map(),
      health: 'unknown',
      lastError: unsupported
        ? 'evaluated by Prometheus only: its input is not visible in-process'
        : undefined,
      lastEvaluationMs: undefined,
    };
  }

  function record(s: RuleState, nowMs: number): void {
    const results = evaluateExpr(s.expr, { nowMs, store });
    store.add(results.map((r) => ({ name: s.name, labels: dropName(r.labels), value: r.value })));
  }

  function evaluateAlert(s: RuleState, def: AlertDefinition, nowMs: number): void {
    const templates = annotationTemplates(def);
    const seen = new Map<string, { labels: Labels; annotations: Record<string, string>; value: number }>();
    for (const r of evaluateExpr(s.expr, { nowMs, store })) {
      const resultLabels = dropName(r.labels);
      const data = { labels: resultLabels, value: r.value, externalLabels };
      const annotations = Object.fromEntries(
        Object.entries(templates).map(([k, t]) => [k, renderTemplate(t, data)]),
      );
      const labels = { ...resultLabels, severity: def.severity, alertname: def.alert };
      const key = seriesKey(labels);
      if (seen.has(key)) {
        throw new EvalError('vector contains metrics with the same labelset after applying alert labels');
      }
      seen.set(key, { labels, annotations, value: r.value });
    }
    for (const [key, result] of seen) {
      const existing = s.active.get(key);
      if (existing) {
        existing.value = result.value;
        existing.annotations = result.annotations;
        existing.keepFiringSinceMs = undefined;
      } else {
        s.active.set(key, { ...result, state: 'pending', activeAtMs: nowMs, keepFiringSinceMs: undefined });
      }
    }
    const holdMs = durationMs(def.for);
    const keepMs = def.keepFiringFor ? durationMs(def.keepFiringFor) : 0;
    for (const [key, a] of s.active) {
      if (!seen.has(key)) {
        // A firing alert whose condition cleared is held for keep_firing_for, counted from the
        // first evaluation that no longer returned it; a pending one is simply dropped.
        if (a.state === 'firing' && keepMs > 0) a.keepFiringSinceMs ??= nowMs;
        const keep = a.keepFiringSinceMs !== undefined && nowMs - a.keepFiringSinceMs < keepMs;
        if (!keep) {
          s.active.delete(key);
          continue;
        }
      }
      if (a.state === 'pending' && nowMs - a.activeAtMs >= holdMs) a.state = 'firing';
    }
  }

  const alerts = (): Alert[] =>
    states.flatMap((s) =>
      [...s.active.values()].map((a) => ({
        labels: { ...a.labels },
        annotations: { ...a.annotations },
        state: a.state,
        activeAt: new Date(a.activeAtMs).toISOString(),
        value: formatE(a.value),
        ...(a.keepFiringSinceMs !== undefined
          ? { keepFiringSince: new Date(a.keepFiringSinceMs).toISOString() }
          : {}),
      })),
    );

  const ruleView = (s: RuleState): Rule => {
    const base = {
      group: s.group,
      name: s.name,
      query: s.query,
      health: s.health,
      ...(s.lastError !== undefined ? { lastError: s.lastError } : {}),
      ...(s.lastEvaluationMs !== undefined
        ? { lastEvaluation: new Date(s.lastEvaluationMs).toISOString() }
        : {}),
    };
    const def = s.alert;
    if (!def) return { ...base, type: 'recording', labels: {} };
    const states = [...s.active.values()].map((a) => a.state);
    return {
      ...base,
      type: 'alerting',
      state: states.includes('firing') ? 'firing' : states.includes('pending') ? 'pending' : 'inactive',
      duration: durationMs(def.for) / 1000,
      // Prometheus reports 0 when unset; so do we, to keep the two sources interchangeable.
      keepFiringFor: def.keepFiringFor ? durationMs(def.keepFiringFor) / 1000 : 0,
      labels: { severity: def.severity },
      annotations: annotationTemplates(def),
    };
  };

  const evaluator: AlertEvaluator = {
    tick(nowMs, samples) {
      // History is append-only in time; a clock going backwards would corrupt every window.
      if (nowMs < lastTick) throw new RangeError(`tick at ${nowMs} is before the previous tick ${lastTick}`);
      lastTick = nowMs;
      store.beginTick(nowMs);
      store.add(samples);
      for (const s of states) {
        if (s.alert?.nativeSupported === false) continue;
        s.lastEvaluationMs = nowMs;
        try {
          if (s.alert) evaluateAlert(s, s.alert, nowMs);
          else record(s, nowMs);
          s.health = 'ok';
          s.lastError = undefined;
        } catch (e) {
          // As in Prometheus, a failing rule keeps its alerts as they were and reports the error.
          s.health = 'err';
          s.lastError = errorText(e);
        }
      }
    },
    async collect(registry) {
      const metrics = await registry.getMetricsAsJSON();
      evaluator.tick(now(), flattenMetricsJson(metrics));
    },
    alerts,
    alertsResponse: () => ({ source: 'native', alerts: alerts() }),
    rules: () => states.map(ruleView),
  };
  return evaluator;
}
