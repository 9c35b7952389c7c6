import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertsResponseSchema, type Alert } from '../../lib/api/alerts.ts';
import { encodeSpringDltHeaders } from '../../lib/events/dlq.ts';
import { createEmbeddedBus } from '../../lib/bus/embedded.ts';
import { createKafkaBus } from '../../lib/bus/kafka.ts';
import type { Bus, BusConsumer } from '../../lib/bus/types.ts';
import { uniqueName, waitFor } from '../../lib/testing/wait-for.ts';
import { startTestCollector } from '../../collector/testing.ts';
import {
  NO_RANDOM_FAULTS,
  orderFor,
  startTestShop,
  type TestShop,
} from '../../shop-services/testing/harness.ts';
import { DEFAULT_CONSOLE_URL } from '../alerts/definitions.ts';
import { renderRulesFile } from '../alerts/generate.ts';
import { createPrometheusSource } from '../../collector/alerts/prometheus-source.ts';
import { startPrometheus, type RunningPrometheus } from './prometheus-harness.ts';

// The real path, end to end: records on the bus -> the collector's lag monitor and DLQ decoding
// -> its /metrics -> a real Prometheus scraping it with the generated rules -> alerts firing, and
// the collector serving them back from Prometheus when PROMETHEUS_URL is set. A stalled consumer
// group and a dead-lettered record are driven through the real parts, not a stand-in exporter, and
// so are the shop's stall and stop faults.

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

  it("tells the shop's stall fault (ConsumerStalled, still a member) from its stop fault (ConsumerStopped)", async () => {
    // Two shops in their own namespaces: one stalls its consumers, the other stops them. The session
    // timeout is short, so a stall that lost its membership would read STOP well within the wait.
    const sessionTimeoutMs = 6000;
    // On Kafka each shop gets its own client, as its own process would: the collector's lag poller
    // asks about every group on the shared broker, including ones whose topics other tests deleted,
    // and a kafkajs client that touched a deleted topic fails its next calls.
    const shop = async () => {
      const shopBus = brokers.length ? createKafkaBus({ brokers, clientId: 'alerts-live-shop' }) : bus;
      if (shopBus !== bus) stops.push(() => shopBus.close());
      const s = await startTestShop(shopBus, {
        services: ['order', 'orchestrator'],
        env: { SHOP_SESSION_TIMEOUT_MS: String(sessionTimeoutMs) },
      });
      stops.unshift(() => s.stop());
      return { ...s, bus: shopBus };
    };
    const stalledShop = await shop();
    const stoppedShop = await shop();
    type Shop = TestShop & { bus: Bus };
    const groupOf = (s: TestShop) => `${s.namespace}orchestrator-service`;
    const setFaults = async (s: TestShop, patch: Record<string, unknown>) => {
      const res = await fetch(`${s.shop.orderUrl}/admin/faults`, {
        method: 'PUT',
        body: JSON.stringify(patch),
      });
      expect(res.status, await res.text()).toBe(200);
    };
    const placeOrders = (s: TestShop, n: number) =>
      Promise.all(Array.from({ length: n }, () => s.place(orderFor(uniqueName('live-stack')))));
    /** The orchestrator committed up to the end of its orders topic. */
    const caughtUp = async (s: Shop) => {
      const committed = await s.bus.admin.committedOffsets(groupOf(s), [s.topics.orderEvents]);
      const high = await s.bus.admin.topicOffsets(s.topics.orderEvents);
      return (
        committed.some((c) => c.offset > 0) &&
        high.every(
          (h) => h.high === 0 || committed.find((c) => c.partition === h.partition)?.offset === h.high,
        )
      );
    };
    // Committed offsets first: the lag monitor knows a group's partitions from its commits.
    for (const s of [stalledShop, stoppedShop]) {
      await setFaults(s, NO_RANDOM_FAULTS);
      await placeOrders(s, 6);
      await waitFor(() => caughtUp(s), { what: `${groupOf(s)} to commit its orders`, timeoutMs: 30_000 });
    }
    await setFaults(stalledShop, { stallConsumer: true });
    await setFaults(stoppedShop, { stopConsumer: true });
    const faultedAt = Date.now();
    await placeOrders(stalledShop, 6);
    await placeOrders(stoppedShop, 6);

    const source = createPrometheusSource({ url: prometheus.url });
    const alerts = await waitFor(
      async () => {
        const { alerts } = await source.alerts();
        return firing(alerts, 'ConsumerStalled', 'group', groupOf(stalledShop)) &&
          firing(alerts, 'ConsumerStopped', 'group', groupOf(stoppedShop)) &&
          // Held three session timeouts: a member that stopped heartbeating would be gone by now.
          Date.now() - faultedAt >= 3 * sessionTimeoutMs
          ? alerts
          : undefined;
      },
      {
        what: 'ConsumerStalled and ConsumerStopped firing for the two shops',
        timeoutMs: 80_000,
        intervalMs: 500,
      },
    );
    expect(firing(alerts, 'ConsumerStalled', 'group', groupOf(stalledShop))?.labels).toMatchObject({
      severity: 'critical',
      status: 'STALL',
    });
    expect(
      alerts.filter(
        (a) => a.labels.alertname === 'ConsumerStopped' && a.labels.group === groupOf(stalledShop),
      ),
    ).toEqual([]);
    expect(firing(alerts, 'ConsumerStopped', 'group', groupOf(stoppedShop))?.labels).toMatchObject({
      severity: 'critical',
      status: 'STOP',
    });
    const [stalledGroup, stoppedGroup] = await stalledShop.bus.admin.describeGroups([
      groupOf(stalledShop),
      groupOf(stoppedShop),
    ]);
    expect(stalledGroup?.members.length).toBe(1);
    expect(stoppedGroup?.members).toEqual([]);
  }, 150_000);
});
