import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DlqEntryRow, NewRecord, Store } from '../types.ts';
import { newRecord as baseRecord } from '../testing.ts';
import { openSql } from './db.ts';
import { createSqliteStore } from './index.ts';
import { createLandingRepo, landingSegmentDir } from './landing.ts';
import { migrate } from './migrations.ts';

const stores: Store[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const open = (path = ':memory:') => {
  const s = createSqliteStore({ path });
  stores.push(s);
  return s;
};

/** A landing chunk of one record at `first` of t/0: `bytes` bytes, each `first`. */
const recordChunk = (first: number, bytes: number) => ({
  topic: 't',
  partition: 0,
  format: 'packed' as const,
  firstOffset: first,
  lastOffset: first,
  count: 1,
  landedAt: 1,
  body: Buffer.alloc(bytes, first),
});

const newRecord = (offset: number, patch: Partial<NewRecord> = {}): NewRecord =>
  baseRecord(offset, {
    key: Buffer.from('k'),
    keyText: 'k',
    keyEncoding: 'utf8',
    value: Buffer.from('{}'),
    valueSize: 2,
    headers: [{ key: 'h', value: 'v', encoding: 'utf8' }],
    ceId: `ce-${offset}`,
    ceType: 'T',
    ceSource: 's',
    ...patch,
  });

describe('SQLite store', () => {
  it('stores a (topic, partition, offset) once however often it is written', async () => {
    const s = open();
    const first = await s.transaction((tx) => tx.records.insert(newRecord(1)));
    const again = await s.transaction((tx) => tx.records.insert(newRecord(1, { ceType: 'Changed' })));
    expect(first?.seq).toBeGreaterThan(0);
    expect(again).toBeUndefined();
    const got = await s.records.get('t', 0, 1);
    expect(got?.ceType).toBe('T');
    expect(got?.headers).toEqual([{ key: 'h', value: 'v', encoding: 'utf8' }]);
    expect((await s.records.list({}, { cursor: null, limit: 10 })).items).toHaveLength(1);
  });

  it('rolls a failed transaction back whole, and a failed savepoint back alone', async () => {
    const s = open();
    await expect(
      s.transaction(async (tx) => {
        await tx.records.insert(newRecord(1));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await s.records.get('t', 0, 1)).toBeUndefined();
    await s.transaction(async (tx) => {
      await tx.records.insert(newRecord(2));
      await tx
        .savepoint(async () => {
          await tx.records.insert(newRecord(3));
          throw new Error('derivation failed');
        })
        .catch(() => undefined);
    });
    expect(await s.records.get('t', 0, 2)).toBeDefined();
    expect(await s.records.get('t', 0, 3)).toBeUndefined();
  });

  it('serialises concurrent transactions', async () => {
    const s = open();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        s.transaction(async (tx) => {
          await tx.records.insert(newRecord(i));
          await new Promise((r) => setImmediate(r));
          await tx.records.insert(newRecord(100 + i));
        }),
      ),
    );
    expect((await s.records.list({}, { cursor: null, limit: 500 })).items).toHaveLength(40);
  });

  it('takes replay slots only below the maximum, one conditional write each, and gives them back', async () => {
    const s = open();
    const entry: DlqEntryRow = {
      id: 'd:0:0',
      recordSeq: 1,
      recordId: 'd:0:0',
      dlqTopic: 'd',
      convention: 'spring',
      originTopic: 't',
      originPartition: 0,
      originOffset: 0,
      originGroup: null,
      errorClass: null,
      errorCauseClass: null,
      errorMessage: null,
      errorStack: null,
      attempts: null,
      firstFailedAt: 1,
      lastFailedAt: 1,
      key: null,
      ceId: null,
      ceType: null,
      correlationId: null,
      sagaId: null,
      chainId: null,
      status: 'unresolved',
      replayCount: 1,
    };
    await s.dlq.insert(entry);
    const slots = await Promise.all([1, 2, 3, 4].map(() => s.dlq.reserveReplay(entry.id, 3)));
    expect(slots.sort()).toEqual([2, 3, undefined, undefined]);
    expect((await s.dlq.get(entry.id))?.replayCount).toBe(3);
    await s.dlq.releaseReplay(entry.id);
    expect(await s.dlq.reserveReplay(entry.id, 3)).toBe(3);
    expect(await s.dlq.reserveReplay('no-such-entry', 3)).toBeUndefined();
    for (let i = 0; i < 5; i++) await s.dlq.releaseReplay(entry.id);
    expect((await s.dlq.get(entry.id))?.replayCount).toBe(0);
  });

  it('keeps data across reopening a file database and does not re-run migrations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-store-'));
    dirs.push(dir);
    const path = join(dir, 'collector.db');
    const a = createSqliteStore({ path });
    await a.transaction((tx) => tx.records.insert(newRecord(7)));
    await a.close();
    const b = open(path);
    expect((await b.records.get('t', 0, 7))?.ceId).toBe('ce-7');
  });

  it('enforces retention by age and by size in bounded steps', async () => {
    const s = open();
    await s.transaction(async (tx) => {
      for (let i = 0; i < 100; i++) await tx.records.insert(newRecord(i, { storedAt: i < 30 ? 10 : 5000 }));
    });
    const byAge = await s.enforceRetention({ olderThan: 100, maxRecords: 1000, maxDeletes: 20 });
    expect(byAge.records).toBe(20);
    await s.enforceRetention({ olderThan: 100, maxRecords: 1000, maxDeletes: 20 });
    expect((await s.records.stats()).approxCount).toBe(70);
    await s.enforceRetention({ olderThan: 0, maxRecords: 50, maxDeletes: 1000 });
    expect((await s.records.stats()).approxCount).toBe(50);
    const oldest = (await s.records.list({}, { cursor: null, limit: 500 })).items
      .map((r) => r.offset)
      .sort((a, b) => a - b)[0];
    expect(oldest).toBe(50);
  });

  it('lands chunks, knows which offsets it holds, hands chunks out by records and bytes', async () => {
    const s = open();
    await s.transaction((tx) => tx.records.insert(newRecord(0)));
    const chunk = (first: number, last: number, count: number, fill = first) => ({
      topic: 't',
      partition: 0,
      format: first === 8 ? ('kafka' as const) : ('packed' as const),
      firstOffset: first,
      lastOffset: last,
      count,
      landedAt: 1,
      body: Buffer.alloc(100, fill),
    });
    expect(await s.landing.highestOffset('t', 0)).toBe(0);
    expect(await s.landing.highestOffset('t', 1)).toBe(-1);
    // 1..3, then 5 and 7 of a compacted run 5..7, then 8..9.
    await s.transaction((tx) => tx.landing.append([chunk(1, 3, 3), chunk(5, 7, 2), chunk(8, 9, 2)]));
    expect(await s.landing.highestOffset('t', 0)).toBe(9);
    const held = await Promise.all([0, 1, 3, 4, 5, 9, 10].map((o) => s.landing.holds('t', 0, o)));
    expect(held).toEqual([true, true, true, false, true, true, false]);
    expect(await s.landing.holds('u', 0, 1)).toBe(false);
    // seq counts records: 3 + 2 + 2 waiting.
    expect((await s.landing.stats()).waiting).toBe(7);
    const firsts = async (limit: number, bytes: number) =>
      (await s.landing.next(limit, bytes)).map((c) => c.firstOffset);
    expect(await firsts(10, 250)).toEqual([1, 5, 8]);
    expect((await s.landing.next(10, 10_000)).map((c) => c.format)).toEqual(['packed', 'packed', 'kafka']);
    expect(await firsts(4, 10_000)).toEqual([1, 5]);
    expect(await firsts(3, 10_000)).toEqual([1]);
    expect(await firsts(10, 150)).toEqual([1, 5]);
    // A chunk larger than either budget still comes out, alone.
    expect(await firsts(1, 1)).toEqual([1]);
    const [first] = await s.landing.next(1, 1);
    expect(first).toMatchObject({ firstOffset: 1, lastOffset: 3, count: 3, seq: 3 });
    expect([...first!.body]).toEqual([...chunk(1, 3, 3).body]);
    await s.transaction((tx) => tx.landing.remove(first!.seq));
    expect(await s.landing.stats()).toMatchObject({ waiting: 4 });
    await s.transaction((tx) => tx.landing.remove(7));
    expect(await s.landing.stats()).toMatchObject({ waiting: 0 });
    expect(await s.landing.highestOffset('t', 0)).toBe(0);
  });

  it("keeps a file store's landed bytes in segment files, read back after a restart, deleted once indexed", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'landing-'));
    dirs.push(dir);
    const path = join(dir, 'c.db');
    const segments = () => readdirSync(landingSegmentDir(path)).sort();
    const a = createSqliteStore({ path });
    await a.transaction((tx) => tx.landing.append([recordChunk(1, 10), recordChunk(2, 70_000)]));
    expect(segments()).toEqual(['0000000001.seg']);
    await a.close();
    // A restart reads what the last run landed and writes a segment of its own.
    const b = open(path);
    expect((await b.landing.next(10, 1e9)).map((c) => [c.firstOffset, c.body.length, c.body[0]])).toEqual([
      [1, 10, 1],
      [2, 70_000, 2],
    ]);
    await b.transaction((tx) => tx.landing.append([recordChunk(3, 5)]));
    expect(segments()).toEqual(['0000000001.seg', '0000000002.seg']);
    // Indexed (removed), the old segment goes at the next append; the one being written stays.
    await b.transaction((tx) => tx.landing.remove(2));
    await b.transaction((tx) => tx.landing.append([recordChunk(4, 5)]));
    expect(segments()).toEqual(['0000000002.seg']);
    expect((await b.landing.next(10, 1e9)).map((c) => [c.firstOffset, [...c.body]])).toEqual([
      [3, [3, 3, 3, 3, 3]],
      [4, [4, 4, 4, 4, 4]],
    ]);
    expect(await b.landing.stats()).toEqual({ waiting: 2 });
  });

  it('deletes each segment file once nothing landed in it waits, as segments rotate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'landing-'));
    dirs.push(dir);
    const sql = openSql(join(dir, 'c.db'));
    migrate(sql);
    const repo = createLandingRepo(sql, { segmentDir: join(dir, 'seg'), segmentBytes: 100 });
    const chunk = (first: number) => recordChunk(first, 60);
    const files = () => readdirSync(join(dir, 'seg')).map((f) => Number(f.slice(0, -4)));
    // 60 bytes each: a segment takes two appends, then the next one starts.
    for (let o = 1; o <= 6; o++) repo.append([chunk(o)]);
    expect(files()).toEqual([1, 2, 3]);
    repo.remove(3); // offsets 1-3: segment 1 and half of 2
    repo.append([chunk(7)]);
    expect(files()).toEqual([2, 3, 4]);
    repo.remove(7);
    repo.append([chunk(8)]);
    expect(files()).toEqual([4]);
    expect(repo.next(10, 1e9).map((c) => [c.firstOffset, c.body[0]])).toEqual([[8, 8]]);
    repo.close();
    sql.db.close();
  });

  it('keeps the rows a v4 store landed, as chunks of one', () => {
    const sql = openSql(':memory:');
    migrate(sql, 4);
    sql.run('INSERT INTO landing (topic, partition, offset, landed_at, body) VALUES (?, ?, ?, ?, ?)', [
      't',
      1,
      41,
      5,
      Buffer.from('packed'),
    ]);
    migrate(sql);
    const repo = createLandingRepo(sql);
    expect(repo.stats()).toEqual({ waiting: 1 });
    expect(repo.next(10, 1000)).toMatchObject([{ seq: 1, firstOffset: 41, lastOffset: 41, count: 1 }]);
    expect(repo.holds('t', 1, 41)).toBe(true);
  });
});
