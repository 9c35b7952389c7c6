import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaBus, type Bus, type BusConsumer } from '../../lib/bus/index.ts';
import { silentLogger } from '../../lib/logger.ts';
import { uniqueName, waitFor } from '../../lib/testing/wait-for.ts';
import { createLagMonitor, type LagMonitor } from './index.ts';

// The lag monitor against the real broker: figures equal to high watermark − committed offset for
// groups the test controls, and a stalled group reported STALL, then STOP once it left. The
// monitor only looks at this file's groups (the broker is shared), with the real clock and short
// intervals so the whole file stays well under a minute.

const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];
if (process.env.CI && !brokers.length) throw new Error('CI must run the Kafka half: set KAFKA_BROKERS');

const INTERVAL = 300;

describe.skipIf(!brokers.length)('lag monitor against Kafka', () => {
  let bus: Bus;
  let monitor: LagMonitor;
  const registry = new Registry();
  const mine = new Set<string>();
  const consumers: BusConsumer[] = [];
  const releases: (() => void)[] = [];

  beforeAll(() => {
    bus = createKafkaBus({ brokers, clientId: 'lag-int-test' });
    monitor = createLagMonitor({
      bus,
      logger: silentLogger(),
      intervalMs: INTERVAL,
      windowSize: 5,
      registry,
      excludeGroups: (id) => !mine.has(id),
    });
  });
  afterAll(async () => {
    for (const r of releases) r();
    await Promise.all(consumers.map((c) => c.stop()));
    await monitor.stop();
    await bus.close();
  });

  const topic = async (partitions: number) => {
    const t = uniqueName('lag-int');
    await bus.admin.createTopics([{ topic: t, numPartitions: partitions }]);
    return t;
  };
  const group = (prefix: string) => {
    const g = uniqueName(prefix);
    mine.add(g);
    return g;
  };
  /** What the broker says, read independently of the monitor. */
  const brokerFigures = async (g: string, t: string) => {
    const committed = await bus.admin.committedOffsets(g, [t]);
    const offsets = await bus.admin.topicOffsets(t);
    return offsets.map((o) => {
      const c = committed.find((x) => x.partition === o.partition)?.offset ?? -1;
      return { partition: o.partition, committed: c, high: o.high, lag: o.high - c };
    });
  };
  /** Polls until the group shows `status`, at the monitor's interval. */
  const pollUntil = (g: string, status: string) =>
    waitFor(
      async () => {
        await monitor.pollOnce();
        return monitor.group(g)?.status === status && monitor.group(g);
      },
      { intervalMs: INTERVAL, timeoutMs: 20_000, what: `${g} reported ${status}` },
    );

  it('reports a group that consumed everything as OK, lag 0 = high − committed', async () => {
    const t = await topic(2);
    await bus.produce(Array.from({ length: 30 }, (_, i) => ({ topic: t, key: `k${i}`, value: 'x' })));
    const g = group('lag-caught-up');
    const c = bus.consumer({ groupId: g, topics: [t] });
    consumers.push(c);
    await c.run(() => Promise.resolve());
    await waitFor(async () => (await brokerFigures(g, t)).every((p) => p.lag === 0), {
      what: 'all 30 records committed',
      timeoutMs: 30_000,
    });

    const view = await pollUntil(g, 'OK');
    const expected = await brokerFigures(g, t);
    expect(
      view.partitions.map(({ partition, committed, high, lag }) => ({ partition, committed, high, lag })),
    ).toEqual(expected);
    expect(view.totalLag).toBe(0);
    expect(view.partitions.every((p) => p.lagSeconds === 0)).toBe(true);
    expect(view.members.length).toBe(1);
    expect(view.state).toBe('Stable');
  });

  it('reports a member that stopped committing as STALL with exact lag, then STOP once it left', async () => {
    const t = await topic(1);
    await bus.produce(Array.from({ length: 5 }, (_, i) => ({ topic: t, value: `first-${i}` })));
    const g = group('lag-stalled');
    const c = bus.consumer({ groupId: g, topics: [t] });
    consumers.push(c);
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<never>((_, reject) => (release = () => reject(new Error('released'))));
    gate.catch(() => undefined);
    releases.push(release);
    // Handles its first batch, then hangs on the next without committing: a stuck consumer.
    await c.run(async () => {
      if (calls++ === 0) return;
      await gate;
    });
    await waitFor(async () => (await brokerFigures(g, t))[0]!.committed === 5, {
      what: 'first batch committed',
      timeoutMs: 30_000,
    });
    await bus.produce(Array.from({ length: 12 }, (_, i) => ({ topic: t, value: `second-${i}` })));
    await waitFor(() => calls >= 2, { what: 'the member took its second batch' });

    const stalled = await pollUntil(g, 'STALL');
    expect(stalled.members.length).toBe(1);
    const [p] = stalled.partitions;
    expect(p).toMatchObject({ committed: 5, high: 17, lag: 12, status: 'STALL' });
    expect((await brokerFigures(g, t))[0]!.lag).toBe(p!.lag);
    expect(p!.lagSeconds).toBeGreaterThan(0);
    const text = await registry.metrics();
    expect(text).toContain(`causeway_consumer_lag_offsets{group="${g}",topic="${t}",partition="0"} 12`);
    expect(text).toContain(`causeway_consumer_group_status{group="${g}",status="STALL"} 1`);

    release();
    await c.stop();
    const stopped = await pollUntil(g, 'STOP');
    expect(stopped.members).toEqual([]);
    expect(stopped.partitions[0]).toMatchObject({ committed: 5, lag: 12 });
  });
});
