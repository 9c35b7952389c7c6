import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaBus, type Bus, type BusAdmin } from '../../lib/bus/index.ts';
import { silentLogger } from '../../lib/logger.ts';
import { waitFor } from '../../lib/testing/wait-for.ts';
import { createLagMonitor, type LagMonitor } from './index.ts';
import { createLagTestKit, type LagTestKit } from './testing.ts';

// The lag monitor against the real broker: figures equal to high watermark − committed offset for
// groups the test controls, a stalled group reported STALL, then STOP once it left, and a topic
// deleted in the middle of a poll. The monitor has a client of its own, as in the collector (the
// test's topics, records and consumers go through another one), and only looks at this file's
// groups (the broker is shared), with the real clock and short intervals so the whole file stays
// well under a minute.

const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];
if (process.env.CI && !brokers.length) throw new Error('CI must run the Kafka half: set KAFKA_BROKERS');

const INTERVAL = 300;
const CALL_TIMEOUT = 2000;

describe.skipIf(!brokers.length)('lag monitor against Kafka', () => {
  let bus: Bus;
  let monitorBus: Bus;
  let kit: LagTestKit;
  let monitor: LagMonitor;
  const registry = new Registry();
  /** Runs once, inside the next poll, after the group list was read and before any watermark. */
  let duringPoll: (() => Promise<void>) | undefined;

  beforeAll(() => {
    bus = createKafkaBus({ brokers, clientId: 'lag-int-test' });
    monitorBus = createKafkaBus({ brokers, clientId: 'lag-int-monitor' });
    kit = createLagTestKit(bus, { prefix: 'lag-int' });
    const admin: BusAdmin = {
      ...monitorBus.admin,
      async describeGroups(ids) {
        const hook = duringPoll;
        duringPoll = undefined;
        await hook?.();
        return monitorBus.admin.describeGroups(ids);
      },
    };
    monitor = createLagMonitor({
      bus: { admin },
      logger: silentLogger(),
      intervalMs: INTERVAL,
      windowSize: 5,
      registry,
      callTimeoutMs: CALL_TIMEOUT,
      excludeGroups: (id) => !kit.owns(id),
    });
  });
  afterAll(async () => {
    await kit?.cleanup();
    await monitor?.stop();
    await monitorBus?.close();
    await bus?.close();
  });

  /** Polls until the group shows `status`, at the monitor's interval. */
  const pollUntil = (g: string, status: string) =>
    waitFor(
      async () => {
        await monitor.pollOnce();
        return monitor.group(g)?.status === status && monitor.group(g);
      },
      { intervalMs: INTERVAL, timeoutMs: 20_000, what: `${g} reported ${status}` },
    );
  const figuresOf = (view: {
    partitions: { partition: number; committed: number; high: number; lag: number }[];
  }) => view.partitions.map(({ partition, committed, high, lag }) => ({ partition, committed, high, lag }));
  const brokerFigures = async (g: string, t: string) =>
    (await kit.brokerFigures(g, t)).map(({ partition, committed, high, lag }) => ({
      partition,
      committed,
      high,
      lag,
    }));

  it('reports a group that consumed everything as OK, lag 0 = high − committed', async () => {
    const t = await kit.topic(2);
    await bus.produce(Array.from({ length: 30 }, (_, i) => ({ topic: t, key: `k${i}`, value: 'x' })));
    const g = kit.group('lag-caught-up');
    await kit.consumer(g, [t], () => Promise.resolve());
    await waitFor(async () => (await brokerFigures(g, t)).every((p) => p.lag === 0), {
      what: 'all 30 records committed',
      timeoutMs: 30_000,
    });

    const view = await pollUntil(g, 'OK');
    const expected = await brokerFigures(g, t);
    expect(figuresOf(view)).toEqual(expected);
    expect(view.totalLag).toBe(0);
    expect(view.partitions.every((p) => p.lagSeconds === 0)).toBe(true);
    expect(view.members.length).toBe(1);
    expect(view.state).toBe('Stable');
  });

  it('reports a member that stopped committing as STALL with exact lag, then STOP once it left', async () => {
    const t = await kit.topic(1);
    await bus.produce(Array.from({ length: 5 }, (_, i) => ({ topic: t, value: `first-${i}` })));
    const g = kit.group('lag-stalled');
    // Handles its first batch, then hangs on the next without committing: a stuck consumer.
    const stuck = await kit.hangingConsumer(g, t);
    await waitFor(async () => (await brokerFigures(g, t))[0]!.committed === 5, {
      what: 'first batch committed',
      timeoutMs: 30_000,
    });
    await bus.produce(Array.from({ length: 12 }, (_, i) => ({ topic: t, value: `second-${i}` })));
    await waitFor(() => stuck.calls() >= 2, { what: 'the member took its second batch' });

    const stalled = await pollUntil(g, 'STALL');
    expect(stalled.members.length).toBe(1);
    const [p] = stalled.partitions;
    expect(p).toMatchObject({ committed: 5, high: 17, lag: 12, status: 'STALL' });
    expect((await brokerFigures(g, t))[0]!.lag).toBe(p!.lag);
    expect(p!.lagSeconds).toBeGreaterThan(0);
    const text = await registry.metrics();
    expect(text).toContain(`causeway_consumer_lag_offsets{group="${g}",topic="${t}",partition="0"} 12`);
    expect(text).toContain(`causeway_consumer_group_status{group="${g}",status="STALL"} 1`);

    await stuck.stop();
    const stopped = await pollUntil(g, 'STOP');
    expect(stopped.members).toEqual([]);
    expect(stopped.partitions[0]).toMatchObject({ committed: 5, lag: 12 });
  });

  it("finishes a poll during which a topic is deleted within seconds, leaving the other groups' figures right", async () => {
    const gone = await kit.topic(1);
    const kept = await kit.topic(2);
    const write = (t: string, n: number) =>
      bus.produce(Array.from({ length: n }, (_, i) => ({ topic: t, key: `k${i}`, value: 'x' })));
    await write(gone, 6);
    await write(kept, 10);
    const gGone = kit.group('lag-on-gone');
    const gKept = kit.group('lag-on-kept');
    // Both read everything, commit and leave; what is produced afterwards is their exact lag.
    for (const [g, t, n] of [
      [gGone, gone, 6],
      [gKept, kept, 10],
    ] as const) {
      const c = await kit.consumer(g, [t], () => Promise.resolve());
      await waitFor(async () => (await kit.brokerFigures(g, t)).every((p) => p.high === 0 || p.lag === 0), {
        what: `${g} committed all ${n}`,
        timeoutMs: 30_000,
      });
      await c.stop();
    }
    await write(gone, 3);
    await write(kept, 5);
    await waitFor(
      async () => {
        await monitor.pollOnce();
        return (
          monitor.group(gGone)?.totalLag === 3 &&
          JSON.stringify(figuresOf(monitor.group(gKept)!)) ===
            JSON.stringify(await brokerFigures(gKept, kept))
        );
      },
      { intervalMs: INTERVAL, timeoutMs: 20_000, what: 'both groups polled with their lag' },
    );
    expect(monitor.group(gKept)!.totalLag).toBe(5);

    // Deleted by another client between the group list and the watermarks: kafkajs's retries on a
    // client that had read the topic kept the whole poll waiting ~40 s.
    let deletedAt = 0;
    duringPoll = async () => {
      await bus.admin.deleteTopics([gone]);
      await waitFor(async () => !(await bus.admin.listTopics()).includes(gone), { what: `${gone} deleted` });
      deletedAt = performance.now();
    };
    await monitor.pollOnce();
    expect(deletedAt).toBeGreaterThan(0);
    expect(performance.now() - deletedAt).toBeLessThan(CALL_TIMEOUT + 2000);
    expect(figuresOf(monitor.group(gKept)!)).toEqual(await brokerFigures(gKept, kept));
    expect(monitor.group(gGone)?.partitions.filter((p) => p.topic === gone) ?? []).toEqual([]);

    // The poll after it reads fresh figures, quickly.
    await write(kept, 4);
    const started = performance.now();
    await monitor.pollOnce();
    expect(performance.now() - started).toBeLessThan(CALL_TIMEOUT);
    expect(figuresOf(monitor.group(gKept)!)).toEqual(await brokerFigures(gKept, kept));
    expect(monitor.group(gKept)!.totalLag).toBe(9);
  });
});
