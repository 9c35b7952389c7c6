import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { NewRecord, Store } from '../types.ts';
import { newRecord as baseRecord } from '../testing.ts';
import { createSqliteStore } from './index.ts';

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

  it('lands a record once, never one already stored, and hands landed rows out by count and bytes', async () => {
    const s = open();
    await s.transaction((tx) => tx.records.insert(newRecord(0)));
    const row = (offset: number) => ({
      topic: 't',
      partition: 0,
      offset,
      landedAt: 1,
      body: Buffer.alloc(100, offset),
    });
    const rows = [0, 1, 2, 3, 4, 5].map(row);
    // Offset 0 is already in records: a redelivery, not landed.
    expect(await s.transaction((tx) => tx.landing.append(rows))).toEqual([
      false,
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(await s.transaction((tx) => tx.landing.append([row(3), row(6)]))).toEqual([false, true]);
    expect((await s.landing.stats()).waiting).toBe(6);
    expect((await s.landing.next(10, 250)).map((r) => r.offset)).toEqual([1, 2, 3]);
    expect((await s.landing.next(2, 10_000)).map((r) => r.offset)).toEqual([1, 2]);
    // A body larger than the byte budget still comes out, alone.
    expect((await s.landing.next(10, 1)).map((r) => r.offset)).toEqual([1]);
    const [first] = await s.landing.next(1, 1);
    expect([...first!.body]).toEqual([...row(1).body]);
    await s.transaction((tx) => tx.landing.remove(3));
    expect(await s.landing.stats()).toMatchObject({ waiting: 3 });
  });
});
