import type { Registry } from 'prom-client';
import type { AlertsResponse, RulesResponse } from '../../lib/api/alerts.ts';
import type { Logger } from '../../lib/logger.ts';
import { createAlertEvaluator } from './evaluate.ts';
import { createPrometheusSource } from './prometheus-source.ts';
import { ruleGroups } from '../../dashboards/alerts/definitions.ts';
import { scaleDurations } from '../../dashboards/alerts/durations.ts';

// Where `GET /api/alerts` gets its answer: a Prometheus when PROMETHEUS_URL is set (it evaluates
// the generated rules), else the in-process evaluator (evaluate.ts) ticking over this
// collector's own registry, else nothing (native, empty).

/** Pluggable: only `list` is required; the collector starts / stops a source that has a clock. */
export interface AlertsSource {
  list(): Promise<AlertsResponse>;
  rules?(): Promise<RulesResponse>;
  start?(): void;
  stop?(): void;
}

export const noAlerts = (): AlertsSource => ({
  list: () => Promise.resolve({ source: 'native', alerts: [] }),
  rules: () => Promise.resolve({ source: 'native', rules: [] }),
  start: () => undefined,
  stop: () => undefined,
});

export function createAlertsSource(opts: {
  prometheusUrl: string | undefined;
  native: boolean;
  registry: Registry;
  logger: Logger;
  now: () => number;
  tickMs?: number;
  durationScale?: number;
}): AlertsSource {
  if (opts.prometheusUrl) {
    const prom = createPrometheusSource({ url: opts.prometheusUrl, timeoutMs: 3000 });
    return {
      list: () => prom.alerts(),
      rules: () => prom.rules(),
      start: () => undefined,
      stop: () => undefined,
    };
  }
  if (!opts.native) return noAlerts();
  const evaluator = createAlertEvaluator({
    now: opts.now,
    ...(opts.durationScale !== undefined && opts.durationScale !== 1
      ? { definitions: scaleDurations(ruleGroups, opts.durationScale) }
      : {}),
  });
  const log = opts.logger.child({ component: 'alerts' });
  let timer: NodeJS.Timeout | undefined;
  let ticking = false;
  const tick = async () => {
    if (ticking) return;
    ticking = true;
    try {
      await evaluator.collect(opts.registry);
    } catch (err) {
      log.warn({ err }, 'native alert evaluation failed');
    } finally {
      ticking = false;
    }
  };
  return {
    list: () => Promise.resolve(evaluator.alertsResponse()),
    rules: () => Promise.resolve({ source: 'native', rules: evaluator.rules() }),
    start() {
      void tick();
      timer ??= setInterval(() => void tick(), opts.tickMs ?? 5000);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
