import { expect, it } from 'vitest';
import { AppError } from '../../lib/errors.ts';
import { operatorConformance } from './conformance-operator.ts';
import { recordsConformance, sharedRecordsConformance } from './conformance-records.ts';
import { newRecord as baseRecord, chainRow as chain, dlqEntry as entry, sagaRow as saga } from './testing.ts';
import type { Cursor, DlqEntryRow, NewRecord, Page, RecordRow, ReplayRow, Store } from './types.ts';

// The Store port's contract, run against every backend: SQLite in-process
// (sqlite/conformance.test.ts) and a real PostgreSQL server (postgres/conformance.int.test.ts).
// Each case opens an empty store. What only one backend does (SQLite's segment files and query
// plans, PostgreSQL's partitions) is tested beside that backend.

export type OpenStore = () => Promise<Store>;

const DAY = 86_400_000;
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

const record = (offset: number, patch: Partial<NewRecord> = {}): NewRecord =>
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

const replayRow = (id: string): ReplayRow => ({
  id,
  entryId: 'e1',
  replayKey: 'k1',
  dlqTopic: 'orders.DLT',
  requestedBy: 'op',
  requestedAt: 1000,
  state: 'pending',
  targetTopic: null,
  targetPartition: null,
  targetOffset: null,
  error: null,
  outcome: 'pending',
  outcomeAt: null,
  ceId: 'ce1',
  jobId: null,
});

async function allPages<T>(next: (c: Cursor | null) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let cursor: Cursor | null = null;
  do {
    const page: Page<T> = await next(cursor);
    out.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return out;
}

async function status400(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
  } catch (err) {
    return err instanceof AppError && err.statusCode === 400 ? err.message : `not a 400: ${String(err)}`;
  }
  return 'no error';
}

export function storeConformance(open: OpenStore): void {
  operatorConformance(open);
  recordsConformance(open);
  const add = (s: Store, ...records: NewRecord[]) =>
    s.transaction(async (tx) => {
      for (const r of records) await tx.records.insert(r);
    });
  const search = async (s: Store, q: string, limit = 50) =>
    (await s.records.list({ q }, { cursor: null, limit })).items.map((r) => r.offset);

  it('stores a (topic, partition, offset) once however often it is written', async () => {
    const s = await open();
    const first = await s.transaction((tx) => tx.records.insert(record(1)));
    const again = await s.transaction((tx) => tx.records.insert(record(1, { ceType: 'Changed' })));
    expect(first?.seq).toBeGreaterThan(0);
    expect(again).toBeUndefined();
    const got = await s.records.get('t', 0, 1);
    expect(got?.ceType).toBe('T');
    expect(got?.key).toEqual(Buffer.from('k'));
    expect(got?.headers).toEqual([{ key: 'h', value: 'v', encoding: 'utf8' }]);
    expect((await s.records.list({}, { cursor: null, limit: 10 })).items).toHaveLength(1);
    expect((await s.records.byCeId('ce-1', 5)).map((r) => r.offset)).toEqual([1]);
  });

  it('rolls a failed transaction back whole, and a failed savepoint back alone', async () => {
    const s = await open();
    await expect(
      s.transaction(async (tx) => {
        await tx.records.insert(record(1));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await s.records.get('t', 0, 1)).toBeUndefined();
    await s.transaction(async (tx) => {
      await tx.records.insert(record(2));
      await tx
        .savepoint(async () => {
          await tx.records.insert(record(3));
          throw new Error('derivation failed');
        })
        .catch(() => undefined);
    });
    expect(await s.records.get('t', 0, 2)).toBeDefined();
    expect(await s.records.get('t', 0, 3)).toBeUndefined();
  });

  it('commits every one of many concurrent transactions', async () => {
    const s = await open();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        s.transaction(async (tx) => {
          await tx.records.insert(record(i));
          await new Promise((r) => setImmediate(r));
          await tx.records.insert(record(100 + i));
        }),
      ),
    );
    expect((await s.records.list({}, { cursor: null, limit: 500 })).items).toHaveLength(40);
  });

  it('enforces retention by age, and by size keeping the newest', async () => {
    const s = await open();
    // Old records a day and more before the cut-off, by timestamp and stored time alike.
    const at = (i: number) => (i < 30 ? 1000 + i : 2 * DAY + i);
    await add(s, ...Array.from({ length: 100 }, (_, i) => record(i, { timestamp: at(i), storedAt: at(i) })));
    let removed = 0;
    for (let step = 0; step < 10; step++) {
      const r = await s.enforceRetention({ olderThan: 1.5 * DAY, maxRecords: 1000, maxDeletes: 20 });
      if (!r.records) break;
      removed += r.records;
    }
    expect(removed).toBe(30);
    expect((await s.records.stats()).approxCount).toBe(70);
    await s.enforceRetention({ olderThan: 0, maxRecords: 50, maxDeletes: 1000 });
    const left = (await s.records.list({}, { cursor: null, limit: 500 })).items.map((r) => r.offset);
    expect(left.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => 50 + i));
  });

  it('lands chunks, knows which offsets it holds, hands chunks out by records and bytes', async () => {
    const s = await open();
    await s.transaction((tx) => tx.records.insert(record(0)));
    const chunk = (first: number, last: number, count: number) => ({
      topic: 't',
      partition: 0,
      format: first === 8 ? ('kafka' as const) : ('packed' as const),
      firstOffset: first,
      lastOffset: last,
      count,
      landedAt: 1,
      body: Buffer.alloc(100, first),
    });
    expect(await s.landing.highestOffset('t', 0)).toBe(0);
    expect(await s.landing.highestOffset('t', 1)).toBe(-1);
    // 1..3, then 5 and 7 of a compacted run 5..7, then 8..9.
    await s.transaction((tx) => tx.landing.append([chunk(1, 3, 3), chunk(5, 7, 2), chunk(8, 9, 2)]));
    expect(await s.landing.highestOffset('t', 0)).toBe(9);
    const held = await Promise.all([0, 1, 3, 4, 5, 9, 10].map((o) => s.landing.holds('t', 0, o)));
    expect(held).toEqual([true, true, true, false, true, true, false]);
    expect(await s.landing.holds('u', 0, 1)).toBe(false);
    expect(await s.landing.stats()).toEqual({ waiting: 7, waitingAll: 7 });
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
    expect(first).toMatchObject({ firstOffset: 1, lastOffset: 3, count: 3 });
    expect([...first!.body]).toEqual([...chunk(1, 3, 3).body]);
    await s.transaction((tx) => tx.landing.remove(first!.seq));
    expect(await s.landing.stats()).toMatchObject({ waiting: 4 });
    const rest = await s.landing.next(10, 10_000);
    await s.transaction((tx) => tx.landing.remove(rest[rest.length - 1]!.seq));
    expect(await s.landing.stats()).toMatchObject({ waiting: 0 });
    expect(await s.landing.highestOffset('t', 0)).toBe(0);
    // Per partition waiting: its oldest chunk (bytes and all) and its highest offset.
    expect(await s.landing.waitingPartitions()).toEqual([]);
    await s.transaction((tx) =>
      tx.landing.append([
        chunk(10, 12, 3),
        { ...chunk(4, 6, 3), topic: 'u', partition: 2 },
        chunk(13, 14, 2),
      ]),
    );
    const partitions = await s.landing.waitingPartitions();
    expect(
      partitions.map((p) => [p.first.topic, p.first.partition, p.first.firstOffset, p.lastOffset]),
    ).toEqual([
      ['t', 0, 10, 14],
      ['u', 2, 4, 6],
    ]);
    expect([...partitions[0]!.first.body]).toEqual([...chunk(10, 12, 3).body]);
  });

  it('finds ids whole and by any of their parts, in the key, headers and value', async () => {
    const s = await open();
    await add(
      s,
      baseRecord(1, { keyText: 'ord-1a2b', keyEncoding: 'utf8', key: Buffer.from('ord-1a2b') }),
      baseRecord(2, { headers: [{ key: 'ce_correlationid', value: 'ord-1a2b', encoding: 'utf8' }] }),
      baseRecord(3, { value: json({ orderId: 'ord-1a2b', type: 'order.created' }) }),
      baseRecord(4, {
        headers: [
          {
            key: 'traceparent',
            value: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
            encoding: 'utf8',
          },
        ],
      }),
      baseRecord(5, { value: json({ orderId: 'ord-9z9z', note: 'needle-in-haystack' }) }),
      baseRecord(6, {
        headers: [
          { key: 'kafka_dlt-exception-fqcn', value: 'com.shop.PoisonPillException', encoding: 'utf8' },
          { key: 'kafka_dlt-exception-message', value: 'Payment declined.', encoding: 'utf8' },
        ],
        value: json({ total: 12 }),
      }),
    );
    expect(await search(s, 'ord-1a2b')).toEqual([3, 2, 1]);
    expect(await search(s, '1a2b')).toEqual([3, 2, 1]);
    expect(await search(s, 'ord-1a2c')).toEqual([]);
    expect(await search(s, 'order.created')).toEqual([3]);
    expect(await search(s, '4bf92f3577b34da6a3ce929d0e0e4736')).toEqual([4]);
    expect(await search(s, 'needle-in')).toEqual([5]);
    expect(await search(s, 'haystack needle')).toEqual([5]);
    expect(await search(s, 'needle ord-1a2b')).toEqual([]);
    expect(await search(s, 'PoisonPillException')).toEqual([6]);
    expect(await search(s, 'declined')).toEqual([6]);
    expect(await search(s, '12')).toEqual([6]);
  });

  it('folds case and accents, keeps non-Latin words, and matches prefixes with a trailing *', async () => {
    const s = await open();
    await add(
      s,
      baseRecord(1, { headers: [{ key: 'ce_type', value: 'PaymentDeclined', encoding: 'utf8' }] }),
      baseRecord(2, { value: Buffer.from('Café été, Ünïcödé: 東京駅 Ελληνικά Привет'), valueKind: 'text' }),
      baseRecord(3, { headers: [{ key: 'ce_type', value: 'PaymentAuthorized', encoding: 'utf8' }] }),
    );
    expect(await search(s, 'paymentdeclined')).toEqual([1]);
    expect(await search(s, 'PAYMENTDECLINED')).toEqual([1]);
    expect(await search(s, 'Payment*')).toEqual([3, 1]);
    expect(await search(s, 'paymentdecl*')).toEqual([1]);
    expect(await search(s, 'cafe ETE')).toEqual([2]);
    expect(await search(s, 'unicode')).toEqual([2]);
    expect(await search(s, '東京駅')).toEqual([2]);
    expect(await search(s, '東京*')).toEqual([2]);
    // Case folds in every script; accents fold in Latin only (unicode61's table).
    expect(await search(s, 'ΕΛΛΗΝΙΚΆ ПРИВЕТ')).toEqual([2]);
    expect(await search(s, 'ελληνικα')).toEqual([]);
  });

  it('treats quotes, operators and query syntax in the input as separators', async () => {
    const s = await open();
    await add(
      s,
      baseRecord(1, { value: Buffer.from('cats AND dogs'), valueKind: 'text' }),
      baseRecord(2, { value: Buffer.from("cats only, it's"), valueKind: 'text' }),
    );
    expect(await search(s, '"cats')).toEqual([2, 1]);
    expect(await search(s, 'cats AND dogs')).toEqual([1]);
    expect(await search(s, 'cats OR birds')).toEqual([]);
    expect(await search(s, 'cats NOT dogs')).toEqual([]);
    expect(await search(s, 'NEAR(cats dogs)')).toEqual([]);
    expect(await search(s, '-dogs')).toEqual([1]);
    expect(await search(s, 'cats:dogs ^dogs')).toEqual([1]);
    expect(await search(s, '(cats) {dogs} & | ! <->')).toEqual([1]);
    expect(await search(s, "it's")).toEqual([2]);
    expect(await status400(() => search(s, '!!! ---'))).toMatch(/at least one letter or digit/);
    expect(await status400(() => search(s, 'ab*'))).toMatch(/at least 3 letters or digits before a \*/);
  });

  it('reads one partition forward from an offset, and any list oldest first, page by page', async () => {
    const s = await open();
    // Timestamps run against offset order on partition 1, so an offset read cannot pass for a time read.
    await add(
      s,
      ...[0, 1, 2, 3, 4].map((o) => record(o, { partition: 1, timestamp: 5000 - o })),
      ...[0, 1, 2].map((o) => record(o, { partition: 0 })),
    );
    const offsets = async (filter: Parameters<Store['records']['list']>[0]) => {
      const seen: string[] = [];
      let cursor: Cursor | null = null;
      do {
        const page: Page<RecordRow> = await s.records.list(filter, { cursor, limit: 2 });
        seen.push(...page.items.map((r) => `${r.partition}:${r.offset}`));
        cursor = page.next;
      } while (cursor);
      return seen;
    };
    expect(await offsets({ topic: 't', partition: 1, offset: 2 })).toEqual(['1:2', '1:3', '1:4']);
    expect(await offsets({ topic: 't', partition: 0, order: 'asc' })).toEqual(['0:0', '0:1', '0:2']);
    expect(await offsets({ topic: 't', partition: 1 })).toEqual(['1:0', '1:1', '1:2', '1:3', '1:4']);
  });

  it('combines the text with the other filters and pages with the cursor, newest first', async () => {
    const s = await open();
    await add(
      s,
      ...Array.from({ length: 30 }, (_, i) =>
        baseRecord(i, {
          topic: i % 2 ? 'odd' : 'even',
          timestamp: 5000 - (i % 10) * 7 + i,
          value: json({ word: i % 3 ? 'needle' : 'hay' }),
        }),
      ),
    );
    const all: RecordRow[] = await allPages((cursor) =>
      s.records.list({ q: 'needle', topic: 'odd' }, { cursor, limit: 4 }),
    );
    const expected = Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 2 && i % 3);
    expect(all.map((r) => r.offset).sort((a, b) => a - b)).toEqual(expected);
    const keys = all.map((r) => [r.timestamp, r.seq] as const);
    expect(keys).toEqual([...keys].sort((a, b) => b[0] - a[0] || b[1] - a[1]));
  });

  it('pages chains and dead letters newest first across ties, with and without filters', async () => {
    const s = await open();
    await s.transaction(async (tx) => {
      for (let i = 1; i <= 60; i++)
        await tx.chains.put(
          chain(`c${String(i).padStart(3, '0')}`, {
            firstTs: 1000 + Math.floor(i / 4),
            flow: i % 2 ? 'a' : 'b',
          }),
        );
      // replayCount is written on insert and by reserveReplay only (the port has no other setter).
      for (let i = 1; i <= 60; i++) await tx.dlq.insert(entry(i, { replayCount: i === 1 ? 1 : 0 }));
    });
    const base = { now: 10_000, stoppedAfterMs: 60_000 };
    const chains = await allPages((cursor) => s.chains.list(base, { cursor, limit: 7 }));
    expect(chains.map((c) => c.id)).toEqual(
      [...chains].sort((a, b) => b.firstTs - a.firstTs || (a.id < b.id ? 1 : -1)).map((c) => c.id),
    );
    expect(new Set(chains.map((c) => c.id)).size).toBe(60);
    const flowA = await allPages((cursor) => s.chains.list({ ...base, flow: 'a' }, { cursor, limit: 7 }));
    expect(flowA).toHaveLength(30);
    const dlq = await allPages((cursor) => s.dlq.list({}, { cursor, limit: 9 }));
    expect(dlq.map((e) => e.recordSeq)).toEqual(Array.from({ length: 60 }, (_, i) => 60 - i));
    const poison = await allPages((cursor) => s.dlq.list({ errorClass: 'Poison' }, { cursor, limit: 9 }));
    expect(poison).toHaveLength(30);
    expect(await s.dlq.ids({ errorClass: 'Timeout' }, 3)).toEqual(['e2', 'e4', 'e6']);
    await s.transaction((tx) => tx.dlq.update('e1', { status: 'replayed' }));
    expect(await s.dlq.get('e1')).toMatchObject({ status: 'replayed', replayCount: 1 });
    expect(await s.dlq.depth()).toEqual([{ dlqTopic: 'orders.DLT', depth: 59, oldest: 1000 }]);
    const groups = await s.dlq.groups();
    expect(groups.byError).toEqual([
      { errorClass: 'Timeout', total: 30, unresolved: 30 },
      { errorClass: 'Poison', total: 30, unresolved: 29 },
    ]);
  });

  it('keeps the saga counts true through state changes, rewrites, deletes and maintenance', async () => {
    const s = await open();
    const put = (...rows: Parameters<typeof saga>[]) =>
      s.transaction(async (tx) => {
        for (const [id, patch] of rows) await tx.sagas.put(saga(id, patch));
      });
    await put(['a', { updatedAt: 100 }], ['b', { updatedAt: 100 }], ['c', {}], ['d', { type: 'refund' }]);
    // A rewrite that changes nothing counted, one that moves a saga, one that changes its type.
    await put(['c', { currentStep: 'charge' }], ['b', { state: 'COMPLETED', updatedAt: 100 }], ['d', {}]);
    expect(await s.sagas.counts()).toEqual([
      { type: 'order-fulfilment', state: 'COMPLETED', count: 1 },
      { type: 'order-fulfilment', state: 'RUNNING', count: 3 },
    ]);
    // Retention deletes a and b (updated before the cut); maintenance folds what changed.
    await s.enforceRetention({ olderThan: 500, maxRecords: 1_000_000, maxDeletes: 1000 });
    expect(await s.sagas.counts()).toEqual([{ type: 'order-fulfilment', state: 'RUNNING', count: 2 }]);
    await put(['c', { state: 'FAILED' }], ['e', { type: 'refund', state: 'COMPLETED' }]);
    expect(await s.sagas.counts()).toEqual([
      { type: 'order-fulfilment', state: 'FAILED', count: 1 },
      { type: 'order-fulfilment', state: 'RUNNING', count: 1 },
      { type: 'refund', state: 'COMPLETED', count: 1 },
    ]);
    await s.enforceRetention({ olderThan: 500, maxRecords: 1_000_000, maxDeletes: 1000 });
    expect(await s.sagas.counts()).toEqual([
      { type: 'order-fulfilment', state: 'FAILED', count: 1 },
      { type: 'order-fulfilment', state: 'RUNNING', count: 1 },
      { type: 'refund', state: 'COMPLETED', count: 1 },
    ]);
  });

  it('lists and counts sagas by view state, and marks overdue ones STUCK once', async () => {
    const s = await open();
    await s.transaction(async (tx) => {
      for (let i = 0; i < 12; i++)
        await tx.sagas.put(
          saga(`s${i}`, {
            startedAt: 1000 + i,
            state: i < 8 ? 'RUNNING' : 'COMPLETED',
            deadline: i < 4 ? 2000 : null,
          }),
        );
    });
    const stuck = await s.transaction((tx) => tx.sagas.markStuck(5000));
    expect(stuck.map((x) => x.id).sort()).toEqual(['s0', 's1', 's2', 's3']);
    expect(stuck.every((x) => x.stuck && x.stuckAt === 2000)).toBe(true);
    expect(await s.transaction((tx) => tx.sagas.markStuck(5000))).toEqual([]);
    expect(await s.sagas.counts()).toEqual([
      { type: 'order-fulfilment', state: 'COMPLETED', count: 4 },
      { type: 'order-fulfilment', state: 'RUNNING', count: 4 },
      { type: 'order-fulfilment', state: 'STUCK', count: 4 },
    ]);
    const running = await allPages((cursor) => s.sagas.list({ state: 'RUNNING' }, { cursor, limit: 3 }));
    expect(running.map((x) => x.id)).toEqual(['s7', 's6', 's5', 's4']);
    const stuckList = await allPages((cursor) => s.sagas.list({ stuck: true }, { cursor, limit: 3 }));
    expect(stuckList.map((x) => x.id)).toEqual(['s3', 's2', 's1', 's0']);
    await s.transaction(async (tx) => {
      await tx.sagas.addEvent({
        sagaId: 's1',
        recordSeq: 2,
        recordId: 'r2',
        type: 'B',
        at: 20,
        step: null,
        data: null,
      });
      await tx.sagas.addEvent({
        sagaId: 's1',
        recordSeq: 1,
        recordId: 'r1',
        type: 'A',
        at: 10,
        step: 'x',
        data: '{}',
      });
      await tx.sagas.addEvent({
        sagaId: 's1',
        recordSeq: 1,
        recordId: 'r1',
        type: 'A',
        at: 10,
        step: 'x',
        data: '{}',
      });
    });
    expect((await s.sagas.events('s1')).map((e) => e.recordId)).toEqual(['r1', 'r2']);
    expect((await s.sagas.byCorrelation('c-s5')).map((x) => x.id)).toEqual(['s5']);
  });

  it('keeps a replay per (entry, key) once, and follows replays awaiting their outcome', async () => {
    const s = await open();
    const replay = replayRow('r1');
    expect(await s.transaction((tx) => tx.replays.insert(replay))).toBe(true);
    expect(await s.transaction((tx) => tx.replays.insert({ ...replay, id: 'r2' }))).toBe(false);
    expect(await s.replays.anyAwaiting()).toBe(false);
    await s.transaction((tx) =>
      tx.replays.update('r1', { state: 'produced', targetTopic: 'orders', targetOffset: 7 }),
    );
    expect(await s.replays.anyAwaiting()).toBe(true);
    expect((await s.replays.awaitingOutcome('ce1')).map((r) => r.id)).toEqual(['r1']);
    expect(await s.replays.byKey('e1', 'k1')).toMatchObject({ id: 'r1', targetOffset: 7, state: 'produced' });
  });

  it('takes replay slots only below the maximum, one conditional write each, and gives them back', async () => {
    const s = await open();
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
}

/** Cases only a store shared by several collectors must pass (Store.shared). */
export function sharedStoreConformance(open: OpenStore): void {
  sharedRecordsConformance(open);
  it('adds chain contributions commutatively, from concurrent transactions, completing the chain once', async () => {
    const s = await open();
    const contributions = Array.from({ length: 12 }, (_, i) =>
      chain('c1', {
        firstTs: 1000 + i,
        lastTs: 1000 + i,
        lastSeen: 5000,
        terminalAt: i === 3 ? 1003 : null,
        finalAt: i === 9 ? 1009 : null,
        lastType: `T${i}`,
      }),
    );
    const results = await Promise.all(
      contributions.map((c) => s.transaction((tx) => tx.chains.add!(c, { requireFinal: true, now: 7000 }))),
    );
    expect(results.filter((r) => r.completed)).toHaveLength(1);
    expect(await s.chains.get('c1')).toMatchObject({
      recordCount: 12,
      firstTs: 1000,
      lastTs: 1011,
      terminalAt: 1003,
      finalAt: 1009,
      completeAt: 7000,
      lastType: 'T11',
    });
    await s.transaction((tx) => tx.chains.put(chain('c2', { recordCount: 5 })));
    const taken = await Promise.all([1, 2].map(() => s.transaction((tx) => tx.chains.take!('c2'))));
    expect(taken.flatMap((t) => (t ? [t.recordCount] : []))).toEqual([5]);
  });

  it('lets one of two concurrent replay requests for an entry insert, the other finds its row', async () => {
    const s = await open();
    const request = (id: string) =>
      s.transaction(async (tx) => {
        if (await tx.replays.byKey('e1', 'k1')) return 'duplicate';
        await new Promise((r) => setTimeout(r, 50));
        return (await tx.replays.insert(replayRow(id))) ? 'inserted' : 'lost';
      });
    expect((await Promise.all([request('r1'), request('r2')])).sort()).toEqual(['duplicate', 'inserted']);
  });
}
