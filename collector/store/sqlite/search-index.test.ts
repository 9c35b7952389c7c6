import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../lib/logger.ts';
import { createSearchSagas } from '../../engine/search-sagas.ts';
import { createSagaCatalog, loadSagaDefinitions } from '../../sagas/definitions.ts';
import type { SagaRow, Store } from '../types.ts';
import { newRecord } from '../testing.ts';
import { openSql, type Sql } from './db.ts';
import { createSqliteStore } from './index.ts';
import { migrate } from './migrations.ts';
import { createSagaRepo } from './sagas.ts';
import {
  attachSearchIndex,
  catchUpSearchIndex,
  FTS_AUTOMERGE,
  searchIndexPath,
  searchPendingPartitions,
} from './search-index.ts';

// A store file's text index lives in `<db>-search` and is filled by the search worker's rounds
// (`catchUpSearchIndex`), not by the record transactions: these check what the worker's
// connection does, round by round, against a store's own reads.

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function files() {
  const dir = mkdtempSync(join(tmpdir(), 'causeway-search-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'collector.db');
}

function open(path: string, opts: { attachSearch?: boolean } = {}): Store {
  const s = createSqliteStore({ path, ...opts });
  cleanup.push(() => s.close());
  return s;
}

/** The worker's connection: main file plus the search file, as search-worker.ts opens them. */
function worker(path: string): Sql {
  const sql = openSql(path);
  attachSearchIndex(sql, path);
  cleanup.push(() => sql.db.close());
  return sql;
}

const find = async (s: Store, q: string) =>
  (await s.records.list({ q }, { cursor: null, limit: 100 })).items
    .map((r) => r.offset)
    .sort((a, b) => a - b);
const ftsRows = (sql: Sql) => Number(sql.get('SELECT count(*) AS n FROM search.records_fts')?.n);
const drain = async (sql: Sql, max = 3) => {
  let total = 0;
  for (let n = await catchUpSearchIndex(sql, max); n > 0; n = await catchUpSearchIndex(sql, max)) total += n;
  return total;
};

describe('search index of a store file', () => {
  it('makes a record searchable once the worker indexed it, in rounds, and says how many wait', async () => {
    const path = files();
    const writer = open(path, { attachSearch: false });
    const reader = open(path);
    const text = (o: number) =>
      Buffer.from(JSON.stringify({ orderId: `ord-${o}`, note: o % 2 ? 'odd' : 'even' }));
    await writer.transaction(async (tx) => {
      for (let o = 0; o < 7; o++) await tx.records.insert(newRecord(o, { value: text(o) }));
    });
    // Stored, listed, not yet searchable.
    expect((await reader.records.list({}, { cursor: null, limit: 100 })).items).toHaveLength(7);
    expect(await find(reader, 'ord-3')).toEqual([]);
    expect(await reader.searchBacklog?.()).toBe(7);
    expect('searchBacklog' in writer).toBe(false);

    const sql = worker(path);
    expect(await catchUpSearchIndex(sql, 3)).toBe(3);
    expect(await reader.searchBacklog?.()).toBe(4);
    expect(await find(reader, 'ord-2')).toEqual([2]);
    expect(await find(reader, 'ord-3')).toEqual([]);
    expect(await drain(sql)).toBe(4);
    expect(await reader.searchBacklog?.()).toBe(0);
    expect(await find(reader, 'odd')).toEqual([1, 3, 5]);
    // Nothing is indexed twice: one index row per record.
    expect(await catchUpSearchIndex(sql, 3)).toBe(0);
    expect(ftsRows(sql)).toBe(7);
  });

  it('says, per partition, how old the records waiting for it are (a restart behind holds deadlines from there)', async () => {
    const path = files();
    const writer = open(path, { attachSearch: false });
    await writer.transaction(async (tx) => {
      for (let o = 0; o < 4; o++) await tx.records.insert(newRecord(o, { timestamp: 5000 + o }));
      for (let o = 0; o < 3; o++)
        await tx.records.insert(newRecord(o, { topic: 'u', partition: 2, timestamp: 9000 - o }));
    });
    const sql = worker(path);
    const pending = () => searchPendingPartitions(sql).sort((a, b) => a.topic.localeCompare(b.topic));
    expect(pending()).toEqual([
      { topic: 't', partition: 0, lastOffset: 3, oldest: 5000 },
      { topic: 'u', partition: 2, lastOffset: 2, oldest: 8998 },
    ]);
    // Read up to t/0's third record: what is left of t/0 starts at its fourth.
    expect(await catchUpSearchIndex(sql, 3)).toBe(3);
    expect(pending()).toEqual([
      { topic: 't', partition: 0, lastOffset: 3, oldest: 5003 },
      { topic: 'u', partition: 2, lastOffset: 2, oldest: 8998 },
    ]);
    await drain(sql);
    expect(pending()).toEqual([]);
  });

  it('indexes the decoded text of a schema-encoded value, not its bytes', async () => {
    const path = files();
    const writer = open(path, { attachSearch: false });
    const reader = open(path);
    await writer.transaction(async (tx) => {
      await tx.records.insert(
        newRecord(0, {
          value: Buffer.from([0x00, 0x01, 0x02]),
          valueKind: 'binary',
          decodedText: '{"sku":"sku-991"}',
        }),
      );
    });
    await drain(worker(path));
    expect(await find(reader, 'sku-991')).toEqual([0]);
  });

  it('drops the index rows of records retention deleted, and of seqs used again after every record went', async () => {
    const path = files();
    const writer = open(path, { attachSearch: false });
    const reader = open(path);
    const sql = worker(path);
    const word = (o: number) => Buffer.from(JSON.stringify({ w: `word${o}`, all: 'common' }));
    await writer.transaction(async (tx) => {
      for (let o = 0; o < 10; o++)
        await tx.records.insert(newRecord(o, { value: word(o), storedAt: 1000 + o }));
    });
    await drain(sql, 100);
    expect(ftsRows(sql)).toBe(10);
    await writer.enforceRetention({ olderThan: 1004, maxRecords: 1000, maxDeletes: 100 });
    await drain(sql, 100);
    await catchUpSearchIndex(sql, 100);
    expect(ftsRows(sql)).toBe(6);
    expect(await find(reader, 'common')).toEqual([4, 5, 6, 7, 8, 9]);

    // Every record deleted: the next ones take seqs from the start again and must not inherit
    // the old records' words.
    await writer.enforceRetention({ olderThan: 5000, maxRecords: 1000, maxDeletes: 100 });
    await writer.transaction(async (tx) => {
      await tx.records.insert(newRecord(50, { value: Buffer.from('{"w":"fresh"}') }));
    });
    await drain(sql, 100);
    expect(await find(reader, 'fresh')).toEqual([50]);
    expect(await find(reader, 'common')).toEqual([]);
    expect(await find(reader, 'word9')).toEqual([]);
    expect(ftsRows(sql)).toBe(1);

    // Again, and refilled past the old seqs before the worker looks: seqs alone cannot tell.
    await writer.enforceRetention({ olderThan: 5000, maxRecords: 1000, maxDeletes: 100 });
    await writer.transaction(async (tx) => {
      for (let o = 100; o < 103; o++)
        await tx.records.insert(newRecord(o, { value: Buffer.from(`{"w":"again${o}"}`) }));
    });
    await drain(sql, 100);
    expect(await find(reader, 'fresh')).toEqual([]);
    expect(await find(reader, 'again100')).toEqual([100]);
    expect(ftsRows(sql)).toBe(3);
  });

  it('rebuilds the index of a store from before the search file, from its first record', async () => {
    const path = files();
    const old = openSql(path);
    migrate(old, 9);
    old.run(
      `INSERT INTO records (seq, topic, partition, offset, ts, stored_at, key_text, key_encoding, value_kind,
        value_size, value_truncated, is_dlq, is_retry, problems, anomalies)
       VALUES (1, 't', 0, 1, 1, 1, 'ord-77', 'utf8', 'json', 9, 0, 0, 0, '[]', ''),
              (2, 't', 0, 2, 2, 2, 'abcd', 'hex', 'binary', 2, 0, 0, 0, '[]', '')`,
    );
    old.run('INSERT INTO record_bodies (seq, key, value, headers) VALUES (?, ?, ?, ?), (?, ?, ?, ?)', [
      1,
      Buffer.from('ord-77'),
      Buffer.from('{"status":"Declined"}'),
      JSON.stringify([
        { key: 'ce_type', value: 'PaymentDeclined', encoding: 'utf8' },
        { key: 'raw', value: 'beef', encoding: 'hex' },
      ]),
      2,
      Buffer.from([0xab, 0xcd]),
      Buffer.from('zzz'),
      '[]',
    ]);
    old.db.close();
    const reader = open(path);
    expect(await reader.searchBacklog?.()).toBe(2);
    await drain(worker(path));
    expect(await find(reader, 'ord-77')).toEqual([1]);
    expect(await find(reader, 'paymentdeclined declined')).toEqual([1]);
    // Hex keys and headers, binary values: not text, not indexed.
    expect(await find(reader, 'beef')).toEqual([]);
    expect(await find(reader, 'abcd')).toEqual([]);
    expect(await find(reader, 'zzz')).toEqual([]);
  });

  it('merges index segments FTS_AUTOMERGE at a time, in a new search file and in one made before', () => {
    const automerge = (sql: Sql) =>
      sql.get(`SELECT v FROM search.records_fts_config WHERE k = 'automerge'`)?.v ?? null;
    const fresh = worker(files());
    expect(automerge(fresh)).toBe(FTS_AUTOMERGE);

    // A search file from before the setting: its index has FTS5's default (no row).
    const path = files();
    const before = new DatabaseSync(searchIndexPath(path));
    before.exec(
      `CREATE VIRTUAL TABLE records_fts USING fts5(text, content='', contentless_delete=1, detail=none)`,
    );
    expect(before.prepare(`SELECT v FROM records_fts_config WHERE k = 'automerge'`).get()).toBeUndefined();
    before.close();
    expect(automerge(worker(path))).toBe(FTS_AUTOMERGE);
  });
});

/** The search worker's connection with its saga derivation, as search-worker.ts sets them up. */
function sagaWorker(path: string, now: () => number) {
  const sql = worker(path);
  const sagas = createSearchSagas(sql, {
    catalog: createSagaCatalog(loadSagaDefinitions(undefined)),
    stuckGraceMs: 0,
    now,
    logger: silentLogger(),
  });
  const round = async () => {
    const n = await catchUpSearchIndex(sql, 100, sagas.round);
    sagas.settle();
    return n;
  };
  return { sql, sagas, round };
}

const change = (
  offset: number,
  state: string,
  step: string,
  stepStatus: string,
  at: number,
  deadline?: number,
  sagaId = 'saga-1',
) =>
  newRecord(offset, {
    topic: 'orders.saga',
    ceType: 'SagaStateChanged',
    sagaId,
    value: Buffer.from(
      JSON.stringify({
        sagaId,
        sagaType: 'order-fulfilment',
        orderId: 'ord-1',
        state,
        step,
        stepStatus,
        at: new Date(at).toISOString(),
        ...(deadline !== undefined && { deadline: new Date(deadline).toISOString() }),
      }),
    ),
    storedAt: at,
  });

const count = (sql: Sql, table: string) => Number(sql.get(`SELECT count(*) AS n FROM ${table}`)?.n);

// On a store file the saga tables live in the search file too and the worker's rounds derive them
// (sagas-apart.ts). That they equal what the ingest engine derives inline is engine.test.ts's check.
describe('sagas derived apart, in the search file', () => {
  it('derives a saga in the rounds, once, sweeps it STUCK, and drops what retention takes', async () => {
    const path = files();
    const writer = open(path, { attachSearch: false });
    const reader = open(path);
    let now = 3000;
    const w = sagaWorker(path, () => now);
    await writer.transaction(async (tx) => {
      await tx.records.insert(change(0, 'RUNNING', 'reserve', 'STARTED', 1000, 5000));
      await tx.records.insert(
        newRecord(1, { topic: 'inventory.commands', sagaId: 'saga-1', sagaStep: 'reserve', storedAt: 1100 }),
      );
    });
    // Stored, not yet derived: the saga appears with the round, as text search does.
    expect(await reader.sagas.get('saga-1')).toBeUndefined();
    expect(await reader.searchBacklog?.()).toBe(2);
    expect(await w.round()).toBe(2);
    expect(await reader.searchBacklog?.()).toBe(0);
    const running = await reader.sagas.get('saga-1');
    expect(running).toMatchObject({ state: 'RUNNING', stuck: false, currentStep: 'reserve', deadline: 5000 });
    expect((await reader.sagas.events('saga-1')).map((e) => e.recordId)).toEqual([
      'orders.saga:0:0',
      'inventory.commands:0:1',
    ]);
    expect(w.sagas.take()).toEqual([{ type: 'order-fulfilment', state: 'RUNNING' }]);

    // Deriving the same records again (a round that crashed before its COMMIT is redone) changes nothing.
    w.sql.run('UPDATE search.search_state SET indexed_to = 0');
    expect(await w.round()).toBe(2);
    expect(await reader.sagas.get('saga-1')).toEqual(running);
    expect(count(w.sql, 'search.saga_events')).toBe(2);
    expect(w.sagas.take()).toEqual([]);

    // The deadline passed: the sweep marks it STUCK, the counts follow.
    now = 10_000;
    expect(await w.sagas.sweep()).toBe(1);
    expect(w.sagas.take()).toEqual([{ type: 'order-fulfilment', state: 'STUCK' }]);
    expect(await reader.sagas.counts()).toEqual([{ type: 'order-fulfilment', state: 'STUCK', count: 1 }]);

    // The saga moves on: a later record brings it back from STUCK, through the cache.
    await writer.transaction(async (tx) => {
      await tx.records.insert(change(2, 'COMPLETED', 'reserve', 'SUCCEEDED', 9000));
    });
    expect(await w.round()).toBe(1);
    expect(await reader.sagas.get('saga-1')).toMatchObject({ state: 'COMPLETED', stuck: false });
    expect(w.sagas.take()).toEqual([{ type: 'order-fulfilment', state: 'COMPLETED' }]);

    // Retention deletes the two older records: their saga events go in the next round.
    await writer.enforceRetention({ olderThan: 2000, maxRecords: 1000, maxDeletes: 100 });
    await w.round();
    expect((await reader.sagas.events('saga-1')).map((e) => e.recordId)).toEqual(['orders.saga:0:2']);
    // And sagas not updated since the cut are removed by age.
    now = 20_000;
    expect(await w.sagas.retain(9001, 100)).toBe(1);
    expect(await reader.sagas.get('saga-1')).toBeUndefined();
    expect(await reader.sagas.counts()).toEqual([]);
  });

  it('leaves out a record whose saga derivation fails, and indexes the rest of its round', async () => {
    const path = files();
    const writer = open(path, { attachSearch: false });
    const reader = open(path);
    const w = sagaWorker(path, () => 3000);
    // A saga the search file refuses to write: a stand-in for a derivation that throws.
    w.sql.db.exec(`CREATE TEMP TRIGGER poison BEFORE INSERT ON search.sagas WHEN new.id = 'saga-bad'
      BEGIN SELECT RAISE(ABORT, 'poisoned saga'); END`);
    await writer.transaction(async (tx) => {
      await tx.records.insert(change(0, 'RUNNING', 'reserve', 'STARTED', 1000));
      await tx.records.insert(change(1, 'RUNNING', 'reserve', 'STARTED', 1000, undefined, 'saga-bad'));
      await tx.records.insert(change(2, 'COMPLETED', 'reserve', 'SUCCEEDED', 2000));
    });
    // The fast round fails whole; the next derives record by record and commits without it.
    await expect(w.round()).rejects.toThrow(/poisoned saga/);
    expect(await w.round()).toBe(3);
    expect(await reader.searchBacklog?.()).toBe(0);
    expect(await reader.sagas.get('saga-1')).toMatchObject({ state: 'COMPLETED' });
    expect(await reader.sagas.get('saga-bad')).toBeUndefined();
    expect((await reader.sagas.events('saga-bad')).length).toBe(0);
    expect(w.sagas.take()).toEqual([
      { type: 'order-fulfilment', state: 'RUNNING' },
      { type: 'order-fulfilment', state: 'COMPLETED' },
    ]);
    // And the rounds after it go the fast way again.
    await writer.transaction(async (tx) => {
      await tx.records.insert(change(3, 'RUNNING', 'reserve', 'STARTED', 3000, undefined, 'saga-2'));
    });
    expect(await w.round()).toBe(1);
    expect(await reader.sagas.get('saga-2')).toMatchObject({ state: 'RUNNING' });
  });

  it('moves the saga tables of an older store file into the search file, once', async () => {
    const path = files();
    // A store as it was before: sagas in the main file.
    const old = openSql(path);
    migrate(old);
    const repo = createSagaRepo(old);
    const saga = (id: string, state: SagaRow['state']): SagaRow => ({
      id,
      type: 'order-fulfilment',
      source: 'orchestrated',
      state,
      stuck: false,
      stuckAt: null,
      correlationId: `c-${id}`,
      currentStep: 'pay',
      startedAt: 1000,
      updatedAt: 2000,
      deadline: null,
      steps: [],
      history: [],
      nextExpected: null,
      reason: null,
    });
    repo.put(saga('a', 'RUNNING'));
    repo.put(saga('b', 'RUNNING'));
    repo.put(saga('c', 'COMPENSATED'));
    repo.addEvent({
      sagaId: 'a',
      recordSeq: 1,
      recordId: 't:0:1',
      type: 'X',
      at: 1000,
      step: 'pay',
      data: null,
    });
    old.db.close();

    for (let i = 0; i < 2; i++) {
      const s = open(path);
      expect(await s.sagas.get('c')).toEqual(saga('c', 'COMPENSATED'));
      expect((await s.sagas.events('a')).map((e) => e.recordId)).toEqual(['t:0:1']);
      expect(await s.sagas.counts()).toEqual([
        { type: 'order-fulfilment', state: 'COMPENSATED', count: 1 },
        { type: 'order-fulfilment', state: 'RUNNING', count: 2 },
      ]);
      await s.close();
    }
    const main = openSql(path);
    cleanup.push(() => main.db.close());
    expect(main.get(`SELECT count(*) AS n FROM sqlite_master WHERE name LIKE 'saga%'`)?.n).toBe(0);
    const search = openSql(searchIndexPath(path));
    cleanup.push(() => search.db.close());
    expect(count(search, 'sagas')).toBe(3);
  });
});
