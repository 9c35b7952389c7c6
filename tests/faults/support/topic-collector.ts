import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import kafkajs, { type ITopicConfig, type Producer } from 'kafkajs';
import { afterAll, beforeAll } from 'vitest';
import { recordDetailSchema, type RecordDetail } from '../../../lib/api/records.ts';
import { lz4Decompress, snappyDecompress } from '../../../lib/bus/kafka-compression.ts';
import { lz4Frame, snappyXerial } from '../../../lib/testing/kafka-batch-encoder.ts';
import { uniqueName } from '../../../lib/testing/wait-for.ts';
import { stopAllCollectors, startCollectorProcess, type CollectorProcess } from './collector-process.ts';
import { sharedBrokers } from './env.ts';

// For the files that send hostile batches through the real broker to a collector process: one
// fresh single-partition topic, a kafkajs producer for it, and a collector that indexes only that
// topic into its own SQLite file; all of it removed again after the file.

const { Kafka, CompressionTypes, CompressionCodecs, logLevel } = kafkajs;

type Encoder = { buffer: Buffer };
const codec = (compress: (b: Buffer) => Buffer, decompress: (b: Buffer) => Buffer) => () => ({
  compress: async (e: Encoder) => Promise.resolve(compress(e.buffer)),
  decompress: async (b: Buffer) => Promise.resolve(decompress(b)),
});

/**
 * kafkajs ships no snappy / lz4 / zstd compressor: the test producer uses the test encoder's
 * (lib/testing/kafka-batch-encoder.ts) and node's zstd. Registered in this process only.
 */
export function registerTestCodecs(): void {
  CompressionCodecs[CompressionTypes.Snappy] = codec(snappyXerial, (b) => snappyDecompress(b));
  CompressionCodecs[CompressionTypes.LZ4] = codec(lz4Frame, (b) => lz4Decompress(b));
  CompressionCodecs[CompressionTypes.ZSTD] = codec(
    (b) => zlib.zstdCompressSync(b),
    (b) => zlib.zstdDecompressSync(b),
  );
}

export interface TopicCollector {
  readonly topic: string;
  readonly producer: Producer;
  /** Set once the enclosing describe's beforeAll has run. */
  readonly collector: CollectorProcess;
  /** The record at `offset` of partition 0 as the collector's API has it, or undefined (not yet). */
  readonly record: (offset: number) => Promise<RecordDetail | undefined>;
}

/**
 * Call inside a describe: registers its beforeAll (create the topic, connect, start the collector)
 * and afterAll (stop the collector, delete the topic and the database). `name` makes the topic,
 * group, client id and directory names; `collectorEnv` adds to the collector's environment.
 */
export function setUpTopicCollector(opts: {
  name: string;
  topicSuffix: string;
  topicConfig?: ITopicConfig['configEntries'];
  collectorEnv?: Record<string, string>;
}): TopicCollector {
  const topic = `${uniqueName(`faults-${opts.name}`)}.${opts.topicSuffix}`;
  const dir = mkdtempSync(join(tmpdir(), `cw-faults-${opts.name}-`));
  const kafka = new Kafka({
    clientId: `faults-${opts.name}`,
    brokers: sharedBrokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  let collector: CollectorProcess | undefined;

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 1, ...(opts.topicConfig && { configEntries: opts.topicConfig }) }],
    });
    await producer.connect();
    collector = await startCollectorProcess({
      KAFKA_BROKERS: sharedBrokers.join(','),
      COLLECTOR_DB_PATH: join(dir, 'collector.db'),
      COLLECTOR_GROUP_ID: uniqueName(`faults-${opts.name}-collector`),
      COLLECTOR_TOPIC_INCLUDE: topic.replaceAll('.', '\\.'),
      LAG_POLL_INTERVAL_MS: '60000',
      ...opts.collectorEnv,
    });
  }, 60_000);
  afterAll(async () => {
    await stopAllCollectors();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  const started = (): CollectorProcess => {
    if (!collector) throw new Error('the collector starts in beforeAll: use it inside a test');
    return collector;
  };
  return {
    topic,
    producer,
    get collector() {
      return started();
    },
    record: async (offset) => {
      const res = await fetch(`${started().url}/api/records/${encodeURIComponent(`${topic}:0:${offset}`)}`);
      return res.status === 200 ? recordDetailSchema.parse(await res.json()) : undefined;
    },
  };
}
