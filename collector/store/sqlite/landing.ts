import type { LandedChunk, LandingChunk, LandingRepo } from '../types.ts';
import { buf, lim, num, reqNum, reqStr, type Sql } from './db.ts';
import type { SyncRepo } from './sync.ts';

// The landing table (migrations v4, v5): an append-only queue of chunks in front of decoding and
// indexing. Besides the rowid, the one index is (topic, partition, last_offset), whose inserts land
// at the end of each partition's run: an append dirties a handful of pages however large the store
// is, once per chunk of records.

// seq counts records (see migration v5): the new chunk's seq is the last one's plus its count.
const APPEND = `INSERT INTO landing (seq, topic, partition, first_offset, last_offset, count, landed_at, body)
  VALUES ((SELECT coalesce(max(seq), 0) FROM landing) + ?4, ?1, ?2, ?3, ?5, ?4, ?6, ?7)`;

export function createLandingRepo(sql: Sql): SyncRepo<LandingRepo> {
  return {
    append(chunks: readonly LandingChunk[]) {
      for (const c of chunks)
        sql.run(APPEND, [c.topic, c.partition, c.firstOffset, c.count, c.lastOffset, c.landedAt, c.body]);
    },
    highestOffset(topic: string, partition: number) {
      const r = sql.get(
        `SELECT max(
           coalesce((SELECT max(last_offset) FROM landing WHERE topic = ?1 AND partition = ?2), -1),
           coalesce((SELECT max(offset) FROM records WHERE topic = ?1 AND partition = ?2), -1)) AS hi`,
        [topic, partition],
      );
      return r ? reqNum(r, 'hi') : -1;
    },
    holds(topic: string, partition: number, offset: number) {
      if (sql.get('SELECT 1 FROM records WHERE topic = ? AND partition = ? AND offset = ?', [topic, partition, offset]))
        return true;
      // Chunks of a partition never overlap: only the first ending at or after `offset` can hold it.
      const r = sql.get(
        `SELECT first_offset FROM landing WHERE topic = ? AND partition = ? AND last_offset >= ?
         ORDER BY last_offset LIMIT 1`,
        [topic, partition, offset],
      );
      return r !== undefined && reqNum(r, 'first_offset') <= offset;
    },
    next(limit: number, maxBytes: number): LandedChunk[] {
      // Whole chunks while fewer than `limit` records and `maxBytes` of bodies come before them.
      return sql
        .all(
          `SELECT * FROM (
             SELECT *, sum(count) OVER w - count AS records_before, sum(length(body)) OVER w - length(body) AS bytes_before
             FROM (SELECT * FROM landing ORDER BY seq LIMIT ${lim(limit)})
             WINDOW w AS (ORDER BY seq)
           ) WHERE records_before = 0 OR (records_before < ? AND bytes_before < ?) ORDER BY seq`,
          [limit, maxBytes],
        )
        .map((r) => ({
          seq: reqNum(r, 'seq'),
          topic: reqStr(r, 'topic'),
          partition: reqNum(r, 'partition'),
          firstOffset: reqNum(r, 'first_offset'),
          lastOffset: reqNum(r, 'last_offset'),
          count: reqNum(r, 'count'),
          landedAt: reqNum(r, 'landed_at'),
          body: buf(r, 'body') ?? Buffer.alloc(0),
        }));
    },
    remove(throughSeq: number) {
      sql.run('DELETE FROM landing WHERE seq <= ?', [throughSeq]);
    },
    stats() {
      const r = sql.get(
        `SELECT (SELECT max(seq) FROM landing) AS hi, first.seq AS lo, first.count AS n
         FROM (SELECT seq, count FROM landing ORDER BY seq LIMIT 1) AS first`,
      );
      const hi = r ? num(r, 'hi') : null;
      return { waiting: r && hi !== null ? hi - reqNum(r, 'lo') + reqNum(r, 'n') : 0 };
    },
  };
}
