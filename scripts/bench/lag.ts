import type { Admin, Kafka } from 'kafkajs';
import { createKafkaBus } from '../../lib/bus/kafka.ts';
import { silentLogger } from '../../lib/logger.ts';
import { createLagMonitor } from '../../collector/lag/index.ts';
import type { Cleanup } from './support/cleanup.ts';
import type { BenchContext } from './support/context.ts';
import { benchKafka, connectedAdmin, createBenchTopics, deleteGroups } from './support/kafka.ts';
import { emit, percentile, progress } from './support/report.ts';

// Benchmark 5: one full consumer-lag poll over 200 groups × 50 partitions. Groups are made the
// way a stopped consumer leaves them: committed offsets and no members, on
// topics with a few records per partition so lags are not all zero. The monitor is the
// collector's (`createLagMonitor`) over the collector's own Kafka bus adapter. It lists every group
// of the (shared) cluster but describes and fetches only ours, so colleagues' groups do not change
// the figure; the first poll includes connecting the admin client, later ones are steady state.

const B = 'lag';
const RECORDS_PER_PARTITION = 20;
const POLLS = 6;

async function mapLimit<T>(items: readonly T[], limit: number, fn: (t: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

/**
 * One short-lived member per group joins, commits on all its partitions at once and leaves, so the
 * group stays Empty with committed offsets. (kafkajs's admin.setOffsets does the same per topic and
 * waits for a fetch each time: ~5 s a call here, 2,000 calls.)
 */
async function makeGroups(
  kafka: Kafka,
  admin: Admin,
  groups: readonly string[],
  topics: readonly string[],
  partitions: number,
  cleanup: Cleanup,
) {
  cleanup.add(`delete ${groups.length} groups`, () => deleteGroups(admin, groups));
  await mapLimit(groups, 8, async (groupId, g) => {
    const consumer = kafka.consumer({
      groupId,
      maxWaitTimeInMs: 100,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
    });
    try {
      const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
      await consumer.connect();
      await consumer.subscribe({ topics: [...topics], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async () => Promise.resolve(),
      });
      await joined;
      // Spread: some partitions caught up, some behind, a few at zero.
      await consumer.commitOffsets(
        topics.flatMap((topic) =>
          Array.from({ length: partitions }, (_, p) => ({
            topic,
            partition: p,
            offset: String((g * 7 + p * 3) % (RECORDS_PER_PARTITION + 1)),
          })),
        ),
      );
    } finally {
      await consumer.disconnect();
    }
  });
}

export async function lagBench(ctx: BenchContext, cleanup: Cleanup): Promise<void> {
  const { lagGroups, lagTopics, lagPartitionsPerTopic } = ctx.opts;
  const kafka = benchKafka(ctx.opts.brokers, `bench-lag-${ctx.runId}`);
  const admin = await connectedAdmin(kafka, cleanup);
  const prefix = `bench-lag-${ctx.runId}-`;
  const topics = Array.from({ length: lagTopics }, (_, i) => `${prefix}t${i}`);
  const groups = Array.from({ length: lagGroups }, (_, i) => `${prefix}g${String(i).padStart(3, '0')}`);
  const perGroup = lagTopics * lagPartitionsPerTopic;
  progress(
    B,
    `creating ${lagTopics} topics × ${lagPartitionsPerTopic} partitions and ${lagGroups} groups committed on ${perGroup} partitions each`,
  );
  await createBenchTopics(
    admin,
    cleanup,
    topics.map((topic) => ({ topic, numPartitions: lagPartitionsPerTopic })),
  );
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const disconnect = cleanup.add('producer disconnect', () => producer.disconnect());
  await producer.sendBatch({
    acks: 1,
    topicMessages: topics.map((topic) => ({
      topic,
      messages: Array.from({ length: lagPartitionsPerTopic * RECORDS_PER_PARTITION }, (_, i) => ({
        partition: i % lagPartitionsPerTopic,
        value: `{"n":${i}}`,
      })),
    })),
  });
  await disconnect();
  const t0 = performance.now();
  await makeGroups(kafka, admin, groups, topics, lagPartitionsPerTopic, cleanup);
  progress(B, `groups committed in ${Math.round(performance.now() - t0)} ms`);
  const clusterGroups = (await admin.listGroups()).groups.length;

  const bus = createKafkaBus({
    brokers: ctx.opts.brokers.split(','),
    clientId: `bench-lag-${ctx.runId}-monitor`,
  });
  cleanup.add('monitor bus close', () => bus.close());
  const mine = new Set(groups);
  const monitor = createLagMonitor({
    bus,
    logger: silentLogger(),
    intervalMs: 5000,
    excludeGroups: (id) => !mine.has(id),
  });
  const times: number[] = [];
  for (let i = 0; i < POLLS; i++) {
    const s = performance.now();
    await monitor.pollOnce();
    times.push(performance.now() - s);
  }
  const seen = monitor.groups().filter((g) => mine.has(g.groupId));
  const partitionsSeen = seen.reduce((s, g) => s + g.partitions.length, 0);
  const totalLag = seen.reduce((s, g) => s + g.totalLag, 0);
  if (seen.length !== lagGroups || partitionsSeen !== lagGroups * perGroup)
    progress(
      B,
      `warning: the monitor saw ${seen.length} groups / ${partitionsSeen} partitions, expected ${lagGroups} / ${lagGroups * perGroup}`,
    );
  const steady = times.slice(1);
  progress(
    B,
    `polls: ${times.map((t) => Math.round(t)).join(', ')} ms (${seen.length} groups, ${partitionsSeen} partitions, total lag ${totalLag}; ${clusterGroups} groups in the cluster)`,
  );
  const common = {
    records: partitionsSeen,
    groups: seen.length,
    partitionsPerGroup: perGroup,
    clusterGroups,
  };
  emit({
    bench: B,
    figure: 'poll_cycle_first',
    value: times[0]!,
    unit: 'ms',
    target: 2000,
    ...common,
    note: 'includes connecting the admin client',
  });
  emit({
    bench: B,
    figure: 'poll_cycle_p50',
    value: percentile(steady, 50),
    unit: 'ms',
    target: 2000,
    ...common,
    polls: steady.length,
    max: Math.max(...steady),
  });
  await monitor.stop();
}
