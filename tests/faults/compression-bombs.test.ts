import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordDetailSchema, type RecordDetail } from '../../lib/api/records.ts';
import { lz4Decompress, snappyDecompress } from '../../lib/bus/kafka-compression.ts';
import { lz4Frame, snappyXerial } from '../../lib/testing/kafka-batch-encoder.ts';
import { uniqueName, waitFor } from '../../lib/testing/wait-for.ts';
import {
  stopAllCollectors,
  startCollectorProcess,
  type CollectorProcess,
} from './support/collector-process.ts';
import { sharedBrokers } from './support/env.ts';

// Compression bombs on the real broker: one record batch per codec whose records section is a few
// hundred KB on the wire and 16 MB once decompressed, against a collector bounded at 1 MB per
// batch. Each must be refused (kept as one record holding the batch's bytes, with a problem naming
// the codec and the bound), the records produced after it must be indexed as usual, and the
// collector must still be the same process. kafkajs ships no snappy / lz4 / zstd compressor: this
// test registers the test encoder's (lib/testing/kafka-batch-encoder.ts) for its own producer.

const { Kafka, CompressionTypes, CompressionCodecs, logLevel } = kafkajs;
const BOUND = 1024 * 1024;
const BOMB_BYTES = 16 * 1024 * 1024;

type Encoder = { buffer: Buffer };
const codec = (compress: (b: Buffer) => Buffer, decompress: (b: Buffer) => Buffer) => () => ({
  compress: async (e: Encoder) => Promise.resolve(compress(e.buffer)),
  decompress: async (b: Buffer) => Promise.resolve(decompress(b)),
});
CompressionCodecs[CompressionTypes.Snappy] = codec(snappyXerial, (b) => snappyDecompress(b));
CompressionCodecs[CompressionTypes.LZ4] = codec(lz4Frame, (b) => lz4Decompress(b));
CompressionCodecs[CompressionTypes.ZSTD] = codec(
  (b) => zlib.zstdCompressSync(b),
  (b) => zlib.zstdDecompressSync(b),
);

const CODECS = [
  ['gzip', CompressionTypes.GZIP],
  ['snappy', CompressionTypes.Snappy],
  ['lz4', CompressionTypes.LZ4],
  ['zstd', CompressionTypes.ZSTD],
] as const;

describe.skipIf(!sharedBrokers.length)('compression bombs from the broker', () => {
  const topic = `${uniqueName('faults-bombs')}.bombs`;
  const dir = mkdtempSync(join(tmpdir(), 'cw-faults-bombs-'));
  const kafka = new Kafka({ clientId: 'faults-bombs', brokers: sharedBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  let collector: CollectorProcess;

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: 1,
          configEntries: [{ name: 'max.message.bytes', value: String(4 * 1024 * 1024) }],
        },
      ],
    });
    await producer.connect();
    collector = await startCollectorProcess({
      KAFKA_BROKERS: sharedBrokers.join(','),
      COLLECTOR_DB_PATH: join(dir, 'collector.db'),
      COLLECTOR_GROUP_ID: uniqueName('faults-bombs-collector'),
      COLLECTOR_TOPIC_INCLUDE: topic.replaceAll('.', '\\.'),
      COLLECTOR_MAX_BATCH_BYTES: String(BOUND),
      LAG_POLL_INTERVAL_MS: '60000',
    });
  }, 60_000);
  afterAll(async () => {
    await stopAllCollectors();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  const record = async (offset: number): Promise<RecordDetail | undefined> => {
    const res = await fetch(`${collector.url}/api/records/${encodeURIComponent(`${topic}:0:${offset}`)}`);
    return res.status === 200 ? recordDetailSchema.parse(await res.json()) : undefined;
  };

  it('refuses each bomb as one record with a problem, and indexes what comes after it', async () => {
    const pid = collector.child.pid;
    const offsets: { name: string; bomb: number; after: number }[] = [];
    for (const [name, compression] of CODECS) {
      const [bomb] = await producer.send({
        topic,
        compression,
        messages: [{ key: `bomb-${name}`, value: Buffer.alloc(BOMB_BYTES) }],
      });
      const [after] = await producer.send({
        topic,
        messages: [{ key: `after-${name}`, value: `{"codec":"${name}"}` }],
      });
      offsets.push({ name, bomb: Number(bomb!.baseOffset), after: Number(after!.baseOffset) });
    }
    for (const o of offsets) {
      const after = await waitFor(() => record(o.after), {
        what: `the record after the ${o.name} bomb`,
        timeoutMs: 60_000,
      });
      expect(after.key).toBe(`after-${o.name}`);
      const bomb = (await record(o.bomb))!;
      expect(bomb.key).toBeNull();
      expect(bomb.valueKind).toBe('binary');
      // The batch as the broker sent it: far smaller than what it claims to hold.
      expect(bomb.valueSize).toBeLessThan(BOUND);
      // (Its bytes as the value: truncated to MAX_VALUE_BYTES when the batch is larger.)
      expect(bomb.problems.map((p) => p.problem)).toContain(
        `record batch not decoded (${o.name}: expands past ${BOUND} bytes); its bytes are the value`,
      );
    }
    const health = await collector.health();
    expect(health.recordsIndexing).toBe(0);
    expect(health.batchesQuarantined).toBe(0);
    expect(collector.exitCode()).toBeNull();
    expect(collector.child.pid).toBe(pid);
  }, 120_000);
});
