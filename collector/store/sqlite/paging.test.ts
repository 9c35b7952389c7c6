import { describe, expect, it } from 'vitest';
import type { Cursor, Page } from '../types.ts';
import { createChainRepo } from './chains.ts';
import { openSql } from './db.ts';
import { createDlqRepo } from './dlq.ts';
import { migrate } from './migrations.ts';
import { createRecordRepo } from './records.ts';
import { newRecord } from '../testing.ts';

// The keyset helper behind every list: paging in small steps must give exactly the one-page list,
// also where many rows share the sort time (the cursor's tiebreak column decides).

function seeded() {
  const sql = openSql(':memory:');
  migrate(sql);
  sql.db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120)
    INSERT INTO chains (id, first_ts, last_ts, last_seen, record_count, flow)
    SELECT 'c' || i, i / 3, i, i, 1, 'f' || (i % 5) FROM n`);
  sql.db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120)
    INSERT INTO dlq_entries (id, record_seq, record_id, dlq_topic, convention, first_failed_at, last_failed_at,
      status, replay_count, chain_id)
    SELECT 'd' || i, i, 't:0:' || i, 'dlt' || (i % 3), 'spring', i, i / 4,
      CASE WHEN i % 7 = 0 THEN 'resolved' ELSE 'unresolved' END, 0, 'c' || (i * 3) FROM n`);
  return { chains: createChainRepo(sql), dlq: createDlqRepo(sql) };
}

function pageAll<T>(list: (cursor: Cursor | null) => Page<T>): T[] {
  const out: T[] = [];
  let cursor: Cursor | null = null;
  do {
    const page = list(cursor);
    out.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return out;
}

describe('keyset pages', () => {
  it('walk chains newest first across ties, with and without filters', () => {
    const { chains } = seeded();
    for (const filter of [
      {},
      { status: 'failed' as const },
      { status: 'stopped' as const },
      { flow: 'f1' },
    ]) {
      const f = { now: 100, stoppedAfterMs: 50, ...filter };
      const whole = chains.list(f, { cursor: null, limit: 500 }).items;
      expect(whole.length).toBeGreaterThan(10);
      expect(pageAll((cursor) => chains.list(f, { cursor, limit: 2 }))).toEqual(whole);
      if (f.status) expect(whole.every((c) => c.status === f.status)).toBe(true);
    }
    const ids = chains
      .list({ now: 100, stoppedAfterMs: 50 }, { cursor: null, limit: 4 })
      .items.map((c) => c.id);
    expect(ids).toEqual(['c120', 'c119', 'c118', 'c117']);
  });

  it('walk dead letters newest first across ties, with and without filters', () => {
    const { dlq } = seeded();
    for (const filter of [{}, { dlqTopic: 'dlt1' }, { status: 'unresolved' as const }]) {
      const whole = dlq.list(filter, { cursor: null, limit: 500 }).items;
      expect(whole.length).toBeGreaterThan(10);
      expect(pageAll((cursor) => dlq.list(filter, { cursor, limit: 3 }))).toEqual(whole);
    }
    expect(dlq.ids({ status: 'resolved' }, 3)).toEqual(['d7', 'd14', 'd21']);
  });
});

describe('records explorer pages', () => {
  function records() {
    const sql = openSql(':memory:');
    migrate(sql);
    const repo = createRecordRepo(sql, { inlineSearch: false });
    // Two partitions, timestamps out of offset order on partition 1 (a producer's own clock).
    for (let o = 0; o < 40; o++) {
      repo.insert(newRecord(o, { partition: o % 2, offset: o, timestamp: 1000 + (o % 2 ? 40 - o : o) }));
    }
    return { sql, repo };
  }

  it('seeks a partition by offset and reads it forward, page by page', () => {
    const { repo } = records();
    const f = { topic: 't', partition: 1, offset: 21 };
    const whole = repo.list(f, { cursor: null, limit: 500 }).items.map((r) => r.offset);
    expect(whole).toEqual([21, 23, 25, 27, 29, 31, 33, 35, 37, 39]);
    expect(pageAll((cursor) => repo.list(f, { cursor, limit: 3 })).map((r) => r.offset)).toEqual(whole);
  });

  it('reads forward in time from a bound with order=asc', () => {
    const { repo } = records();
    const f = { topic: 't', from: 1030, order: 'asc' as const };
    const items = pageAll((cursor) => repo.list(f, { cursor, limit: 2 }));
    expect(items.map((r) => r.timestamp)).toEqual([
      1030, 1031, 1032, 1033, 1034, 1035, 1036, 1037, 1038, 1039,
    ]);
  });

  it('serves the offset seek from the (topic, partition, offset) key without sorting', () => {
    const { sql } = records();
    const plan = sql
      .all(
        `EXPLAIN QUERY PLAN SELECT seq FROM records WHERE topic = ? AND partition = ? AND offset >= ?
         AND (offset, partition) > (?, ?) ORDER BY offset ASC, partition ASC LIMIT 51`,
        ['t', 1, 0, 5, 1],
      )
      .map((r) => String(r.detail));
    expect(plan.join(' | ')).not.toMatch(/TEMP B-TREE/);
  });
});
