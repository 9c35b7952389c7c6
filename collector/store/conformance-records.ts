import { expect, it } from 'vitest';
import { newRecord } from './testing.ts';
import type { NewRecord, Store, StoredRecord } from './types.ts';

// The Store port's contract for writing records in batches (`records.insertMany`), run by
// conformance.ts against every backend: it must store exactly what `insert` one by one would.

type OpenStore = () => Promise<Store>;

const DAY = 86_400_000;

const record = (offset: number, patch: Partial<NewRecord> = {}): NewRecord =>
  newRecord(offset, {
    key: Buffer.from(`k${offset}`),
    keyText: `k${offset}`,
    keyEncoding: 'utf8',
    headers: [{ key: 'h', value: `v${offset}`, encoding: 'utf8' }],
    ceId: `ce-${offset}`,
    ceType: 'T',
    ...patch,
  });

/** Indexes of the inputs that were not stored. */
const skipped = (out: readonly (StoredRecord | undefined)[]) =>
  out.flatMap((r, i) => (r === undefined ? [i] : []));

export function recordsConformance(open: OpenStore): void {
  it('inserts a batch as insert one by one would: one result per input, in order', async () => {
    const s = await open();
    await s.transaction((tx) => tx.records.insert(record(3)));
    // 1,203 records: more than one statement's worth on PostgreSQL, over two days (partitions).
    const at = (i: number) => (i < 600 ? 1000 + i : DAY + i);
    const rows = Array.from({ length: 1203 }, (_, i) =>
      record(i, {
        timestamp: at(i),
        storedAt: at(i),
        ...(i === 1100 && { value: Buffer.from(JSON.stringify({ orderId: 'ord-9f8e' })) }),
      }),
    );
    // Offset 5 again, in the same statement on PostgreSQL: the first is kept, as insert would keep it.
    rows.splice(300, 0, record(5, { ceType: 'Again' }));
    const out = await s.transaction((tx) => tx.records.insertMany(rows));

    expect(out).toHaveLength(rows.length);
    expect(skipped(out)).toEqual([3, 300]);
    out.forEach((r, i) => {
      if (r) expect(r).toEqual({ ...rows[i], seq: r.seq });
    });
    const seqs = out.flatMap((r) => (r ? [r.seq] : []));
    expect(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!)).toBe(true);

    const got = await s.records.get('t', 0, 1101);
    expect(got).toMatchObject({ seq: out[1102]?.seq, keyText: 'k1101', timestamp: DAY + 1101 });
    expect(got?.key).toEqual(Buffer.from('k1101'));
    expect(got?.headers).toEqual([{ key: 'h', value: 'v1101', encoding: 'utf8' }]);
    expect((await s.records.get('t', 0, 5))?.ceType).toBe('T');
    expect((await s.records.stats()).approxCount).toBe(1203);
    const hits = await s.records.list({ q: 'ord-9f8e' }, { cursor: null, limit: 10 });
    expect(hits.items.map((r) => r.offset)).toEqual([1100]);
    expect((await s.records.byCeId('ce-900', 5)).map((r) => r.offset)).toEqual([900]);
  });

  it('stores nothing of a batch whose transaction fails, and takes an empty batch', async () => {
    const s = await open();
    expect(await s.transaction((tx) => tx.records.insertMany([]))).toEqual([]);
    await expect(
      s.transaction(async (tx) => {
        await tx.records.insertMany([record(1), record(2)]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await s.records.get('t', 0, 1)).toBeUndefined();
    const again = await s.transaction((tx) => tx.records.insertMany([record(1), record(2)]));
    expect(again.map((r) => r?.offset)).toEqual([1, 2]);
  });
}

/** Backends that several collectors share (PostgreSQL). */
export function sharedRecordsConformance(open: OpenStore): void {
  it('stores each record once when two collectors insert the same batch at once', async () => {
    const s = await open();
    const rows = Array.from({ length: 300 }, (_, i) => record(i));
    const [a, b] = await Promise.all([1, 2].map(() => s.transaction((tx) => tx.records.insertMany(rows))));
    // Every offset was stored by exactly one of the two.
    expect(rows.map((_, i) => (a![i] ? 1 : 0) + (b![i] ? 1 : 0))).toEqual(rows.map(() => 1));
    expect((await s.records.stats()).approxCount).toBe(300);
  });
}
