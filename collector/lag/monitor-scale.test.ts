import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { BusAdmin, CommittedOffset, GroupDescription, PartitionOffsets } from '../../lib/bus/types.ts';
import { silentLogger } from '../../lib/logger.ts';
import { createLagMonitor } from './index.ts';

// The target: 200 groups × 50 partitions in one poll cycle within 2 s. A stand-in admin
// answers every request after a fixed round trip, counts calls and requests in flight, and refuses
// anything that is not a read: the poller's cost is then its number of sequential round trips
// (listing the topics, once per poll, is one of them).

const GROUPS = 200;
const TOPICS = 10;
const PARTITIONS = 50;
const ROUND_TRIP_MS = 20;

function slowAdmin() {
  const calls: Record<string, number> = {};
  let inFlight = 0;
  let maxInFlight = 0;
  let high = 1000;
  const call = async <T>(name: string, value: () => T): Promise<T> => {
    calls[name] = (calls[name] ?? 0) + 1;
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    await new Promise((r) => setTimeout(r, ROUND_TRIP_MS));
    inFlight--;
    return value();
  };
  const refuse = () => Promise.reject(new Error('the lag poller must only read'));
  const groupId = (i: number) => `group-${String(i).padStart(3, '0')}`;
  const topicOf = (id: string) => `topic-${Number(id.slice(6)) % TOPICS}`;
  const admin: BusAdmin = {
    createTopics: refuse,
    ensureTopics: refuse,
    deleteTopics: refuse,
    listTopics: () => call('listTopics', () => Array.from({ length: TOPICS }, (_, i) => `topic-${i}`)),
    listGroups: () => call('listGroups', () => Array.from({ length: GROUPS }, (_, i) => groupId(i))),
    describeGroups: (ids) =>
      call('describeGroups', () =>
        ids.map((id): GroupDescription => ({
          groupId: id,
          state: 'Stable',
          members: [
            {
              memberId: `${id}-m`,
              clientId: id,
              host: '/127.0.0.1',
              assignments: [
                { topic: topicOf(id), partitions: Array.from({ length: PARTITIONS }, (_, p) => p) },
              ],
            },
          ],
        })),
      ),
    committedOffsets: (id) =>
      call('committedOffsets', () =>
        Array.from({ length: PARTITIONS }, (_, partition): CommittedOffset => ({
          topic: topicOf(id),
          partition,
          offset: high - 7,
        })),
      ),
    topicOffsets: () =>
      call('topicOffsets', () =>
        Array.from({ length: PARTITIONS }, (_, partition): PartitionOffsets => ({ partition, low: 0, high })),
      ),
  };
  return {
    admin,
    calls,
    maxInFlight: () => maxInFlight,
    produce: (n: number) => (high += n),
    reset: () => {
      for (const k of Object.keys(calls)) delete calls[k];
    },
  };
}

describe('lag monitor at scale', () => {
  it('polls 200 groups × 50 partitions in well under 2 s with one watermark fetch per topic', async () => {
    const cluster = slowAdmin();
    const registry = new Registry();
    const monitor = createLagMonitor({
      bus: { admin: cluster.admin },
      logger: silentLogger(),
      intervalMs: 5000,
      registry,
    });
    await monitor.pollOnce();
    cluster.reset();
    cluster.produce(100);

    const started = performance.now();
    await monitor.pollOnce();
    const elapsed = performance.now() - started;

    // Done one by one, the 200 + 10 + 6 round trips would take 4.3 s.
    expect(elapsed).toBeLessThan(2000);
    expect(cluster.calls).toEqual({
      listGroups: 1,
      listTopics: 1,
      describeGroups: 4,
      committedOffsets: GROUPS,
      topicOffsets: TOPICS,
    });
    expect(cluster.maxInFlight()).toBeLessThanOrEqual(16);
    const groups = monitor.groups();
    expect(groups).toHaveLength(GROUPS);
    expect(groups.every((g) => g.partitions.length === PARTITIONS && g.totalLag === 7 * PARTITIONS)).toBe(
      true,
    );
    expect(groups.every((g) => g.partitions.every((p) => p.lagSeconds !== null))).toBe(true);
    const text = await registry.metrics();
    expect(text.match(/^causeway_consumer_lag_offsets\{/gm)).toHaveLength(GROUPS * PARTITIONS);
  });
});
