import { describe, expect, it } from 'vitest';
import type { Cursor, Page } from '../types.ts';
import { createChainRepo } from './chains.ts';
import { openSql } from './db.ts';
import { createDlqRepo } from './dlq.ts';
import { migrate } from './migrations.ts';

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
