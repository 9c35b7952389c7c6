import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordDetailSchema, type RecordDetail } from '../../lib/api/records.ts';
import { uniqueName, waitFor } from '../../lib/testing/wait-for.ts';
import {
  stopAllCollectors,
  startCollectorProcess,
  type CollectorProcess,
} from './support/collector-process.ts';
import { sharedBrokers } from './support/env.ts';

// A batch that kills the indexer, on the real broker: 100,000 small JSON records in one zstd batch
// of ~230 KB (54 MB decompressed, under the collector's bounds) decode into more objects than the
// ingest worker's heap holds, so the worker dies each time it takes the batch. The collector must
// set the batch aside after a few deaths (kept as one record holding its bytes, counted in
// /api/health and /metrics) and index what follows it, in the same process.

const { Kafka, CompressionTypes, CompressionCodecs, logLevel } = kafkajs;
CompressionCodecs[CompressionTypes.ZSTD] = () => ({
  compress: async (e: { buffer: Buffer }) => Promise.resolve(zlib.zstdCompressSync(e.buffer)),
  decompress: async (b: Buffer) => Promise.resolve(zlib.zstdDecompressSync(b)),
});

describe.skipIf(!sharedBrokers.length)('a batch that crashes the indexer', () => {
  const topic = `${uniqueName('faults-poison')}.orders`;
  const dir = mkdtempSync(join(tmpdir(), 'cw-faults-poison-'));
  const kafka = new Kafka({ clientId: 'faults-poison', brokers: sharedBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  let collector: CollectorProcess;

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    await producer.connect();
    collector = await startCollectorProcess({
      KAFKA_BROKERS: sharedBrokers.join(','),
      COLLECTOR_DB_PATH: join(dir, 'collector.db'),
      COLLECTOR_GROUP_ID: uniqueName('faults-poison-collector'),
      COLLECTOR_TOPIC_INCLUDE: topic.replaceAll('.', '\\.'),
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

  it('is quarantined after the worker dies on it, and ingest goes on', async () => {
    const pid = collector.child.pid;
    await producer.send({ topic, messages: [{ key: 'before', value: '{"n":0}' }] });
    const value = JSON.stringify({ items: Array.from({ length: 60 }, (_, i) => ({ i })) });
    const [poison] = await producer.send({
      topic,
      compression: CompressionTypes.ZSTD,
      messages: Array.from({ length: 100_000 }, () => ({ value })),
    });
    const [after] = await producer.send({ topic, messages: [{ key: 'after', value: '{"n":1}' }] });
    const first = Number(poison!.baseOffset);
    expect(Number(after!.baseOffset)).toBe(first + 100_000);

    const next = await waitFor(() => record(first + 100_000), {
      what: 'the record after the poison batch indexed',
      timeoutMs: 120_000,
      intervalMs: 500,
    });
    expect(next.key).toBe('after');
    expect((await record(0))?.key).toBe('before');
    const setAside = (await record(first))!;
    expect(setAside.valueKind).toBe('binary');
    expect(setAside.problems.map((p) => p.problem).join('\n')).toMatch(
      /^quarantined: the indexer crashed 2 times on it; its bytes are the value/m,
    );
    // None of the batch's records was indexed one by one.
    expect(await record(first + 1)).toBeUndefined();
    const health = await collector.health();
    expect(health.batchesQuarantined).toBe(1);
    expect(health.recordsIndexing).toBe(0);
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    expect(metrics).toContain(`causeway_ingest_quarantined_batches_total{topic="${topic}"} 1`);
    expect(collector.output()).toMatch(/the ingest worker died/);
    expect(collector.exitCode()).toBeNull();
    expect(collector.child.pid).toBe(pid);
  }, 180_000);
});
