import type { BatchHandler, Bus, BusConsumer } from '../../lib/bus/types.ts';
import { uniqueName } from '../../lib/testing/wait-for.ts';

// Lag test setup, shared by the monitor's tests (embedded bus and real broker) and the collector's
// shop flows: fresh topics, groups the test owns, members that stop committing on cue, and the
// broker's own figures to hold the monitor's against. Every consumer it starts is tracked, so a
// test file's afterAll/afterEach is one `cleanup()`.

/** One partition as the broker reports it, with lag by the monitor's definition. */
export interface BrokerFigures {
  readonly partition: number;
  readonly low: number;
  readonly high: number;
  /** -1: nothing committed. */
  readonly committed: number;
  /** high − committed; everything retained (high − low) when nothing is committed. */
  readonly lag: number;
}

/** A member that handles some batches, then hangs on the next one without committing. */
export interface HangingMember {
  readonly consumer: BusConsumer;
  /** Batches handed to the handler so far, the one it hangs on included. */
  calls(): number;
  /** Lets the hung batch fail (so it is not committed either). */
  release(): void;
  /** release() and leave the group. */
  stop(): Promise<void>;
}

export interface LagTestKit {
  /** A fresh topic; its name starts with the kit's prefix. */
  topic(partitions: number): Promise<string>;
  /** A fresh group id, remembered as the test's own (see `owns`). */
  group(prefix: string): string;
  /** For a monitor on a shared broker: `excludeGroups: (id) => !kit.owns(id)`. */
  owns(groupId: string): boolean;
  consumer(groupId: string, topics: readonly string[], handler: BatchHandler): Promise<BusConsumer>;
  /** `handled` batches are handled (and committed), then the member hangs until released. */
  hangingConsumer(
    groupId: string,
    topic: string,
    options?: { handled?: number; maxBatchRecords?: number },
  ): Promise<HangingMember>;
  committedOf(groupId: string, topic: string, partition?: number): Promise<number | undefined>;
  /** What the broker says, read independently of the monitor. */
  brokerFigures(groupId: string, topic: string): Promise<BrokerFigures[]>;
  /** Releases every hung member and stops every consumer the kit started. */
  cleanup(): Promise<void>;
}

export function createLagTestKit(bus: Bus, options: { prefix?: string } = {}): LagTestKit {
  const prefix = options.prefix ?? 'lag';
  const mine = new Set<string>();
  const consumers: BusConsumer[] = [];
  const releases: (() => void)[] = [];

  async function start(
    groupId: string,
    topics: readonly string[],
    handler: BatchHandler,
    maxBatchRecords?: number,
  ) {
    const c = bus.consumer({ groupId, topics, ...(maxBatchRecords && { maxBatchRecords }) });
    consumers.push(c);
    await c.run(handler);
    return c;
  }

  return {
    async topic(partitions) {
      const t = uniqueName(prefix);
      await bus.admin.createTopics([{ topic: t, numPartitions: partitions }]);
      return t;
    },
    group(groupPrefix) {
      const g = uniqueName(groupPrefix);
      mine.add(g);
      return g;
    },
    owns: (groupId) => mine.has(groupId),
    consumer: (groupId, topics, handler) => start(groupId, topics, handler),
    async hangingConsumer(groupId, topic, o = {}) {
      const handled = o.handled ?? 1;
      let calls = 0;
      let release!: () => void;
      // Rejects on release: the hung batch fails and is not committed, whatever comes after.
      const gate = new Promise<never>((_, reject) => (release = () => reject(new Error('released'))));
      gate.catch(() => undefined);
      releases.push(release);
      const consumer = await start(
        groupId,
        [topic],
        async () => {
          if (calls++ < handled) return;
          await gate;
        },
        o.maxBatchRecords,
      );
      return {
        consumer,
        calls: () => calls,
        release,
        async stop() {
          release();
          await consumer.stop();
        },
      };
    },
    async committedOf(groupId, topic, partition = 0) {
      return (await bus.admin.committedOffsets(groupId, [topic])).find((c) => c.partition === partition)
        ?.offset;
    },
    async brokerFigures(groupId, topic) {
      // Committed first, like the monitor: a group that keeps up never shows a negative lag.
      const committed = await bus.admin.committedOffsets(groupId, [topic]);
      return (await bus.admin.topicOffsets(topic)).map(({ partition, low, high }) => {
        const c = committed.find((x) => x.partition === partition)?.offset ?? -1;
        return { partition, low, high, committed: c, lag: c < 0 ? high - low : Math.max(0, high - c) };
      });
    },
    async cleanup() {
      for (const r of releases.splice(0)) r();
      await Promise.all(consumers.splice(0).map((c) => c.stop()));
    },
  };
}
