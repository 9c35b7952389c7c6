import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConsumedRecord, RecordBatch } from '../../lib/bus/types.ts';
import { normalizeHeaders } from '../../lib/events/headers.ts';
import { silentLogger } from '../../lib/logger.ts';
import { createDataset, datasetTopics, planDataset } from '../../scripts/bench/support/dataset.ts';
import { loadCollectorConfig } from '../config.ts';
import { loadSagaDefinitions } from '../sagas/definitions.ts';
import { createSqliteStore } from '../store/sqlite/index.ts';
import type { Store } from '../store/types.ts';
import { BloomFilter, BoundedMap } from './bloom.ts';
import { createInlineEngine, createWorkerEngine, type IngestEngine } from './index.ts';
import { packBatch, unpackBatch } from './protocol.ts';

// The engine's two homes must agree: the same batches through the worker (file store, packed
// transfer) and inline (in-memory store) leave the same records, chains, sagas and DLQ entries.

const dir = mkdtempSync(join(tmpdir(), 'causeway-engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('packed batches', () => {
  it('round-trip keys, values, tombstones and headers byte-exact', () => {
    const records: ConsumedRecord[] = [
      {
        topic: 't',
        partition: 2,
        offset: 41,
        timestamp: 1_700_000_000_123,
        key: Buffer.from('k-ü'),
        value: Buffer.from([0, 255, 1]),
        headers: normalizeHeaders([
          { key: 'rep', value: Buffer.from('one') },
          { key: 'rep', value: Buffer.from('two') },
          { key: 'bin-ключ', value: Buffer.from([0xff, 0xfe]) },
          { key: 'empty', value: Buffer.alloc(0) },
        ]),
      },
      { topic: 't', partition: 2, offset: 42, timestamp: 5, key: null, value: null, headers: [] },
      {
        topic: 't',
        partition: 2,
        offset: 2 ** 40,
        timestamp: 6,
        key: Buffer.alloc(0),
        value: Buffer.alloc(0),
        headers: [],
      },
    ];
    const batch: RecordBatch = { topic: 't', partition: 2, highWatermark: 2 ** 40 + 1, records };
    const back = unpackBatch(packBatch(batch));
    expect(back.highWatermark).toBe(batch.highWatermark);
    expect(
      back.records.map((r) => ({
        ...r,
        key: r.key && [...r.key],
        value: r.value && [...r.value],
        headers: r.headers.map((h) => [h.key, [...h.value]]),
      })),
    ).toEqual(
      records.map((r) => ({
        ...r,
        key: r.key && [...r.key],
        value: r.value && [...r.value],
        headers: r.headers.map((h) => [h.key, [...h.value]]),
      })),
    );
  });
});

describe('Bloom filter and bounded map', () => {
  it('never forgets what was added, and rarely claims what was not', () => {
    const f = new BloomFilter(20);
    for (let i = 0; i < 20_000; i++) f.add(`id-${i}`);
    for (let i = 0; i < 20_000; i++) expect(f.has(`id-${i}`)).toBe(true);
    let fp = 0;
    for (let i = 0; i < 20_000; i++) if (f.has(`other-${i}`)) fp++;
    expect(fp / 20_000).toBeLessThan(0.01);
  });
  it('keeps at most its size, dropping the oldest generation first', () => {
    const m = new BoundedMap<string, number>(4);
    for (const [i, k] of ['a', 'b', 'c', 'd', 'e'].entries()) m.set(k, i);
    expect(m.size).toBeLessThanOrEqual(4);
    expect([m.has('a'), m.has('b'), m.get('c'), m.get('d'), m.get('e')]).toEqual([false, false, 2, 3, 4]);
    m.set('c', 9);
    expect(m.get('c')).toBe(9);
    m.delete('d');
    expect(m.has('d')).toBe(false);
  });
});

function batchesOf(records: number): RecordBatch[] {
  const topics = datasetTopics('eng-');
  const dataset = createDataset({ topics, runId: 'eng', plan: planDataset(records) });
  const offsets = new Map<string, number>();
  const out: RecordBatch[] = [];
  for (const chunk of dataset.chunks(500))
    for (const { topic, messages } of chunk) {
      const byPartition = new Map<number, ConsumedRecord[]>();
      messages.forEach((m, i) => {
        const partition = i % 3;
        const k = `${topic}:${partition}`;
        const offset = offsets.get(k) ?? 0;
        offsets.set(k, offset + 1);
        const list = byPartition.get(partition) ?? [];
        list.push({
          topic,
          partition,
          offset,
          timestamp: Number(m.timestamp ?? Date.now()),
          key: m.key === null || m.key === undefined ? null : Buffer.from(m.key),
          value: m.value === null || m.value === undefined ? null : Buffer.from(m.value),
          headers: normalizeHeaders(m.headers),
        });
        byPartition.set(partition, list);
      });
      for (const [partition, list] of byPartition)
        out.push({ topic, partition, highWatermark: list[list.length - 1]!.offset + 1, records: list });
    }
  return out;
}

async function snapshot(store: Store) {
  const records = await store.records.list({}, { limit: 100_000, cursor: null });
  const chains = await store.chains.list(
    { now: Date.now(), stoppedAfterMs: 3_600_000 },
    { limit: 100_000, cursor: null },
  );
  const sagas = await store.sagas.list({}, { limit: 100_000, cursor: null });
  const dlq = await store.dlq.list({}, { limit: 100_000, cursor: null });
  return {
    records: records.items
      .map((r) => [r.topic, r.partition, r.offset, r.chainId, r.anomalies.join(',')].join('|'))
      .sort(),
    chains: chains.items.map((c) => [c.id, c.recordCount, c.status, c.flow].join('|')).sort(),
    sagas: sagas.items.map((s) => [s.id, s.state, s.stuck].join('|')).sort(),
    dlq: dlq.items.map((d) => [d.id, d.chainId, d.originTopic].join('|')).sort(),
  };
}

describe('ingest engine', () => {
  it('stores the same thing on its worker thread as inline, and redelivery changes nothing', async () => {
    const config = loadCollectorConfig({});
    const sagaDefinitions = loadSagaDefinitions(undefined);
    const batches = batchesOf(4000);
    const path = join(dir, 'worker.db');
    const fileStore = createSqliteStore({ path });
    const memStore = createSqliteStore({ path: ':memory:' });
    const worker = await createWorkerEngine(
      { dbPath: path, config, sagaDefinitions, logLevel: 'silent' },
      silentLogger(),
    );
    const inline = createInlineEngine({
      store: memStore,
      config,
      sagaDefinitions,
      logger: silentLogger(),
      now: Date.now,
    });
    const feed = async (engine: IngestEngine) => {
      const outcomes = await Promise.all(batches.map((b) => engine.ingest(b, true)));
      return outcomes.reduce((n, o) => n + o.stored, 0);
    };
    try {
      const total = batches.reduce((n, b) => n + b.records.length, 0);
      expect(await feed(worker)).toBe(total);
      expect(await feed(inline)).toBe(total);
      // A redelivered batch is a duplicate: nothing stored twice, nothing reported on the tail.
      const again = await worker.ingest(batches[3]!, true);
      expect(again).toMatchObject({ stored: 0, duplicates: batches[3]!.records.length });
      expect(again.summaries).toEqual([]);
      const a = await snapshot(fileStore);
      const b = await snapshot(memStore);
      expect(a.records).toHaveLength(total);
      expect(a.chains.length).toBeGreaterThan(100);
      expect(a.sagas.length).toBeGreaterThan(100);
      expect(a.dlq.length).toBeGreaterThan(0);
      expect(a).toEqual(b);
    } finally {
      await worker.close();
      await fileStore.close();
      await memStore.close();
    }
  }, 60_000);

  it('starts a new worker after the worker dies; the batches it lost are stored once on redelivery', async () => {
    const config = loadCollectorConfig({});
    const batches = batchesOf(2000);
    const path = join(dir, 'crash.db');
    const store = createSqliteStore({ path });
    const worker = await createWorkerEngine(
      { dbPath: path, config, sagaDefinitions: loadSagaDefinitions(undefined), logLevel: 'silent' },
      silentLogger(),
    );
    try {
      const half = Math.floor(batches.length / 2);
      await Promise.all(batches.slice(0, half).map((b) => worker.ingest(b, false)));
      const inFlight = batches.slice(half).map((b) => worker.ingest(b, false));
      await worker.crashForTest();
      const results = await Promise.allSettled(inFlight);
      // What failed is what the Bus reads again; all of it, redelivered, goes through the new worker.
      const failed = batches.slice(half).filter((_, i) => results[i]!.status === 'rejected');
      expect(failed.length).toBeGreaterThan(0);
      await Promise.all([...failed, ...batches.slice(half)].map((b) => worker.ingest(b, false)));
      const total = batches.reduce((n, b) => n + b.records.length, 0);
      expect((await store.records.list({}, { limit: 100_000, cursor: null })).items).toHaveLength(total);
    } finally {
      await worker.close();
      await store.close();
    }
  }, 60_000);
});
