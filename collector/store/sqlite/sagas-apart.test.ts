import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../lib/logger.ts';
import { createSearchSagas } from '../../engine/search-sagas.ts';
import { createSagaCatalog, loadSagaDefinitions } from '../../sagas/definitions.ts';
import { newRecord } from '../testing.ts';
import type { SagaRow, Store } from '../types.ts';
import { openSql, type Sql } from './db.ts';
import { createSqliteStore } from './index.ts';
import { migrate } from './migrations.ts';
import { createSagaRepo } from './sagas.ts';
import { attachSearchIndex, catchUpSearchIndex, searchIndexPath } from './search-index.ts';

// On a store file the saga tables live in the search file and the search worker derives them
// (sagas-apart.ts): what its rounds, sweeps and retention leave, and the move of an older store's
// saga tables. That they equal what the ingest engine derives inline is engine.test.ts's check.

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function file() {
  const dir = mkdtempSync(join(tmpdir(), 'causeway-sagas-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'collector.db');
}

function open(path: string, opts: { attachSearch?: boolean } = {}): Store {
  const s = createSqliteStore({ path, ...opts });
  cleanup.push(() => s.close());
  return s;
}

/** The search worker's connection and saga derivation, as search-worker.ts sets them up. */
function worker(path: string, now: () => number) {
  const sql = openSql(path);
  attachSearchIndex(sql, path);
  cleanup.push(() => sql.db.close());
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
) =>
  newRecord(offset, {
    topic: 'orders.saga',
    ceType: 'SagaStateChanged',
    sagaId: 'saga-1',
    value: Buffer.from(
      JSON.stringify({
        sagaId: 'saga-1',
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

describe('sagas derived apart, in the search file', () => {
  it('derives a saga in the rounds, once, sweeps it STUCK, and drops what retention takes', async () => {
    const path = file();
    const writer = open(path, { attachSearch: false });
    const reader = open(path);
    let now = 3000;
    const w = worker(path, () => now);
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

  it('moves the saga tables of an older store file into the search file, once', async () => {
    const path = file();
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
