import { randomBytes } from 'node:crypto';
import { createKafkaAdmin } from './kafka-admin.ts';
import { createKafkaClients, type KafkaBusOptions } from './kafka-clients.ts';
import { createKafkaConsumer, tpKey, type ReaderPositions } from './kafka-consumer.ts';
import { createKafkaProduce } from './kafka-produce.ts';
import {
  isInternalTopic,
  type Bus,
  type BusConsumer,
  type BusTail,
  type ConsumerOptions,
  type TailOptions,
  tailGroupId,
} from './types.ts';

// The kafkajs adapter of the Bus port, in parts: the clients (kafka-clients.ts), producing with
// per-record offsets (kafka-produce.ts), consumer-group members (kafka-consumer.ts), admin calls
// (kafka-admin.ts); here they are put together, with the live tail's group-less reader.

export type { KafkaBusOptions } from './kafka-clients.ts';

export function createKafkaBus(options: KafkaBusOptions): Bus {
  const clients = createKafkaClients(options);
  const log = clients.log;
  const admin = createKafkaAdmin(clients);
  const consumers = new Set<BusConsumer>();

  /** Topics matching `pattern`, internal ones never. */
  async function topicsMatching(pattern: RegExp): Promise<string[]> {
    const re = new RegExp(pattern.source, pattern.flags.replace('g', ''));
    return (await clients.withAdmin((a) => a.listTopics()))
      .filter((t) => !isInternalTopic(t) && re.test(t))
      .sort();
  }

  const consumer = (opts: ConsumerOptions, reader?: ReaderPositions): BusConsumer =>
    createKafkaConsumer(
      {
        clients,
        topicsMatching,
        onRunning: (c, running) => (running ? consumers.add(c) : consumers.delete(c)),
      },
      opts,
      reader,
    );

  // kafkajs has no group-less (assign) consumer, and its public API offers no Fetch of its own. So
  // a tail reader is a consumer alone in a throwaway group that never commits: the broker assigns
  // it every partition, and the positions are ours (seeded from the high watermarks at `run`,
  // applied on each join). The group is deleted on stop; one left by a crash holds no offsets, so
  // the broker drops it once it is empty (offsets.retention.check.interval.ms). Its name marks it
  // (`isTailGroupId`) so lag views leave it out. This reuses all of `consumer` (pattern refresh,
  // raw batches, rejoin on new topics) instead of a second fetch loop.
  function tail(t: TailOptions): BusTail {
    const groupId = tailGroupId(t.name, randomBytes(16).toString('hex'));
    const reader: ReaderPositions = { positions: new Map() };
    const c = consumer(
      {
        groupId,
        topicPattern: t.topicPattern,
        fromBeginning: false,
        ...(t.rawBatches !== undefined && { rawBatches: t.rawBatches }),
        ...(t.clientId !== undefined && { clientId: t.clientId }),
        ...(t.topicRefreshMs !== undefined && { topicRefreshMs: t.topicRefreshMs }),
        sessionTimeoutMs: 10_000,
      },
      reader,
    );
    let joined = false;
    return {
      async run(onBatch) {
        const topics = await topicsMatching(t.topicPattern);
        await Promise.all(
          topics.map(async (topic) => {
            for (const p of await admin.topicOffsets(topic))
              reader.positions.set(tpKey(topic, p.partition), p.high);
          }),
        );
        joined = true;
        await c.run((batch) => {
          try {
            onBatch(batch);
          } catch (err) {
            // A view: a batch it fails on is skipped, never read again in a loop.
            log?.warn({ err, topic: batch.topic, partition: batch.partition }, 'tail reader handler failed');
          }
          return Promise.resolve();
        });
      },
      async stop() {
        await c.stop();
        if (!joined) return;
        await clients
          .withAdmin((a) => a.deleteGroups([groupId]))
          .catch((err: unknown) =>
            log?.debug({ err, groupId }, 'could not delete a tail reader group (the broker drops it later)'),
          );
      },
    };
  }

  return {
    kind: 'kafka',
    produce: createKafkaProduce(clients),
    consumer: (opts) => consumer(opts),
    tail,
    admin,
    async close() {
      await Promise.all([...consumers].map((c) => c.stop()));
      await clients.close();
    },
  };
}
