import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertsResponseSchema, type Alert } from '../../lib/api/alerts.ts';
import { encodeSpringDltHeaders } from '../../lib/events/dlq.ts';
import { createEmbeddedBus } from '../../lib/bus/embedded.ts';
import { createKafkaBus } from '../../lib/bus/kafka.ts';
import type { Bus, BusConsumer } from '../../lib/bus/types.ts';
import { uniqueName, waitFor } from '../../lib/testing/wait-for.ts';
import { startTestCollector } from '../../collector/testing.ts';
import { DEFAULT_CONSOLE_URL } from '../alerts/definitions.ts';
import { renderRulesFile } from '../alerts/generate.ts';
import { createPrometheusSource } from '../../collector/alerts/prometheus-source.ts';
import { startPrometheus, type RunningPrometheus } from './prometheus-harness.ts';

// The real path, end to end: records on the bus -> the collector's lag monitor and DLQ decoding
// -> its /metrics -> a real Prometheus scraping it with the generated rules -> alerts firing, and
// the collector serving them back from Prometheus when PROMETHEUS_URL is set. A stalled consumer
// group and a dead-lettered record are driven through the real parts, not a stand-in exporter.

const SCALE = 1 / 60;
const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];
const firing = (alerts: readonly Alert[], name: string, label: string, value: string) =>
  alerts.find((a) => a.state === 'firing' && a.labels.alertname === name && a.labels[label] === value);

describe(`alerts from the live stack (${brokers.length ? 'kafka' : 'embedded'} bus)`, () => {
  const stops: (() => Promise<void>)[] = [];
  let bus: Bus;
  let prometheus: RunningPrometheus;
  let collectorStack: Awaited<ReturnType<typeof startTestCollector>>;
  const topic = uniqueName('alerting.orders');
  const group = uniqueName('alerting-stalled');

  beforeAll(async () => {
    bus = brokers.length
      ? createKafkaBus({ brokers, clientId: 'alerts-live-test' })
      : createEmbeddedBus({ retentionMs: 365 * 86_400_000 });
    stops.push(() => bus.close());
    await bus.admin.createTopics([
      { topic, numPartitions: 1 },
      { topic: `${topic}-dlt`, numPartitions: 1 },
    ]);
    collectorStack = await startTestCollector({
      bus,
      env: {
        COLLECTOR_TOPIC_INCLUDE: `${topic.replace(/[.]/g, '\\.')}.*`,
        COLLECTOR_GROUP_ID: uniqueName('alerting-collector'),
        LAG_POLL_INTERVAL_MS: '500',
      },
      // The lag monitor on: it is what turns a stuck group into the STALL status metric.
      deps: { lag: undefined },
    });
    stops.unshift(collectorStack.stop);
    prometheus = await startPrometheus({
      scrapeTargets: [
        { job: 'causeway-collector', targets: [new URL(collectorStack.collector.apiUrl).host] },
      ],
      ruleFiles: [
        {
          fileName: 'causeway.rules.yml',
          contents: renderRulesFile({ consoleUrl: DEFAULT_CONSOLE_URL, durationScale: SCALE }),
        },
      ],
    });
    stops.unshift(() => prometheus.stop());
  });

  afterAll(async () => {
    for (const stop of stops) await stop().catch(() => undefined);
  });

  it('fires ConsumerStalled for a stuck group and DeadLetterRecords for a dead-lettered record', async () => {
    // A member that takes one batch and never finishes it, while records keep arriving.
    const stuck: BusConsumer = bus.consumer({
      groupId: group,
      topics: [topic],
      maxBatchRecords: 1,
      sessionTimeoutMs: 60_000,
    });
    stops.unshift(() => Promise.race([stuck.stop(), new Promise<void>((r) => setTimeout(r, 1000))]));
    // It commits a few records first: a group that never committed is "not started", not stalled.
    let handled = 0;
    await stuck.run(() => (++handled > 3 ? new Promise<void>(() => undefined) : Promise.resolve()));
    // Records keep arriving on the origin topic and on its dead-letter topic. A counter series is
    // born at its first increment and increase() needs two samples, so a trickle is what shows.
    const deadLetter = () => ({
      topic: `${topic}-dlt`,
      key: 'order-1',
      value: '{"orderId":"order-1"}',
      headers: encodeSpringDltHeaders({
        originTopic: topic,
        originPartition: 0,
        originOffset: 0,
        originTimestamp: Date.now(),
        group,
        error: { fqcn: 'shop.PoisonMessageError', message: 'cannot parse' },
      }),
    });
    const producing = setInterval(
      () => void bus.produce([{ topic, key: 'k', value: '{}' }, deadLetter()]).catch(() => undefined),
      500,
    );
    stops.unshift(() => Promise.resolve(clearInterval(producing)));

    const source = createPrometheusSource({ url: prometheus.url });
    const alerts = await waitFor(
      async () => {
        const { alerts } = await source.alerts();
        return firing(alerts, 'ConsumerStalled', 'group', group) &&
          firing(alerts, 'DeadLetterRecords', 'dlq_topic', `${topic}-dlt`)
          ? alerts
          : undefined;
      },
      {
        what: 'ConsumerStalled and DeadLetterRecords firing in Prometheus',
        timeoutMs: 80_000,
        intervalMs: 500,
      },
    );
    expect(firing(alerts, 'ConsumerStalled', 'group', group)?.labels).toMatchObject({
      severity: 'critical',
      status: 'STALL',
    });
    expect(firing(alerts, 'DeadLetterRecords', 'dlq_topic', `${topic}-dlt`)?.labels).toMatchObject({
      severity: 'warning',
      origin_topic: topic,
    });
  });

  it('serves the same alerts through the collector API when PROMETHEUS_URL is set', async () => {
    const viaPrometheus = await startTestCollector({ env: { PROMETHEUS_URL: prometheus.url } });
    stops.unshift(viaPrometheus.stop);
    const res = await viaPrometheus.api('/api/alerts');
    expect(res.status).toBe(200);
    const body = alertsResponseSchema.parse(res.body);
    expect(body.source).toBe('prometheus');
    expect(firing(body.alerts, 'ConsumerStalled', 'group', group)).toBeDefined();
  });
});
