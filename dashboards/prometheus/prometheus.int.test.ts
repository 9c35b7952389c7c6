import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../lib/api/alerts.ts';
import { collectorMetrics as m } from '../../lib/metrics-catalog.ts';
import {
  alertDefinitions,
  CONSOLE_URL_LABEL,
  DEFAULT_CONSOLE_URL,
  ruleGroups,
} from '../alerts/definitions.ts';
import { scaleDurations } from '../alerts/durations.ts';
import { createAlertEvaluator } from '../../collector/alerts/evaluate.ts';
import { renderRulesFile } from '../alerts/generate.ts';
import { createPrometheusSource } from '../../collector/alerts/prometheus-source.ts';
import { startPrometheus, type RunningPrometheus } from './prometheus-harness.ts';

// The generated rules in a real Prometheus, scraping a small exporter that stands in for the
// collector: a STALL status and a rising dead-letter counter must make ConsumerStalled and
// DeadLetterRecords fire, and the native evaluator fed from the same registry must agree.

// `for:` durations in seconds instead of minutes; expressions and windows are unchanged.
const SCALE = 1 / 60;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: Error | undefined;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      last = e instanceof Error ? e : new Error(String(e));
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`Timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

const firing = (alerts: readonly Alert[], name: string) =>
  alerts.find((a) => a.state === 'firing' && a.labels.alertname === name);

/** Labels as the rule produced them, without the target labels Prometheus adds to every scrape. */
const ruleLabels = ({ instance: _i, job: _j, ...rest }: Record<string, string>) => rest;

describe('generated rules in a live Prometheus', () => {
  const registry = new Registry();
  const status = new Gauge({
    name: m.groupStatus.name,
    help: m.groupStatus.help,
    labelNames: m.groupStatus.labels,
    registers: [registry],
  });
  const dlq = new Counter({
    name: m.dlqRecords.name,
    help: m.dlqRecords.help,
    labelNames: m.dlqRecords.labels,
    registers: [registry],
  });
  const native = createAlertEvaluator({
    definitions: scaleDurations(ruleGroups, SCALE),
    consoleUrl: DEFAULT_CONSOLE_URL,
  });
  let exporter: Server;
  let prometheus: RunningPrometheus | undefined;
  let timer: NodeJS.Timeout;

  beforeAll(async () => {
    status.set({ group: 'g1', status: 'STALL' }, 1);
    status.set({ group: 'g1', status: 'OK' }, 0);
    dlq.inc({ dlq_topic: 'orders-dlt', origin_topic: 'orders' }, 0);
    // One dead letter every 500ms, and one native evaluation per second, like the collector would.
    let ticks = 0;
    timer = setInterval(() => {
      dlq.inc({ dlq_topic: 'orders-dlt', origin_topic: 'orders' });
      if (ticks++ % 2 === 0) void native.collect(registry);
    }, 500);
    exporter = createServer((req, res) => {
      void registry.metrics().then((body) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(body);
      });
    });
    await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
    const address = exporter.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    prometheus = await startPrometheus({
      scrapeTargets: [{ job: 'causeway-collector', targets: [`127.0.0.1:${port}`] }],
      // The shipped template: the runbook links' host comes from the external label.
      ruleFiles: [{ fileName: 'causeway.rules.yml', contents: renderRulesFile({ durationScale: SCALE }) }],
      externalLabels: { [CONSOLE_URL_LABEL]: DEFAULT_CONSOLE_URL },
    });
  });

  afterAll(async () => {
    clearInterval(timer);
    await prometheus?.stop();
    await new Promise((r) => exporter.close(r));
  });

  it('fires ConsumerStalled and DeadLetterRecords, as the native evaluator does', async () => {
    if (!prometheus) throw new Error('Prometheus did not start');
    const source = createPrometheusSource({ url: prometheus.url });
    const alerts = await waitFor('ConsumerStalled and DeadLetterRecords to fire', async () => {
      const { alerts } = await source.alerts();
      return firing(alerts, 'ConsumerStalled') && firing(alerts, 'DeadLetterRecords') ? alerts : undefined;
    });

    const stalled = firing(alerts, 'ConsumerStalled');
    expect(stalled?.labels).toMatchObject({
      alertname: 'ConsumerStalled',
      severity: 'critical',
      group: 'g1',
      status: 'STALL',
      job: 'causeway-collector',
    });
    expect(stalled?.annotations).toEqual({
      summary: 'Consumer group g1 has stalled',
      description:
        'Group g1 is still committing, but its committed offsets no longer move while lag is above zero.',
      runbook_url: `${DEFAULT_CONSOLE_URL}/alerts/runbook/ConsumerStalled`,
    });
    const dead = firing(alerts, 'DeadLetterRecords');
    expect(dead?.labels).toEqual({
      alertname: 'DeadLetterRecords',
      severity: 'warning',
      dlq_topic: 'orders-dlt',
      origin_topic: 'orders',
    });
    expect(dead?.annotations.summary).toBe('Records from orders are arriving on orders-dlt');

    // The native evaluator, fed by the same registry, fires the same two with the same texts
    // (values differ: the two sample at different instants).
    const nativeAlerts = await waitFor('native alerts', () => {
      const a = native.alerts();
      return Promise.resolve(firing(a, 'ConsumerStalled') && firing(a, 'DeadLetterRecords') ? a : undefined);
    });
    expect(firing(nativeAlerts, 'ConsumerStalled')?.labels).toEqual(ruleLabels(stalled?.labels ?? {}));
    expect(firing(nativeAlerts, 'ConsumerStalled')?.annotations).toEqual(stalled?.annotations);
    expect(firing(nativeAlerts, 'DeadLetterRecords')?.labels).toEqual(dead?.labels);
  });

  it('lists every generated rule as healthy through /api/v1/rules', async () => {
    if (!prometheus) throw new Error('Prometheus did not start');
    const source = createPrometheusSource({ url: prometheus.url });
    const { rules } = await waitFor('every rule evaluated', async () => {
      const r = await source.rules();
      return r.rules.every((x) => x.health === 'ok') ? r : undefined;
    });
    const alerting = rules.filter((r) => r.type === 'alerting').map((r) => r.name);
    expect(alerting.sort()).toEqual(alertDefinitions.map((d) => d.alert).sort());
    expect(rules.find((r) => r.name === 'ConsumerStalled')).toMatchObject({
      group: 'consumers',
      state: 'firing',
      duration: 2,
      keepFiringFor: 5,
    });
    // Prometheus reformats the query it parsed; ours must already be in that canonical form.
    const nativeQueries = new Map(native.rules().map((r) => [r.name, r.query]));
    for (const r of rules) expect(r.query, r.name).toBe(nativeQueries.get(r.name));
  });
});
