import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConsumedRecord, RecordBatch } from '../../lib/bus/types.ts';
import { normalizeHeaders } from '../../lib/events/headers.ts';
import { silentLogger } from '../../lib/logger.ts';
import { waitFor } from '../../lib/testing/wait-for.ts';
import { createDataset, datasetTopics, planDataset } from '../../scripts/bench/support/dataset.ts';
import { loadCollectorConfig } from '../config.ts';
import { loadSagaDefinitions } from '../sagas/definitions.ts';
import { createSqliteStore } from '../store/sqlite/index.ts';
import type { Store } from '../store/types.ts';
import { BloomFilter, BoundedMap } from './bloom.ts';
import {
  createInlineEngine,
  createWorkerEngine,
  type BatchOutcome,
  type EngineEvents,
  type IngestEngine,
} from './index.ts';
import { packBatch, packedLayout, readPackedRecord, readPackedRecords } from './protocol.ts';
import { startSearchIndexer } from './search.ts';

// The engine's two homes must agree: the same batches through the worker (file store, packed
// transfer; sagas derived by the search worker) and inline (in-memory store) leave the same
// records, chains, sagas and DLQ entries.
// Landed records are indexed once, also across a crash or a stop of the engine.

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
    const packed = packBatch(batch);
    const body = Buffer.from(packed.bytes);
    const layout = packedLayout(body, packed.count);
    expect([...layout.offsets]).toEqual(records.map((r) => r.offset));
    expect(layout.ends.at(-1)).toBe(body.length);
    const back = readPackedRecords(body, 't', 2);
    expect(readPackedRecord(body, layout.ends[0]!, 't', 2).end).toBe(layout.ends[1]);
    expect(
      back.map((r) => ({
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
  const events = await Promise.all(sagas.items.map((s) => store.sagas.events(s.id)));
  const dlq = await store.dlq.list({}, { limit: 100_000, cursor: null });
  return {
    records: records.items
      .map((r) => [r.topic, r.partition, r.offset, r.chainId, r.anomalies.join(',')].join('|'))
      .sort(),
    chains: chains.items.map((c) => [c.id, c.recordCount, c.status, c.flow].join('|')).sort(),
    sagas: sagas.items
      .map((s, i) =>
        [
          s.id,
          s.state,
          s.stuck,
          s.currentStep,
          s.history.length,
          events[i]!.map((e) => e.recordId).join(','),
        ].join('|'),
      )
      .sort(),
    sagaCounts: await store.sagas.counts(),
    dlq: dlq.items.map((d) => [d.id, d.chainId, d.originTopic].join('|')).sort(),
  };
}

/** Collects what an engine reports indexed. */
function indexedLog() {
  const outcomes: BatchOutcome[] = [];
  /** Rows waiting each time indexing was put off for a catch-up. */
  const deferrals: number[] = [];
  const events: EngineEvents = {
    onIndexed: (o) => outcomes.push(...o),
    onIndexingDeferred: (waiting) => deferrals.push(waiting),
  };
  return {
    events,
    outcomes,
    deferrals,
    /** Waits until `rows` landed rows (stored or duplicate) have been reported. */
    async until(rows: number) {
      const deadline = Date.now() + 30_000;
      const seen = () => outcomes.reduce((n, o) => n + o.stored + o.duplicates, 0);
      while (seen() < rows) {
        if (Date.now() > deadline) throw new Error(`only ${seen()} of ${rows} rows indexed`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

/** An inline engine on an in-memory store, with what it reports indexed. */
function memoryEngine() {
  const store = createSqliteStore({ path: ':memory:' });
  const log = indexedLog();
  const engine = createInlineEngine({
    store,
    config: loadCollectorConfig({}),
    sagaDefinitions: loadSagaDefinitions(undefined),
    logger: silentLogger(),
    now: Date.now,
    events: log.events,
  });
  return { store, log, engine };
}

async function storedCount(store: Store, total: number) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const n = (await store.records.list({}, { limit: 100_000, cursor: null })).items.length;
    if (n >= total || Date.now() > deadline) return n;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('ingest engine', () => {
  it('stores the same thing on its worker thread as inline, and redelivery changes nothing', async () => {
    // Whether a saga is STUCK depends on what waits to be derived when it is judged (a transaction
    // here, a round of the search worker there: engine/frontier.ts), not on which thread derives
    // it; the dataset's deadlines are long past, so no deadline is judged in this comparison.
    const config = loadCollectorConfig({ SAGA_STUCK_GRACE_MS: String(100 * 365 * 86_400_000) });
    const sagaDefinitions = loadSagaDefinitions(undefined);
    const batches = batchesOf(4000);
    const path = join(dir, 'worker.db');
    const fileStore = createSqliteStore({ path });
    const memStore = createSqliteStore({ path: ':memory:' });
    const workerLog = indexedLog();
    const inlineLog = indexedLog();
    const worker = await createWorkerEngine(
      { dbPath: path, config, sagaDefinitions, logLevel: 'silent' },
      silentLogger(),
      workerLog.events,
    );
    // On a store file the search worker derives the sagas, from the committed records.
    const apartTransitions: string[] = [];
    const search = startSearchIndexer(
      {
        dbPath: path,
        logLevel: 'silent',
        sagas: {
          definitions: sagaDefinitions,
          stuckGraceMs: config.SAGA_STUCK_GRACE_MS,
          retentionMs: 3_600_000,
          maintenanceMs: 3_600_000,
        },
      },
      silentLogger(),
      (ts) => apartTransitions.push(...ts.map((t) => `${t.type}|${t.state}`)),
      () => worker.indexedThrough(),
    );
    const inline = createInlineEngine({
      store: memStore,
      config,
      sagaDefinitions,
      logger: silentLogger(),
      now: Date.now,
      events: inlineLog.events,
    });
    const total = batches.reduce((n, b) => n + b.records.length, 0);
    const feed = async (engine: IngestEngine, log: ReturnType<typeof indexedLog>) => {
      await Promise.all(batches.map((b) => engine.land(b)));
      await log.until(total);
      return log.outcomes.reduce((n, o) => n + o.stored, 0);
    };
    try {
      expect(await feed(worker, workerLog)).toBe(total);
      expect(await feed(inline, inlineLog)).toBe(total);
      // A redelivered batch is a duplicate: nothing lands or is stored twice.
      expect(await worker.land(batches[3]!)).toBe(batches[3]!.records.length);
      expect(await fileStore.landing.stats()).toEqual({ waiting: 0, waitingAll: 0 });
      await waitFor(async () => (await fileStore.searchBacklog!()) === 0, { timeoutMs: 30_000 });
      const a = await snapshot(fileStore);
      const b = await snapshot(memStore);
      expect(a.records).toHaveLength(total);
      expect(a.chains.length).toBeGreaterThan(100);
      expect(a.sagas.length).toBeGreaterThan(100);
      expect(a.dlq.length).toBeGreaterThan(0);
      expect(a).toEqual(b);
      // The same transitions counted, whichever thread derived them.
      const inlineTransitions = inlineLog.outcomes.flatMap((o) =>
        o.counts.flatMap(([m, l, n]) =>
          m === 'sagaTransitions' ? Array<string>(n).fill(`${l.saga_type}|${l.state}`) : [],
        ),
      );
      expect(inlineTransitions.length).toBeGreaterThan(100);
      // The worker reports a round's transitions after its COMMIT, in a message of its own.
      await waitFor(() => apartTransitions.length >= inlineTransitions.length, {
        what: 'the search worker to report every transition',
      });
      expect(apartTransitions.sort()).toEqual(inlineTransitions.sort());
      expect(workerLog.outcomes.some((o) => o.counts.some(([m]) => m === 'sagaTransitions'))).toBe(false);
    } finally {
      await search.close();
      await worker.close();
      await inline.close();
      await fileStore.close();
      await memStore.close();
    }
  }, 60_000);

  it('lands only the records of a batch it does not hold, by offset', async () => {
    const { store, log, engine } = memoryEngine();
    const batch = (...offsets: number[]): RecordBatch => ({
      topic: 'x',
      partition: 0,
      highWatermark: Math.max(...offsets) + 1,
      records: offsets.map((offset) => ({
        topic: 'x',
        partition: 0,
        offset,
        timestamp: 1000 + offset,
        key: null,
        value: Buffer.from(`{"n":${offset}}`),
        headers: [],
      })),
    });
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    try {
      expect(await engine.land(batch(...range(0, 100)))).toBe(0);
      // Overlapping the records landed (some maybe indexed by now) and going past them.
      expect(await engine.land(batch(...range(50, 150)))).toBe(50);
      // An offset inside a landed run of offsets is held (Kafka never delivers a skipped offset
      // later); one below the highest landed but outside every run is probed and lands.
      expect(await engine.land(batch(200))).toBe(0);
      expect(await engine.land(batch(202))).toBe(0);
      expect(await engine.land(batch(201, 202))).toBe(1);
      await log.until(153);
      const stored = await store.records.list({}, { limit: 1000, cursor: null });
      expect(stored.items.map((r) => r.offset).sort((a, b) => a - b)).toEqual([
        ...range(0, 150),
        200,
        201,
        202,
      ]);
    } finally {
      await engine.close();
      await store.close();
    }
  });

  it('starts a new worker after the worker dies; the batches it lost are stored once on redelivery', async () => {
    const config = loadCollectorConfig({});
    const batches = batchesOf(2000);
    const path = join(dir, 'crash.db');
    const store = createSqliteStore({ path });
    const worker = await createWorkerEngine(
      { dbPath: path, config, sagaDefinitions: loadSagaDefinitions(undefined), logLevel: 'silent' },
      silentLogger(),
      indexedLog().events,
    );
    try {
      const half = Math.floor(batches.length / 2);
      await Promise.all(batches.slice(0, half).map((b) => worker.land(b)));
      const inFlight = batches.slice(half).map((b) => worker.land(b));
      await worker.crashForTest();
      const results = await Promise.allSettled(inFlight);
      // What failed is what the Bus reads again; all of it, redelivered, goes through the new worker.
      const failed = batches.slice(half).filter((_, i) => results[i]!.status === 'rejected');
      expect(failed.length).toBeGreaterThan(0);
      await Promise.all([...failed, ...batches.slice(half)].map((b) => worker.land(b)));
      const total = batches.reduce((n, b) => n + b.records.length, 0);
      expect(await storedCount(store, total)).toBe(total);
    } finally {
      await worker.close();
      await store.close();
    }
  }, 60_000);

  it('indexes what an earlier engine landed and did not index', async () => {
    const config = loadCollectorConfig({});
    const sagaDefinitions = loadSagaDefinitions(undefined);
    // More than one indexing transaction takes (MAX_INDEX_RECORDS, indexer.ts), so that some are left.
    const batches = batchesOf(12_000);
    const total = batches.reduce((n, b) => n + b.records.length, 0);
    const path = join(dir, 'resume.db');
    const store = createSqliteStore({ path });
    const init = { dbPath: path, config, sagaDefinitions, logLevel: 'silent' };
    const first = await createWorkerEngine(init, silentLogger(), indexedLog().events);
    await Promise.all(batches.map((b) => first.land(b)));
    // Stopped right after landing: indexing has barely begun.
    await first.close();
    const left = (await store.landing.stats()).waiting;
    expect(left).toBeGreaterThan(0);
    const second = await createWorkerEngine(init, silentLogger(), indexedLog().events);
    try {
      expect(await storedCount(store, total)).toBe(total);
      expect((await store.landing.stats()).waiting).toBe(0);
    } finally {
      await second.close();
      await store.close();
    }
  }, 60_000);

  it('lands first and indexes later while the consumer is far behind the watermarks', async () => {
    const { store, log, engine } = memoryEngine();
    try {
      const [first, second] = batchesOf(200);
      // 100k records behind: a catch-up. Landed, offsets committable, nothing indexed yet.
      await engine.land({ ...first!, highWatermark: first!.highWatermark + 100_000 });
      // The engine looked at what to do next and put indexing off: only now is "nothing indexed" news.
      await waitFor(() => log.deferrals.length > 0, {
        what: 'indexing to be put off for the catch-up',
        timeoutMs: 10_000,
      });
      expect(log.outcomes).toEqual([]);
      expect((await store.landing.stats()).waiting).toBe(first!.records.length);
      // Caught up: the next batch reaches its watermark, and everything is indexed.
      await engine.land(second!);
      await log.until(first!.records.length + second!.records.length);
      expect((await store.landing.stats()).waiting).toBe(0);
    } finally {
      await engine.close();
      await store.close();
    }
  });

  it('indexes a full landing table even while catching up, so landing goes on', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    const log = indexedLog();
    const engine = createInlineEngine({
      store,
      config: loadCollectorConfig({ COLLECTOR_MAX_UNINDEXED: '300' }),
      sagaDefinitions: loadSagaDefinitions(undefined),
      logger: silentLogger(),
      now: Date.now,
      events: log.events,
    });
    try {
      const batches = batchesOf(1200);
      const total = batches.reduce((n, b) => n + b.records.length, 0);
      // Far behind the watermarks throughout, one batch after another as a consumer sends them:
      // past 300 waiting, each landing waits for indexing, which must not wait for the lag.
      for (const b of batches) await engine.land({ ...b, highWatermark: b.highWatermark + 100_000 });
      expect(log.outcomes.length).toBeGreaterThan(0);
      // Never put off for the catch-up with a full landing table (each such wait is seconds long).
      expect(log.deferrals.filter((waiting) => waiting >= 300)).toEqual([]);
      await log.until(total);
    } finally {
      await engine.close();
      await store.close();
    }
  });

  it('sets aside a landed batch that fails indexing again and again, and indexes the rest', async () => {
    const real = createSqliteStore({ path: ':memory:' });
    // A store whose insert fails for one record, as a bug or a corrupt row would make it fail.
    const store: Store = {
      ...real,
      transaction: (fn) =>
        real.transaction((tx) =>
          fn({
            ...tx,
            records: {
              ...tx.records,
              insert: async (r) => {
                if (r.keyText === 'poison') throw new Error('cannot index this one');
                return tx.records.insert(r);
              },
            },
          }),
        ),
    };
    const log = indexedLog();
    const engine = createInlineEngine({
      store,
      config: loadCollectorConfig({}),
      sagaDefinitions: loadSagaDefinitions(undefined),
      logger: silentLogger(),
      now: Date.now,
      events: log.events,
    });
    const one = (offset: number, key: string): RecordBatch => ({
      topic: 'q',
      partition: 0,
      highWatermark: 3,
      records: [
        { topic: 'q', partition: 0, offset, timestamp: 1, key: Buffer.from(key), value: null, headers: [] },
      ],
    });
    try {
      await Promise.all([engine.land(one(0, 'a')), engine.land(one(1, 'poison')), engine.land(one(2, 'b'))]);
      await log.until(3);
      const quarantined = log.outcomes.flatMap((o) => o.counts).filter(([m]) => m === 'batchesQuarantined');
      expect(quarantined).toEqual([['batchesQuarantined', { topic: 'q' }, 1]]);
      const items = (await real.records.list({}, { limit: 10, cursor: null })).items;
      expect(items.map((r) => [r.offset, r.keyText]).sort()).toEqual([
        [0, 'a'],
        [1, null],
        [2, 'b'],
      ]);
      const set = await real.records.get('q', 0, 1);
      expect(set?.problems.map((p) => p.problem).join()).toMatch(
        /^quarantined: indexing failed 3 times \(cannot index this one\)/,
      );
      expect((await real.landing.stats()).waiting).toBe(0);
    } finally {
      await engine.close();
      await real.close();
    }
  }, 30_000);
});
