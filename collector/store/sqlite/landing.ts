import type { LandedRow, LandingRepo, LandingRow } from '../types.ts';
import { buf, lim, num, reqNum, reqStr, type Sql } from './db.ts';
import type { SyncRepo } from './sync.ts';

// The landing table (migration v4): an append-only queue in front of decoding and indexing. The
// only index besides the rowid is (topic, partition, offset), whose inserts land at the end of each
// partition's run, so an append dirties a handful of pages however large the store is.

// A record already waiting (the conflict) or already indexed (the NOT EXISTS: a seek at the end of
// its partition's run in the records key) is a redelivery and does not land again.
const APPEND = `INSERT INTO landing (topic, partition, offset, landed_at, body)
  SELECT ?1, ?2, ?3, ?4, ?5
  WHERE NOT EXISTS (SELECT 1 FROM records WHERE topic = ?1 AND partition = ?2 AND offset = ?3)
  ON CONFLICT DO NOTHING`;

export function createLandingRepo(sql: Sql): SyncRepo<LandingRepo> {
  return {
    append(rows: readonly LandingRow[]) {
      return rows.map(
        (r) => sql.run(APPEND, [r.topic, r.partition, r.offset, r.landedAt, r.body]).changes > 0,
      );
    },
    next(limit: number, maxBytes: number): LandedRow[] {
      // Whole rows up to `maxBytes` of bodies, and always the first (a single huge record).
      return sql
        .all(
          `SELECT seq, topic, partition, offset, landed_at, body FROM (
             SELECT *, sum(length(body)) OVER (ORDER BY seq) AS upto
             FROM (SELECT * FROM landing ORDER BY seq LIMIT ${lim(limit)})
           ) WHERE upto - length(body) < ? ORDER BY seq`,
          [maxBytes],
        )
        .map((r) => ({
          seq: reqNum(r, 'seq'),
          topic: reqStr(r, 'topic'),
          partition: reqNum(r, 'partition'),
          offset: reqNum(r, 'offset'),
          landedAt: reqNum(r, 'landed_at'),
          body: buf(r, 'body') ?? Buffer.alloc(0),
        }));
    },
    remove(throughSeq: number) {
      sql.run('DELETE FROM landing WHERE seq <= ?', [throughSeq]);
    },
    stats() {
      const r = sql.get('SELECT (SELECT min(seq) FROM landing) AS lo, (SELECT max(seq) FROM landing) AS hi');
      const lo = r ? num(r, 'lo') : null;
      const hi = r ? num(r, 'hi') : null;
      return { waiting: lo !== null && hi !== null ? hi - lo + 1 : 0 };
    },
  };
}
