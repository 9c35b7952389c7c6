import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RecordBatch } from '../../lib/bus/types.ts';
import { silentLogger } from '../../lib/logger.ts';
import { waitFor } from '../../lib/testing/wait-for.ts';
import { loadCollectorConfig } from '../config.ts';
import { createSagaCatalog, loadSagaDefinitions } from '../sagas/definitions.ts';
import { createSqliteStore } from '../store/sqlite/index.ts';
import { flowTopics, orderFlow, type FlowRecord } from '../testing-flows.ts';
import { createFrontier, judgedThrough, LATE_MARGIN_MS } from './frontier.ts';
import { readBatchHeader } from '../../lib/bus/kafka-record-batch.ts';
import { encodeBatch } from '../../lib/testing/kafka-batch-encoder.ts';
import { createInlineEngine, createWorkerEngine, type BatchOutcome } from './index.ts';
import { createEngineCore } from './core.ts';
import { kafkaChunks, packedChunks } from './land.ts';
import { oldestInChunk, packBatch, packBatches } from './protocol.ts';
import { startSearchIndexer, type SearchIndexer } from './search.ts';

// A saga's deadline is judged only up to where ingest is complete (frontier.ts): while records
// that could answer it still wait on the broker, in landing or for the search worker, a saga whose
// deadline the clock passed is not STUCK. Once everything is read, a saga that really stopped is.

const dir = mkdtempSync(join(tmpdir(), 'causeway-frontier-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The engine inline on an in-memory store (sagas derived and swept in it), STUCK with no grace. */
function inlineEngine(onIndexed: (o: BatchOutcome[]) => void = () => undefined) {
  const store = createSqliteStore({ path: ':memory:' });
  const engine = createInlineEngine({
    store,
    config: loadCollectorConfig({ SAGA_STUCK_GRACE_MS: '0' }),
    sagaDefinitions: loadSagaDefinitions(undefined),
    logger: silentLogger(),
    now: Date.now,
    events: { onIndexed },
  });
  return { store, engine };
}

describe('frontier', () => {
  it('is held back by what waits and by partitions the consumer has not read to the end', () => {
    let clock = 0;
    const f = createFrontier({ clock: () => clock, behindFreshMs: 1000 });
    expect(f.through()).toBe(Infinity);
    f.enter('a', 0, 9, 100);
    f.enter('a', 0, 19, 200);
    f.enter('b', 1, 4, 150);
    expect(f.through()).toBe(100);
    // What leaves is handed on (to the next stage).
    expect(f.leave('a', 0, 9)).toEqual([['a', 0, 9, 100]]);
    expect(f.through()).toBe(150);
    expect(f.leave('b', 1, 4)).toEqual([['b', 1, 4, 150]]);
    expect(f.through()).toBe(200);
    // More of b on the broker: nothing newer than what was fetched of it can be judged.
    f.fetched('b', 1, true, 180);
    expect(f.through()).toBe(180);
    expect(f.leave('a', 0, 25)).toEqual([['a', 0, 19, 200]]);
    expect(f.through()).toBe(180);
    // A report that a partition is behind lapses (the partition was revoked, say).
    clock = 1001;
    expect(f.through()).toBe(Infinity);
    f.fetched('b', 1, false, 300);
    expect(f.through()).toBe(Infinity);
  });

  it('ignores what already went through, and is unknown while an earlier run left records', () => {
    const f = createFrontier();
    f.leave('a', 0, 50);
    // Entered after the records went through (a redelivery, or a report that raced its round).
    f.enter('a', 0, 40, 10);
    expect(f.through()).toBe(Infinity);
    f.unknownAhead(30);
    f.enter('a', 0, 60, 500);
    expect(f.through()).toBe(-Infinity);
    f.left(20);
    expect(f.through()).toBe(-Infinity);
    f.left(10);
    expect(f.through()).toBe(500);
  });

  it('holds nothing back for records stamped long before their partition was last read to the end', () => {
    let wall = 1_000_000;
    const f = createFrontier({ wallClock: () => wall });
    // Catching up from the start: an old record holds everything back at its time.
    expect(f.fetched('a', 0, true, 10)).toBe(-Infinity);
    expect(f.through()).toBe(10);
    // Read to the end at 1,000,000: what arrives later stamped an hour earlier is late data.
    expect(f.fetched('a', 0, false, 20)).toBe(-Infinity);
    wall = 1_000_500;
    const floor = f.fetched('a', 0, true, 1_000_000 - 3_600_000);
    expect(floor).toBe(1_000_000 - LATE_MARGIN_MS);
    expect(f.through()).toBe(floor);
    f.enter('a', 0, 30, Math.max(1_000_000 - 3_600_000, floor));
    expect(f.through()).toBe(floor);
  });
});

describe('records an earlier run landed', () => {
  it('hold deadlines back from the oldest of each partition until indexed, read from their bytes', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    const packed = packBatch({
      topic: 'a',
      partition: 0,
      highWatermark: 2,
      records: [4_000, 3_000].map((timestamp, offset) => ({
        topic: 'a',
        partition: 0,
        offset,
        timestamp,
        key: null,
        value: Buffer.from('{}'),
        headers: [],
      })),
    });
    const kafka = encodeBatch({
      baseOffset: 7,
      baseTimestamp: 6_000,
      records: [{ value: Buffer.from('{}') }],
    });
    await store.transaction(async (tx) =>
      tx.landing.append([
        ...kafkaChunks(
          packBatches({
            topic: 'b',
            partition: 0,
            highWatermark: 8,
            records: [],
            raw: { fromOffset: 7, lastOffset: 7, count: 1, batches: [kafka] },
          })[0]!,
          1,
          -1,
        ).chunks,
        ...(await packedChunks(tx, packed, 1, -1)).chunks,
      ]),
    );
    // As each indexing transaction begins, the frontier holds what it has not indexed yet.
    const seen: number[] = [];
    let indexed = 0;
    const core = createEngineCore({
      store,
      config: loadCollectorConfig({}),
      catalog: createSagaCatalog(loadSagaDefinitions(undefined)),
      logger: silentLogger(),
      now: Date.now,
      onIndexed: (o) => (indexed += o.reduce((n, x) => n + x.stored, 0)),
      onIndexing: () => seen.push(core.indexedThrough()),
    });
    try {
      await waitFor(() => indexed === 3, { what: 'the landed records indexed', timeoutMs: 5_000 });
      expect(seen[0]).toBe(3_000);
      expect(core.indexedThrough()).toBe(Infinity);
    } finally {
      await core.stop();
      await store.close();
    }
  });

  it('of bytes that cannot be read are of unknown time', () => {
    expect(oldestInChunk('kafka', Buffer.alloc(10))).toBe(-Infinity);
    expect(oldestInChunk('packed', Buffer.alloc(10))).toBe(-Infinity);
    expect(oldestInChunk('packed', Buffer.alloc(0))).toBe(Infinity);
  });
});

describe('a fetched Kafka batch, for the frontier', () => {
  const raw = (batches: Buffer[], highWatermark: number): RecordBatch => {
    const last = Math.max(...batches.map((b) => readBatchHeader(b)!.lastOffset));
    return {
      topic: 't',
      partition: 0,
      highWatermark,
      records: [],
      raw: { fromOffset: 0, lastOffset: last, count: 2, batches },
    };
  };
  const data = (o: { transactional?: boolean; logAppendTime?: boolean } = {}) =>
    encodeBatch({
      baseOffset: 0,
      baseTimestamp: 1_000,
      maxTimestamp: 9_000,
      records: [{ value: Buffer.from('a') }, { value: Buffer.from('b'), timestampDelta: 5 }],
      ...o,
    });

  it('carries its oldest timestamp, and whether a commit marker follows its last record', () => {
    const [plain] = packBatches(raw([data()], 2));
    expect(plain).toMatchObject({ minTimestamp: 1_000, endsInTransaction: false });
    const [appended] = packBatches(raw([data({ logAppendTime: true })], 2));
    expect(appended!.minTimestamp).toBe(9_000);
    const [inTx] = packBatches(raw([data({ transactional: true })], 3));
    expect(inTx).toMatchObject({ minTimestamp: 1_000, endsInTransaction: true });
  });

  it('counts a partition whose last offset is a commit marker as read to its end', async () => {
    const { store, engine } = inlineEngine();
    try {
      // Two records and the marker after them: the end.
      await engine.land(raw([data({ transactional: true })], 3));
      await waitFor(() => engine.indexedThrough() === Infinity, {
        what: 'nothing held back',
        timeoutMs: 5_000,
      });
      // The same partition with a record more on the broker: behind, held at what was fetched.
      const at = Date.now();
      const next = encodeBatch({ baseOffset: 3, baseTimestamp: at, records: [{ value: Buffer.from('c') }] });
      await engine.land(raw([next], 5));
      await waitFor(() => engine.indexedThrough() === at, {
        what: 'held at the fetched record',
        timeoutMs: 5_000,
      });
    } finally {
      await engine.close();
      await store.close();
    }
  });
});

/**
 * A topic (one partition each) as the broker holds it: every record produced to it so far, `ends`
 * the offsets past its last; the consumer fetches them one batch per record, in produce order.
 */
function partitionLog() {
  const offsets = new Map<string, number>();
  const ends = new Map<string, number>();
  return {
    produced(records: readonly FlowRecord[]) {
      for (const r of records) ends.set(r.topic, (ends.get(r.topic) ?? 0) + 1);
    },
    fetch(records: readonly FlowRecord[]): RecordBatch[] {
      return records.map((r) => {
        const offset = offsets.get(r.topic) ?? 0;
        offsets.set(r.topic, offset + 1);
        return batchOf(r, offset, ends.get(r.topic)!);
      });
    },
  };
}

function batchOf(r: FlowRecord, offset: number, highWatermark: number): RecordBatch {
  {
    return {
      topic: r.topic,
      partition: 0,
      highWatermark,
      records: [
        {
          topic: r.topic,
          partition: 0,
          offset,
          timestamp: r.timestamp!,
          key: r.key === undefined || r.key === null ? null : Buffer.from(r.key),
          value: r.value === null ? null : Buffer.from(r.value),
          headers: r.headers,
        },
      ],
    };
  }
}

/** An order whose payment step passed its 1 s deadline a few seconds ago, fetched to its end. */
function stalledOrder(ns: string, log: ReturnType<typeof partitionLog>) {
  const flow = orderFlow({
    topics: flowTopics(`${ns}.`),
    outcome: 'stall',
    start: Date.now() - 5000,
    deadlineMs: 1000,
  });
  log.produced(flow.records);
  return { flow, batches: log.fetch(flow.records) };
}

/** An order that completed two minutes ago, each step well within its 1 s deadline. */
function pastOrder(ns: string) {
  const topics = flowTopics(`${ns}.`);
  const flow = orderFlow({ topics, start: Date.now() - 120_000, deadlineMs: 1000, stepMs: 10 });
  // Up to the payment command: RUNNING, its deadline long past by the clock.
  const cut = flow.records.findIndex((r) => r.topic === topics.payment);
  return { topics, flow, before: flow.records.slice(0, cut), after: flow.records.slice(cut) };
}

const KEEP_ALL = { olderThan: 0, maxRecords: Number.MAX_SAFE_INTEGER, maxDeletes: 0 };
const transitionsOf = (outcomes: readonly BatchOutcome[]) =>
  outcomes.flatMap((o) => o.counts.filter(([m]) => m === 'sagaTransitions').map(([, l]) => l.state));

describe('STUCK while ingest is behind', () => {
  it('is not called for a saga whose answer is still on the broker (inline engine)', async () => {
    const outcomes: BatchOutcome[] = [];
    const { store, engine } = inlineEngine((o) => outcomes.push(...o));
    const indexed = (n: number) =>
      waitFor(() => outcomes.reduce((s, o) => s + o.stored, 0) >= n, { what: `${n} records indexed` });
    try {
      const { flow, before, after } = pastOrder('inline');
      // The order's records are all on the broker; the consumer has fetched those up to payment.
      const log = partitionLog();
      log.produced(flow.records);
      for (const b of log.fetch(before)) await engine.land(b);
      await indexed(before.length);
      const running = await store.sagas.get(flow.sagaId);
      expect(running).toMatchObject({ state: 'RUNNING', stuck: false });
      expect(running!.deadline).toBeLessThan(Date.now() - 60_000);
      // The clock passed the deadline, but the consumer has not read its partitions to the end.
      expect((await engine.maintain(KEEP_ALL)).stuck).toEqual([]);
      expect(await store.sagas.get(flow.sagaId)).toMatchObject({ stuck: false });
      expect(engine.indexedThrough()).toBeLessThan(Date.now() - 60_000);
      // Nor is its chain called stopped for its silence (api/routes/chains.ts judges it so).
      const stopped = async (now: number) =>
        (
          await store.chains.list({ status: 'stopped', now, stoppedAfterMs: 1 }, { cursor: null, limit: 10 })
        ).items.map((c) => c.id);
      const seen = Date.now();
      await waitFor(() => Date.now() > seen + 5, { what: 'the chain silent for a few ms by the clock' });
      expect(await stopped(Date.now())).toEqual([flow.orderId]);
      expect(await stopped(judgedThrough(Date.now(), engine.indexedThrough()))).toEqual([]);

      for (const b of log.fetch(after)) await engine.land(b);
      await indexed(flow.records.length);
      expect(await store.sagas.get(flow.sagaId)).toMatchObject({ state: 'COMPLETED', stuck: false });
      expect(transitionsOf(outcomes)).not.toContain('STUCK');
      expect(engine.indexedThrough()).toBe(Infinity);

      // Read to the end, a saga that really stopped is STUCK at the next sweep.
      const { flow: stalled, batches } = stalledOrder('inline', log);
      for (const b of batches) await engine.land(b);
      await indexed(flow.records.length + stalled.records.length);
      expect((await engine.maintain(KEEP_ALL)).stuck).toEqual([{ type: 'order-fulfilment', state: 'STUCK' }]);
      expect(await store.sagas.get(stalled.sagaId)).toMatchObject({ state: 'RUNNING', stuck: true });
    } finally {
      await engine.close();
      await store.close();
    }
  });

  it('is not called while the search worker has not read the answer (store file)', async () => {
    const path = join(dir, 'search.db');
    const config = loadCollectorConfig({ SAGA_STUCK_GRACE_MS: '0' });
    const sagaDefinitions = loadSagaDefinitions(undefined);
    const store = createSqliteStore({ path });
    // As the collector wires them: what the engine indexed goes to the search worker.
    const nudge: { search?: SearchIndexer } = {};
    const engine = await createWorkerEngine(
      { dbPath: path, config, sagaDefinitions, logLevel: 'silent' },
      silentLogger(),
      { onIndexed: () => nudge.search?.nudge(), onPassed: (p) => nudge.search?.enter(p) },
    );
    const transitions: string[] = [];
    const search = startSearchIndexer(
      {
        dbPath: path,
        logLevel: 'silent',
        // A sweep before every round of the worker.
        sagas: { definitions: sagaDefinitions, stuckGraceMs: 0, retentionMs: 3_600_000, maintenanceMs: 1 },
      },
      silentLogger(),
      (ts) => transitions.push(...ts.map((t) => t.state)),
      () => engine.indexedThrough(),
    );
    nudge.search = search;
    try {
      const { flow, before, after } = pastOrder('apart');
      const log = partitionLog();
      log.produced(flow.records);
      for (const b of log.fetch(before)) await engine.land(b);
      await waitFor(async () => (await store.sagas.get(flow.sagaId))?.state === 'RUNNING', {
        what: 'the saga derived by the search worker',
      });
      // Rounds (each after a sweep) go on; none may call it STUCK while the broker holds more.
      const rounds = search.roundsReported();
      await waitFor(() => search.roundsReported() >= rounds + 3, {
        what: 'three more rounds of the search worker',
      });
      expect(search.derivedThrough()).toBeLessThan(Date.now() - 60_000);
      expect(await store.sagas.get(flow.sagaId)).toMatchObject({ stuck: false });

      for (const b of log.fetch(after)) await engine.land(b);
      await waitFor(async () => (await store.sagas.get(flow.sagaId))?.state === 'COMPLETED', {
        what: 'the saga completed',
      });
      expect(transitions).not.toContain('STUCK');

      const { flow: stalled, batches } = stalledOrder('apart', log);
      for (const b of batches) await engine.land(b);
      await waitFor(async () => (await store.sagas.get(stalled.sagaId))?.stuck === true, {
        what: 'the stalled saga STUCK once everything is read',
      });
      expect(await store.sagas.get(flow.sagaId)).toMatchObject({ state: 'COMPLETED', stuck: false });
    } finally {
      await search.close();
      await engine.close();
      await store.close();
    }
  }, 60_000);
});
