import { describe, expect, it } from 'vitest';
import type { BusAdmin, PartitionOffsets } from '../../lib/bus/types.ts';
import { silentLogger } from '../../lib/logger.ts';
import { createLagMonitor } from './index.ts';

// Topics deleted under the poller, with a stand-in admin: one group per topic (one partition,
// committed offset 10), each topic's watermark fetch answering, throwing as kafkajs does for a
// deleted topic, or hanging as kafkajs does while it retries one for ~40 s. Whatever one topic
// does must cost that topic only, and the poll must end in bounded time.

const TIMEOUT = 100;
type Behaviour = 'answer' | 'throw' | 'hang';

function stubCluster(names: readonly string[]) {
  const highs = new Map(names.map((t) => [t, 15]));
  const behaviour = new Map<string, Behaviour>();
  const listed = new Set(names);
  const fetched: string[] = [];
  const refuse = () => Promise.reject(new Error('the lag poller must only read'));
  const groupOf = (topic: string) => `g-${topic}`;
  const admin: BusAdmin = {
    createTopics: refuse,
    ensureTopics: refuse,
    deleteTopics: refuse,
    listTopics: () => Promise.resolve([...listed]),
    listGroups: () => Promise.resolve(names.map(groupOf)),
    describeGroups: (ids) =>
      Promise.resolve(ids.map((groupId) => ({ groupId, state: 'Empty' as const, members: [] }))),
    // Brokers may keep a deleted topic's committed offsets for a while: the group still names it.
    committedOffsets: (id) => Promise.resolve([{ topic: id.slice(2), partition: 0, offset: 10 }]),
    topicOffsets(topic): Promise<PartitionOffsets[]> {
      fetched.push(topic);
      const b = behaviour.get(topic) ?? 'answer';
      if (b === 'hang') return new Promise(() => undefined);
      if (b === 'throw')
        return Promise.reject(
          Object.assign(new Error('This server does not host this topic-partition'), {
            type: 'UNKNOWN_TOPIC_OR_PARTITION',
          }),
        );
      return Promise.resolve([{ partition: 0, low: 0, high: highs.get(topic)! }]);
    },
  };
  return {
    admin,
    fetched,
    groupOf,
    set: (topic: string, b: Behaviour) => behaviour.set(topic, b),
    delete: (topic: string) => listed.delete(topic),
    /** Every topic gets `n` more records. */
    produce: (n: number) => {
      for (const [t, h] of highs) highs.set(t, h + n);
    },
  };
}

function monitorOf(cluster: ReturnType<typeof stubCluster>, concurrency = 16) {
  return createLagMonitor({
    bus: { admin: cluster.admin },
    logger: silentLogger(),
    intervalMs: 1000,
    callTimeoutMs: TIMEOUT,
    concurrency,
  });
}

const lagOf = (monitor: ReturnType<typeof monitorOf>, group: string) =>
  monitor.group(group)?.partitions.map((p) => [p.topic, p.lag]);

const timed = async (f: () => Promise<void>) => {
  const started = performance.now();
  await f();
  return performance.now() - started;
};

describe('lag poll with topics deleted under it', () => {
  it('does not ask for the watermarks of a topic missing from the topic list, and drops its partitions', async () => {
    const cluster = stubCluster(['t-gone', 't-kept']);
    const monitor = monitorOf(cluster);
    await monitor.pollOnce();
    expect(lagOf(monitor, 'g-t-gone')).toEqual([['t-gone', 5]]);

    cluster.delete('t-gone');
    // Asking would cost ~40 s on a real broker.
    cluster.set('t-gone', 'hang');
    cluster.fetched.length = 0;
    cluster.produce(3);
    expect(await timed(() => monitor.pollOnce())).toBeLessThan(TIMEOUT);
    expect(cluster.fetched).toEqual(['t-kept']);
    expect(monitor.group('g-t-gone')?.partitions).toEqual([]);
    expect(monitor.group('g-t-gone')?.totalLag).toBe(0);
    expect(lagOf(monitor, 'g-t-kept')).toEqual([['t-kept', 8]]);
  });

  it('keeps the last figures of a topic whose fetch fails, and reads every other topic', async () => {
    const cluster = stubCluster(['t-a', 't-bad', 't-z']);
    const monitor = monitorOf(cluster);
    await monitor.pollOnce();
    cluster.set('t-bad', 'throw');
    cluster.produce(4);
    await monitor.pollOnce();
    expect(lagOf(monitor, 'g-t-a')).toEqual([['t-a', 9]]);
    expect(lagOf(monitor, 'g-t-z')).toEqual([['t-z', 9]]);
    // Not 0, not gone: what the last poll that could read it saw.
    expect(lagOf(monitor, 'g-t-bad')).toEqual([['t-bad', 5]]);
    expect(monitor.group('g-t-bad')?.totalLag).toBe(5);

    cluster.set('t-bad', 'answer');
    await monitor.pollOnce();
    expect(lagOf(monitor, 'g-t-bad')).toEqual([['t-bad', 9]]);
  });

  it('gives up on a fetch that hangs after callTimeoutMs, and on the fetches that would wait behind it', async () => {
    const cluster = stubCluster(['t-a', 't-hang', 't-z']);
    // One fetch at a time: t-a answers, t-hang hangs, t-z would be next.
    const monitor = monitorOf(cluster, 1);
    await monitor.pollOnce();
    cluster.set('t-hang', 'hang');
    cluster.fetched.length = 0;
    cluster.produce(2);

    const elapsed = await timed(() => monitor.pollOnce());
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT - 5);
    expect(elapsed).toBeLessThan(TIMEOUT * 5);
    expect(cluster.fetched).toEqual(['t-a', 't-hang']);
    expect(lagOf(monitor, 'g-t-a')).toEqual([['t-a', 7]]);
    expect(lagOf(monitor, 'g-t-hang')).toEqual([['t-hang', 5]]);
    expect(lagOf(monitor, 'g-t-z')).toEqual([['t-z', 5]]);

    // The next poll asks again: one slow fetch does not mark a topic for good.
    cluster.set('t-hang', 'answer');
    await monitor.pollOnce();
    expect(lagOf(monitor, 'g-t-hang')).toEqual([['t-hang', 7]]);
    expect(lagOf(monitor, 'g-t-z')).toEqual([['t-z', 7]]);
  });
});
