import type { LandingRepo } from '../types.ts';
import { buf, lim, reqNum, type Row } from '../sqlite/db.ts';
import { landedChunkOf } from '../sqlite/landing.ts';
import type { Db, Param } from './db.ts';

// Landed chunks in the shared PostgreSQL store. Each collector indexes the chunks it landed
// itself (owner = its member id), so a partition's records are indexed in landing order by the
// one collector that fetched them. A collector that stops leaves chunks whose offsets are
// committed: another collector takes them over once the owner has not been seen for
// MEMBER_STALE_MS (store_members, refreshed by every member every few seconds). Were a chunk
// indexed twice all the same (a slow owner that comes back), records are stored once: the records
// table drops the second copy, and derivations run only for a record actually inserted.

export const MEMBER_STALE_MS = 20_000;

const chunkOf = (r: Row) => landedChunkOf(r, buf(r, 'body') ?? Buffer.alloc(0));

export function createLandingRepo(db: Db, member: string, now: () => number): LandingRepo {
  /**
   * Chunks of collectors gone quiet become this one's, and so does what they held back on the
   * shared frontier (index.ts): until every chunk taken over is indexed, this collector's row holds
   * deadlines back to the oldest of the old owners' frontiers, what they held for chunks they had
   * taken over themselves (a rolling restart passes a backlog on more than once), and the chunks'
   * landing times. One statement, so no moment passes in which the chunks wait and nobody holds them.
   */
  const adopt = () =>
    db.run(
      `WITH orphans AS (
         SELECT seq, owner FROM landing
         WHERE owner <> ? AND owner NOT IN (SELECT id FROM store_members WHERE seen_at >= ?)
         FOR UPDATE
       ), moved AS (
         -- RETURNING gives the row as updated: the old owner comes from orphans.
         UPDATE landing AS l SET owner = ? FROM orphans AS o WHERE l.seq = o.seq
         RETURNING l.seq, o.owner, l.landed_at
       ), hold AS (
         SELECT max(seq) AS seq,
                least(min(landed_at)::float8,
                      (SELECT min(least(
                         s.derived_through,
                         CASE WHEN EXISTS (SELECT 1 FROM moved AS mv WHERE mv.owner = s.id AND mv.seq <= s.held_seq)
                              THEN s.held_through END))
                       FROM store_members AS s WHERE s.id IN (SELECT owner FROM moved))) AS t
         FROM moved
       )
       UPDATE store_members AS m SET
         held_through = CASE
           WHEN EXISTS (SELECT 1 FROM landing AS l WHERE l.owner = m.id AND l.seq <= m.held_seq)
           THEN least(m.held_through, hold.t) ELSE hold.t END,
         held_seq = greatest(m.held_seq, hold.seq)
       FROM hold WHERE m.id = ? AND hold.seq IS NOT NULL`,
      [member, now() - MEMBER_STALE_MS, member, member],
    );
  return {
    async append(chunks) {
      for (let i = 0; i < chunks.length; i += 200) {
        const part = chunks.slice(i, i + 200);
        const params: Param[] = [];
        for (const c of part)
          params.push(
            member,
            c.topic,
            c.partition,
            c.firstOffset,
            c.lastOffset,
            c.count,
            c.format === 'kafka' ? 1 : 0,
            c.landedAt,
            c.body.byteLength,
            Buffer.from(c.body.buffer, c.body.byteOffset, c.body.byteLength),
          );
        // One multi-row INSERT per 200 chunks: one round trip, rows in seq order.
        await db.run(
          `INSERT INTO landing (owner, topic, partition, first_offset, last_offset, count, format, landed_at, size, body)
           VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
          params,
        );
      }
    },
    async highestOffset(topic, partition) {
      const r = await db.get(
        `SELECT greatest(
           (SELECT max(last_offset) FROM landing WHERE topic = ? AND partition = ?),
           (SELECT "offset" FROM records WHERE topic = ? AND partition = ? ORDER BY "offset" DESC LIMIT 1),
           -1) AS hi`,
        [topic, partition, topic, partition],
      );
      return r ? reqNum(r, 'hi') : -1;
    },
    async holds(topic, partition, offset) {
      if (
        await db.get(
          'SELECT 1 AS x FROM records WHERE topic = ? AND partition = ? AND "offset" = ? LIMIT 1',
          [topic, partition, offset],
        )
      )
        return true;
      const r = await db.get(
        `SELECT 1 AS x FROM landing WHERE topic = ? AND partition = ? AND last_offset >= ? AND first_offset <= ? LIMIT 1`,
        [topic, partition, offset, offset],
      );
      return r !== undefined;
    },
    async next(limit, maxBytes) {
      await adopt();
      const rows = await db.all(
        `SELECT * FROM (
           SELECT *, sum(count) OVER w - count AS records_before, sum(size) OVER w - size AS bytes_before
           FROM (SELECT * FROM landing WHERE owner = ? ORDER BY seq LIMIT ${lim(limit)}) AS l
           WINDOW w AS (ORDER BY seq)
         ) AS x WHERE records_before = 0 OR (records_before < ? AND bytes_before < ?) ORDER BY seq`,
        [member, limit, maxBytes],
      );
      return rows.map(chunkOf);
    },
    async waitingPartitions() {
      const rows = await db.all(
        `SELECT l.*, m.last AS partition_last FROM landing AS l
         JOIN (SELECT min(seq) AS first, max(last_offset) AS last FROM landing WHERE owner = ?
               GROUP BY topic, partition) AS m
           ON l.seq = m.first
         ORDER BY l.seq`,
        [member],
      );
      return rows.map((r) => ({ first: chunkOf(r), lastOffset: reqNum(r, 'partition_last') }));
    },
    async remove(throughSeq) {
      await db.run('DELETE FROM landing WHERE owner = ? AND seq <= ?', [member, throughSeq]);
    },
    async stats() {
      const r = await db.get(
        `SELECT coalesce(sum(count) FILTER (WHERE owner = ?), 0)::bigint AS n,
                coalesce(sum(count), 0)::bigint AS total FROM landing`,
        [member],
      );
      return { waiting: r ? reqNum(r, 'n') : 0, waitingAll: r ? reqNum(r, 'total') : 0 };
    },
  };
}
