import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { NewRecord, Store } from '../types.ts';
import type { SpanRow } from '../types-derived.ts';
import { newRecord as baseRecord } from '../testing.ts';
import { openSql } from './db.ts';
import { createSqliteStore } from './index.ts';
import { createLandingRepo, landingSegmentDir } from './landing.ts';
import { migrate } from './migrations.ts';
import { createSpanRepo } from './spans.ts';

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

const spanRow = (patch: Partial<SpanRow> = {}): SpanRow => ({
  traceId: 'a'.repeat(32),
  spanId: 'b'.repeat(16),
  parentSpanId: null,
  name: 'process orders',
  kind: 'consumer',
  service: 'checkout',
  startMs: 1000.5,
  endMs: 1010,
  status: 'error',
  attributes: { 'messaging.system': 'kafka' },
  links: [],
  events: [
    { name: 'exception', timeMs: 1004.25, attributes: { 'exception.type': 'Error', attempt: 2 } },
    { name: 'retry', timeMs: 1008, attributes: {} },
  ],
  resource: { 'service.name': 'checkout', 'host.name': 'h1', 'process.pid': 42 },
  recordId: null,
  chainId: null,
  storedAt: 5,
  msgTopic: null,
  msgPartition: null,
  msgOffset: null,
  msgId: null,
  msgGroup: null,
  ...patch,
});

// Port behaviour shared with every backend is in ../conformance.ts; these cases are SQLite's own.
describe('SQLite store', () => {
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
    expect(await b.landing.stats()).toEqual({ waiting: 2, waitingAll: 2 });
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
    expect(repo.stats()).toEqual({ waiting: 1, waitingAll: 1 });
    expect(repo.next(10, 1000)).toMatchObject([{ seq: 1, firstOffset: 41, lastOffset: 41, count: 1 }]);
    expect(repo.holds('t', 1, 41)).toBe(true);
  });

  it("keeps a span's events and resource attributes, and reads spans stored before v9 with none", async () => {
    const store = open();
    await store.transaction((tx) => tx.spans.insert(spanRow()));
    expect(await store.spans.byTraceIds(['a'.repeat(32)], 10)).toEqual([spanRow()]);

    const sql = openSql(':memory:');
    migrate(sql, 8);
    sql.run(
      `INSERT INTO spans (trace_id, span_id, name, kind, service, start_ms, end_ms, status, attributes, links, stored_at)
       VALUES (?, ?, 'old', 'internal', 'svc', 1, 2, 'ok', '{}', '[]', 3)`,
      ['c'.repeat(32), 'd'.repeat(16)],
    );
    migrate(sql);
    const [old] = createSpanRepo(sql).byTraceIds(['c'.repeat(32)], 10);
    expect(old).toMatchObject({ name: 'old', events: [], resource: {} });
  });
});
