import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { consumerGroupsSchema } from '../../lib/api/consumers.ts';
import { createEmbeddedBus, tailGroupId, type Bus } from '../../lib/bus/index.ts';
import { silentLogger } from '../../lib/logger.ts';
import { waitFor } from '../../lib/testing/wait-for.ts';
import { createLagMonitor, type LagMonitor } from './index.ts';
import { createLagTestKit, type LagTestKit } from './testing.ts';

// The monitor against the embedded bus, with a clock the test moves: one `tick` = one poll
// interval later. Window of 5 polls; STALL after 3 intervals stuck, STOP floor 3 intervals.

const INTERVAL = 1000;

describe('lag monitor on the embedded bus', () => {
  let bus: Bus;
  let kit: LagTestKit;
  let clock: number;
  let registry: Registry;
  let monitor: LagMonitor;
  let excluded: Set<string>;

  beforeEach(() => {
    bus = createEmbeddedBus();
    kit = createLagTestKit(bus);
    clock = 1_700_000_000_000;
    registry = new Registry();
    excluded = new Set();
    monitor = createLagMonitor({
      bus,
      logger: silentLogger(),
      intervalMs: INTERVAL,
      registry,
      now: () => clock,
      windowSize: 5,
      excludeGroups: (id) => excluded.has(id),
    });
  });
  afterEach(async () => {
    await kit.cleanup();
    await monitor.stop();
    await bus.close();
  });

  const tick = async () => {
    clock += INTERVAL;
    await monitor.pollOnce();
  };

  const produce = (t: string, n: number, partition = 0) =>
    bus.produce(Array.from({ length: n }, (_, i) => ({ topic: t, partition, value: `v${i}` })));

  /** A member that handles its first batch of at most 5 records, then hangs on the next one. */
  const stallingConsumer = (groupId: string, t: string) =>
    kit.hangingConsumer(groupId, t, { maxBatchRecords: 5 });

  it('reports a group that consumed everything as OK with lag 0', async () => {
    const t = await kit.topic(2);
    await bus.produce(Array.from({ length: 30 }, (_, i) => ({ topic: t, key: `k${i}`, value: 'x' })));
    const g = kit.group('caught-up');
    await kit.consumer(g, [t], () => Promise.resolve());
    await waitFor(
      async () => (await bus.admin.committedOffsets(g, [t])).reduce((s, o) => s + o.offset, 0) === 30,
      {
        what: 'all 30 records committed',
      },
    );
    await tick();
    await tick();

    const view = monitor.group(g)!;
    expect(view.status).toBe('OK');
    expect(view.totalLag).toBe(0);
    expect(view.maxLagSeconds).toBe(0);
    expect(view.members).toHaveLength(1);
    expect(view.partitions.map((p) => [p.partition, p.lag, p.lagSeconds, p.committed === p.high])).toEqual([
      [0, 0, 0, true],
      [1, 0, 0, true],
    ]);
    expect(view.history).toEqual([
      [clock - INTERVAL, 0],
      [clock, 0],
    ]);
    const text = await registry.metrics();
    expect(text).toContain(`causeway_consumer_lag_offsets{group="${g}",topic="${t}",partition="1"} 0`);
    expect(text).toContain(`causeway_consumer_group_status{group="${g}",status="OK"} 1`);
    expect(text).toContain(`causeway_consumer_group_status{group="${g}",status="STALL"} 0`);
    expect(text).toMatch(/causeway_lag_poll_duration_seconds_count 2/);
  });

  it("leaves out a tail reader's group (it commits nothing) and shows an ordinary one beside it", async () => {
    const t = await kit.topic(1);
    await produce(t, 20);
    const reader = tailGroupId(kit.group('collector'), 'ab'.repeat(16));
    const ordinary = kit.group('never-commits');
    await kit.hangingConsumer(reader, t, { handled: 0 });
    await kit.hangingConsumer(ordinary, t, { handled: 0 });
    await waitFor(async () => (await bus.admin.describeGroups([reader]))[0]?.members.length === 1);
    for (let i = 0; i < 6; i++) await tick();
    expect(monitor.groups().map((g) => g.groupId)).toEqual([ordinary]);
    expect(monitor.group(ordinary)!.totalLag).toBe(20);
    expect(await registry.metrics()).not.toContain(reader);
  });

  it('reports a member that stopped committing as STALL, then STOP once it left', async () => {
    const t = await kit.topic(1);
    await produce(t, 5);
    const g = kit.group('stalled');
    const stuck = await stallingConsumer(g, t);
    await waitFor(async () => (await kit.committedOf(g, t)) === 5, { what: 'first batch committed' });

    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      // Production goes on: 10 records per interval, the member hangs on its second batch.
      await produce(t, 10);
      await waitFor(() => stuck.calls() >= 2, { what: 'the member took its second batch' });
      await tick();
      seen.push(monitor.group(g)!.status);
    }
    expect(seen).toEqual(['OK', 'OK', 'OK', 'STALL']);

    const view = monitor.group(g)!;
    const [high] = await bus.admin.topicOffsets(t);
    expect(view.partitions).toEqual([
      // 45 produced, 5 committed: lag is exactly high − committed.
      { topic: t, partition: 0, committed: 5, high: 45, lag: 40, lagSeconds: 4, status: 'STALL' },
    ]);
    expect(high!.high - (await kit.committedOf(g, t))!).toBe(40);
    expect(view.members).toHaveLength(1);
    expect(view.history.map(([, lag]) => lag)).toEqual([10, 20, 30, 40]);
    expect(await registry.metrics()).toContain(
      `causeway_consumer_group_status{group="${g}",status="STALL"} 1`,
    );

    await stuck.stop();
    await produce(t, 10);
    await tick();
    const gone = monitor.group(g)!;
    expect(gone.members).toEqual([]);
    expect(gone.state).toBe('Empty');
    expect(gone.status).toBe('STOP');
    expect(gone.totalLag).toBe(50);
    expect(monitor.groups()[0]!.groupId).toBe(g);
    // What the API will serve parses with the shared schema.
    expect(
      consumerGroupsSchema.safeParse({ items: monitor.groups(), polledAt: monitor.lastPollAt() }).success,
    ).toBe(true);
  });

  it('dates lag seconds from the watermark history and knows nothing after one poll', async () => {
    const t = await kit.topic(1);
    const g = kit.group('never-committed');
    await kit.hangingConsumer(g, t, { handled: 0 }); // Hangs on its first batch: never commits.
    await produce(t, 20);
    await tick();
    let p = monitor.group(g)!.partitions[0]!;
    // No commit yet: everything retained is unread.
    expect([p.committed, p.lag, p.lagSeconds]).toEqual([-1, 20, null]);
    await produce(t, 20);
    await tick();
    p = monitor.group(g)!.partitions[0]!;
    // 20 offsets per second; offset 0 extrapolates to one second before the first poll.
    expect([p.committed, p.lag, p.lagSeconds]).toEqual([-1, 40, 2]);
  });

  it('sorts groups worst first and drops a group that vanished, with its gauges', async () => {
    const t = await kit.topic(1);
    await produce(t, 3);
    const good = kit.group('good');
    const bad = kit.group('bad');
    await kit.consumer(good, [t], () => Promise.resolve());
    await stallingConsumer(bad, t);
    await waitFor(
      async () => (await kit.committedOf(good, t)) === 3 && (await kit.committedOf(bad, t)) === 3,
      {
        what: 'both groups committed',
      },
    );
    for (let i = 0; i < 4; i++) {
      await produce(t, 10);
      await waitFor(async () => (await kit.committedOf(good, t)) === 3 + 10 * (i + 1), {
        what: 'good group keeps up',
      });
      await tick();
    }
    expect(monitor.groups().map((x) => [x.groupId, x.status])).toEqual([
      [bad, 'STALL'],
      [good, 'OK'],
    ]);

    excluded.add(bad);
    await tick();
    expect(monitor.groups().map((x) => x.groupId)).toEqual([good]);
    expect(monitor.group(bad)).toBeUndefined();
    const text = await registry.metrics();
    expect(text).not.toContain(`group="${bad}"`);
    expect(text).toContain(`causeway_consumer_group_lag_offsets{group="${good}",topic="${t}"} 0`);
    expect(monitor.lastPollAt()).toBe(clock);
  });

  it('polls on its own interval once started, and stops', async () => {
    const live = createLagMonitor({ bus, logger: silentLogger(), intervalMs: 20 });
    expect(live.lastPollAt()).toBeNull();
    live.start();
    await waitFor(() => live.lastPollAt() !== null, { what: 'a first poll' });
    const first = live.lastPollAt()!;
    await waitFor(() => live.lastPollAt()! > first, { what: 'a second poll' });
    await live.stop();
    const last = live.lastPollAt();
    await new Promise((r) => setTimeout(r, 60));
    expect(live.lastPollAt()).toBe(last);
  });
});
