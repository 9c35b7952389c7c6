import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { alertsResponseSchema, ruleSchema } from '../../lib/api/alerts.ts';
import { collectorMetrics as m } from '../../lib/metrics-catalog.ts';
import { DEFAULT_CONSOLE_URL } from '../../dashboards/alerts/definitions.ts';
import { createAlertEvaluator } from './evaluate.ts';
import type { RuleGroup } from '../../dashboards/alerts/model.ts';
import { flattenMetricsJson, type Sample } from './samples.ts';
import { createSeriesStore } from './series-store.ts';

// Scenario tests of the evaluator's life cycle and API. Per-alert agreement with Prometheus is
// checked by promtool-replay.test.ts, which runs the promtool test file through this evaluator.

const MIN = 60_000;
const T0 = Date.parse('2025-01-01T00:00:00Z');
const evaluator = (definitions?: readonly RuleGroup[]) =>
  createAlertEvaluator({ consoleUrl: DEFAULT_CONSOLE_URL, ...(definitions ? { definitions } : {}) });
const named = (name: string, alerts: ReturnType<ReturnType<typeof evaluator>['alerts']>) =>
  alerts.filter((a) => a.labels.alertname === name);

describe('createAlertEvaluator', () => {
  it('takes ConsumerLagHigh from pending to firing after for: 10m, read from a prom-client registry', async () => {
    const registry = new Registry();
    const lag = new Gauge({
      ...m.groupLagOffsets,
      labelNames: m.groupLagOffsets.labels,
      registers: [registry],
    });
    let now = T0;
    const ev = createAlertEvaluator({ now: () => now, consoleUrl: DEFAULT_CONSOLE_URL });
    lag.set({ group: 'billing', topic: 'orders' }, 500);
    await ev.collect(registry);
    expect(named('ConsumerLagHigh', ev.alerts())).toEqual([]);

    lag.set({ group: 'billing', topic: 'orders' }, 20_000);
    for (let i = 1; i <= 11; i++) {
      now = T0 + i * MIN;
      await ev.collect(registry);
      const [alert] = named('ConsumerLagHigh', ev.alerts());
      expect(alert?.state).toBe(i >= 11 ? 'firing' : 'pending');
    }
    const response = alertsResponseSchema.parse(ev.alertsResponse());
    expect(response.source).toBe('native');
    expect(named('ConsumerLagHigh', response.alerts)).toEqual([
      {
        labels: { alertname: 'ConsumerLagHigh', severity: 'warning', group: 'billing', topic: 'orders' },
        annotations: {
          summary: 'Consumer group billing is 20k records behind on orders',
          description:
            'The offset lag of group billing on topic orders, summed over its partitions, has been above 10000 records for 10 minutes.',
          runbook_url: `${DEFAULT_CONSOLE_URL}/alerts/runbook/ConsumerLagHigh`,
        },
        state: 'firing',
        activeAt: new Date(T0 + MIN).toISOString(),
        value: '2e+04',
      },
    ]);
  });

  it('holds ConsumerStalled for keep_firing_for and reports since when', () => {
    const ev = evaluator();
    const stall = (v: number): Sample[] => [
      { name: m.groupStatus.name, labels: { group: 'g', status: 'STALL' }, value: v },
    ];
    for (let i = 0; i <= 3; i++) ev.tick(T0 + i * MIN, stall(1));
    expect(named('ConsumerStalled', ev.alerts())[0]?.state).toBe('firing');
    ev.tick(T0 + 4 * MIN, stall(0));
    const held = named('ConsumerStalled', ev.alerts())[0];
    expect(held).toMatchObject({ state: 'firing', keepFiringSince: new Date(T0 + 4 * MIN).toISOString() });
    ev.tick(T0 + 8 * MIN, stall(0));
    expect(named('ConsumerStalled', ev.alerts())).toHaveLength(1);
    ev.tick(T0 + 9 * MIN, stall(0));
    expect(named('ConsumerStalled', ev.alerts())).toEqual([]);
  });

  it('fires DeadLetterRecords on the first dead letter, from a counter', async () => {
    const registry = new Registry();
    const dlq = new Counter({ ...m.dlqRecords, labelNames: m.dlqRecords.labels, registers: [registry] });
    let now = T0;
    const ev = createAlertEvaluator({ now: () => now, consoleUrl: DEFAULT_CONSOLE_URL });
    dlq.inc({ dlq_topic: 'payments-dlt', origin_topic: 'payments' }, 0);
    await ev.collect(registry);
    now += 15_000;
    dlq.inc({ dlq_topic: 'payments-dlt', origin_topic: 'payments' });
    await ev.collect(registry);
    const [alert] = named('DeadLetterRecords', ev.alerts());
    expect(alert?.state).toBe('firing');
    expect(alert?.labels).toMatchObject({ dlq_topic: 'payments-dlt', origin_topic: 'payments' });
  });

  it('never evaluates CollectorDown natively and says so', () => {
    const ev = evaluator();
    for (let i = 0; i < 5; i++)
      ev.tick(T0 + i * MIN, [{ name: 'up', labels: { job: 'causeway-collector' }, value: 0 }]);
    expect(named('CollectorDown', ev.alerts())).toEqual([]);
    const rule = ev.rules().find((r) => r.name === 'CollectorDown');
    expect(rule).toMatchObject({ health: 'unknown', state: 'inactive' });
    expect(rule?.lastError).toMatch(/Prometheus only/);
  });

  it('describes every rule like /api/v1/rules, with the PromQL query', () => {
    const ev = evaluator();
    ev.tick(T0, []);
    const rules = ev.rules().map((r) => ruleSchema.parse(r));
    expect(rules.find((r) => r.name === 'ConsumerStalled')).toMatchObject({
      group: 'consumers',
      type: 'alerting',
      query: 'causeway_consumer_group_status{status="STALL"} == 1',
      state: 'inactive',
      health: 'ok',
      duration: 120,
      keepFiringFor: 300,
      labels: { severity: 'critical' },
      lastEvaluation: new Date(T0).toISOString(),
    });
    expect(rules.find((r) => r.name === 'topic:causeway_records_ingested:rate5m')).toMatchObject({
      group: 'recording',
      type: 'recording',
      health: 'ok',
    });
  });

  it('reports a rule error and keeps its alerts, as Prometheus does', () => {
    const groups: RuleGroup[] = [
      {
        name: 'test',
        kind: 'alerting',
        rules: [
          {
            alert: 'Clash',
            condition: { kind: 'threshold', series: { metric: 'x' }, op: '>', value: 0 },
            for: '0s',
            severity: 'warning',
            summary: 's',
            description: 'd',
            runbook: { meaning: '', check: '', fix: '' },
            nativeSupported: true,
          },
        ],
      },
    ];
    const ev = evaluator(groups);
    ev.tick(T0, [{ name: 'x', labels: { severity: 'a' }, value: 1 }]);
    expect(ev.alerts()).toHaveLength(1);
    // The rule's own severity label overwrites the series' one: two series, one label set.
    ev.tick(T0 + MIN, [
      { name: 'x', labels: { severity: 'a' }, value: 1 },
      { name: 'x', labels: { severity: 'b' }, value: 1 },
    ]);
    expect(ev.rules()[0]?.health).toBe('err');
    expect(ev.rules()[0]?.lastError).toMatch(/same labelset/);
    expect(ev.alerts()).toHaveLength(1);
  });

  it('refuses a clock that goes backwards', () => {
    const ev = evaluator();
    ev.tick(T0, []);
    expect(() => ev.tick(T0 - 1, [])).toThrow(RangeError);
  });
});

describe('series history', () => {
  it('keeps only tracked metrics, only for the window, and at most N points', () => {
    const store = createSeriesStore({
      trackedMetrics: new Set(['c']),
      retentionMs: 5 * MIN,
      maxPointsPerSeries: 3,
    });
    for (let i = 0; i < 5; i++) {
      store.beginTick(i * MIN);
      store.add([
        { name: 'c', labels: {}, value: i },
        { name: 'g', labels: {}, value: i },
      ]);
    }
    expect(store.seriesCount()).toBe(1);
    expect(store.range({ metric: 'c' }, 10 * MIN)[0]?.points.map((p) => p.v)).toEqual([2, 3, 4]);
    store.beginTick(10 * MIN);
    expect(store.seriesCount()).toBe(0);
  });
});

describe('flattenMetricsJson', () => {
  it('names histogram parts and stringifies le like the exposition format', async () => {
    const registry = new Registry();
    const h = new Histogram({
      name: m.storeWriteDuration.name,
      help: 'h',
      buckets: [0.01, 1],
      registers: [registry],
    });
    h.observe(0.5);
    const samples = flattenMetricsJson(await registry.getMetricsAsJSON());
    expect(samples).toEqual([
      { name: 'causeway_store_write_duration_seconds_bucket', labels: { le: '0.01' }, value: 0 },
      { name: 'causeway_store_write_duration_seconds_bucket', labels: { le: '1' }, value: 1 },
      { name: 'causeway_store_write_duration_seconds_bucket', labels: { le: '+Inf' }, value: 1 },
      { name: 'causeway_store_write_duration_seconds_sum', labels: {}, value: 0.5 },
      { name: 'causeway_store_write_duration_seconds_count', labels: {}, value: 1 },
    ]);
  });
});
