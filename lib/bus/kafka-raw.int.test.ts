import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { normalizeHeaders } from '../events/headers.ts';
import { uniqueName, waitFor } from '../testing/wait-for.ts';
import { createKafkaBus } from './kafka.ts';
import { decodeRecordBatch, readBatchHeader } from './kafka-record-batch.ts';
import type { ConsumedRecord, RecordBatch } from './types.ts';

// Raw fetching (kafka-raw-socket.ts) against the real broker: what a raw consumer's batches decode
// to must be exactly what kafkajs hands an ordinary consumer of the same topic — plain, compressed
// and transactional records, with aborted transactions and their markers left out by both.

const { Kafka, CompressionTypes, logLevel } = kafkajs;
const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
const kafka = new Kafka({ clientId: 'raw-fetch-test', brokers, logLevel: logLevel.NOTHING });
const bus = brokers.length ? createKafkaBus({ brokers, clientId: 'raw-fetch-test' }) : undefined;
afterAll(async () => {
  await bus?.close();
});

const view = (r: ConsumedRecord) => ({
  offset: r.offset,
  timestamp: r.timestamp,
  key: r.key?.toString('hex') ?? null,
  value: r.value?.toString('hex') ?? null,
  headers: r.headers.map((h) => [h.key, h.value.toString('hex')]),
});

// The Java client writes the codecs kafkajs cannot (snappy, lz4) with the jars the local harness
// fetched (docker/kafka-local/kafka.sh keeps them under $CAUSEWAY_CACHE).
const kafkaLibs = join(process.env.CAUSEWAY_CACHE ?? join(homedir(), '.cache/causeway'), 'kafka-3.9.2/libs');
const javaProducer = fileURLToPath(new URL('./fixtures/CompressedProducer.java', import.meta.url));

/** What a raw consumer of `topic` receives: its batches, and their records decoded, once `want` are in. */
async function consumeRaw(topic: string, want: number) {
  const batches: RecordBatch[] = [];
  const raw = bus!.consumer({ groupId: `${topic}-raw`, topics: [topic], rawBatches: true });
  await raw.run(async (b) => {
    batches.push(b);
    await Promise.resolve();
  });
  const records = () =>
    batches.flatMap((b) => [
      ...b.records,
      ...(b.raw?.batches ?? []).flatMap((x) => decodeRecordBatch(x, b.topic, b.partition, b.raw!.fromOffset)),
    ]);
  try {
    await waitFor(() => records().length >= want || undefined, { timeoutMs: 20_000 });
  } finally {
    await raw.stop();
  }
  return { batches, records: records() };
}

describe.skipIf(!bus)('raw record batches from Kafka', () => {
  it('decode to the records kafkajs delivers, transactions and compression included', async () => {
    const topic = uniqueName('raw-fetch');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer();
    const txProducer = kafka.producer({
      transactionalId: `${topic}-tx`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await Promise.all([producer.connect(), txProducer.connect()]);
    try {
      await producer.send({
        topic,
        messages: [
          { key: 'k1', value: '{"a":1}', headers: { h: 'v', rep: ['one', 'two'] } },
          { key: null, value: Buffer.from([0, 255, 1, 2]), headers: { bin: Buffer.from([0xff, 0xfe]) } },
          { key: 'tombstone', value: null },
          { value: 'x'.repeat(70_000), timestamp: '1000' },
        ],
      });
      await producer.send({
        topic,
        compression: CompressionTypes.GZIP,
        messages: Array.from({ length: 50 }, (_, i) => ({
          key: `g${i}`,
          value: `gzip ${i}`,
          headers: { i: String(i) },
        })),
      });
      const aborted = await txProducer.transaction();
      await aborted.send({ topic, messages: [{ value: 'aborted 1' }, { value: 'aborted 2' }] });
      await aborted.abort();
      const committed = await txProducer.transaction();
      await committed.send({ topic, messages: [{ value: 'committed 1' }, { value: 'committed 2' }] });
      await committed.commit();
      await producer.send({ topic, messages: [{ key: 'after', value: 'the transactions' }] });

      const expected: ConsumedRecord[] = [];
      const plain = kafka.consumer({ groupId: `${topic}-plain` });
      await plain.connect();
      await plain.subscribe({ topic, fromBeginning: true });
      await plain.run({
        eachMessage: async ({ message: m, partition }) => {
          expected.push({
            topic,
            partition,
            offset: Number(m.offset),
            timestamp: Number(m.timestamp),
            key: m.key,
            value: m.value,
            headers: normalizeHeaders(m.headers),
          });
          await Promise.resolve();
        },
      });
      await waitFor(() => expected.length >= 57 || undefined, { timeoutMs: 20_000 });
      await plain.disconnect();

      const { batches, records: got } = await consumeRaw(topic, expected.length);

      expect(batches.every((b) => b.raw && b.records.length === 0)).toBe(true);
      expect(got.map(view)).toEqual(expected.map(view));
      expect(expected.map((r) => r.value?.toString())).not.toContain('aborted 1');
      expect(expected.map((r) => r.value?.toString())).toContain('committed 2');
    } finally {
      await Promise.all([producer.disconnect(), txProducer.disconnect()]);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  }, 60_000);

  it('decode batches the Java client compressed with snappy, lz4, zstd and gzip', async () => {
    const topic = uniqueName('raw-codecs');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const codecs = ['snappy', 'lz4', 'zstd', 'gzip'];
    const perCodec = 300;
    try {
      const java = spawnSync(
        'java',
        ['-cp', `${kafkaLibs}/*`, javaProducer, brokers.join(','), topic, String(perCodec), codecs.join(',')],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(java.status, java.stderr).toBe(0);
      const { batches, records: got } = await consumeRaw(topic, codecs.length * perCodec);
      // Each codec's records went out compressed with it (the batch attributes say so).
      const used = new Set(
        batches.flatMap((b) => b.raw!.batches.map((x) => readBatchHeader(x)!.attributes & 7)),
      );
      expect([...used].sort()).toEqual([1, 2, 3, 4]);
      const expected = codecs.flatMap((codec) =>
        Array.from({ length: perCodec }, (_, i) => ({
          key: `${codec}-${i}`,
          value: `${codec} record ${i} ${'xy'.repeat((i * 37) % 500)}`,
          headers: [['codec', codec]],
        })),
      );
      expect(
        got.map((r) => ({
          key: r.key?.toString(),
          value: r.value?.toString(),
          headers: r.headers.map((h) => [h.key, h.value.toString()]),
        })),
      ).toEqual(expected);
      expect(got.map((r) => r.offset)).toEqual(expected.map((_, i) => i));
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  }, 90_000);
});
