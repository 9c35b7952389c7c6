import { closeSync, mkdirSync, openSync, readdirSync, readSync, rmSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import type { LandedChunk, LandingChunk, LandingRepo } from '../types.ts';
import { buf, lim, num, reqNum, reqStr, type Row, type Sql } from './db.ts';
import type { SyncRepo } from './sync.ts';

// The landing table (migrations v4, v5): an append-only queue of chunks in front of decoding and
// indexing. Besides the rowid, the one index is (topic, partition, last_offset), whose inserts land
// at the end of each partition's run: an append dirties a handful of pages however large the store
// is, once per chunk of records.
//
// A file store keeps the chunks' bytes out of SQLite, in append-only segment files next to the
// database (`<db>-landing/<n>.seg`): in the database each byte would be written twice (to the WAL,
// then by the checkpoint) in 4 KB frames, ~60 % of the writer's time while landing ~80 MB/s; a
// segment takes a landing transaction's chunks in one write. The rows point into the segments
// (segment, segment_at, size). Bytes are written before the rows' COMMIT, so a crash in between
// leaves only unreferenced bytes; a segment is deleted once no row points into it, checked by the
// writer before each append (the deletions it sees are committed). Durability is the database's:
// with synchronous = NORMAL both survive a process crash, not an OS crash. In-memory stores keep
// the bytes in `body`.

// seq counts records (see migration v5): the new chunk's seq is the last one's plus its count.
const APPEND = `INSERT INTO landing
  (seq, topic, partition, first_offset, last_offset, count, format, landed_at, size, body, segment, segment_at)
  VALUES ((SELECT coalesce(max(seq), 0) FROM landing) + ?4, ?1, ?2, ?3, ?5, ?4, ?6, ?7, ?8, ?9, ?10, ?11)`;

/** A new segment file once the current one holds this much. */
const SEGMENT_BYTES = 64 * 1024 * 1024;

interface Segments {
  /** Writes the bodies one after another; where each starts. */
  write(bodies: readonly Uint8Array[]): { segment: number; at: number[] };
  read(segment: number, at: number, size: number): Buffer;
  /** Deletes every segment below `keepFrom` (null: all but the one being written). */
  prune(keepFrom: number | null): void;
  close(): void;
}

function segmentFiles(dir: string, segmentBytes: number): Segments {
  const path = (n: number) => join(dir, `${String(n).padStart(10, '0')}.seg`);
  const existing = () =>
    readdirSync(dir)
      .map((f) => /^(\d+)\.seg$/.exec(f)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number);
  const readers = new Map<number, number>();
  let writer: { n: number; fd: number; size: number } | undefined;
  /** The lowest segment number left on disk after the last prune (unknown before the first). */
  let lowestOnDisk: number | undefined;
  const closeReader = (n: number) => {
    const fd = readers.get(n);
    if (fd !== undefined) closeSync(fd);
    readers.delete(n);
  };
  return {
    write(bodies) {
      if (!writer || writer.size >= segmentBytes) {
        if (writer) closeSync(writer.fd);
        mkdirSync(dir, { recursive: true });
        // Never appends to a segment of an earlier run: its tail may be a torn write.
        const n = Math.max(writer?.n ?? 0, ...existing()) + 1;
        writer = { n, fd: openSync(path(n), 'wx'), size: 0 };
        if (lowestOnDisk !== undefined) lowestOnDisk = Math.min(lowestOnDisk, n);
      }
      const w = writer;
      const at: number[] = [];
      for (const b of bodies) {
        at.push(w.size);
        w.size += b.byteLength;
      }
      // writev takes at most IOV_MAX (1024) buffers at a time.
      for (let i = 0, pos = at[0] ?? 0; i < bodies.length; i += 1024) {
        const part = bodies.slice(i, i + 1024);
        const want = part.reduce((n, b) => n + b.byteLength, 0);
        const wrote = writevSync(w.fd, part, pos);
        if (wrote !== want)
          throw new Error(`short write to landing segment ${w.n}: ${wrote} of ${want} bytes`);
        pos += wrote;
      }
      return { segment: w.n, at };
    },
    read(segment, at, size) {
      let fd = readers.get(segment);
      if (fd === undefined) {
        fd = openSync(path(segment), 'r');
        readers.set(segment, fd);
      }
      const out = Buffer.allocUnsafeSlow(size);
      const got = readSync(fd, out, 0, size, at);
      if (got !== size)
        throw new Error(`landing segment ${segment} ends at ${at + got}, before ${at + size}`);
      return out;
    },
    prune(keepFrom) {
      // Nothing to delete while the oldest segment on disk is still referenced (no directory scan).
      const limit = keepFrom ?? writer?.n ?? Infinity;
      if (lowestOnDisk !== undefined && lowestOnDisk >= limit) return;
      let names: number[];
      try {
        names = existing();
      } catch {
        return;
      }
      for (const n of names) {
        if (n === writer?.n || (keepFrom !== null && n >= keepFrom)) continue;
        closeReader(n);
        rmSync(path(n), { force: true });
      }
      const left = names.filter((n) => n === writer?.n || (keepFrom !== null && n >= keepFrom));
      lowestOnDisk = left.length ? Math.min(...left) : Infinity;
    },
    close() {
      for (const n of [...readers.keys()]) closeReader(n);
      if (writer) closeSync(writer.fd);
      writer = undefined;
    },
  };
}

export interface LandingRepoOptions {
  /** Where segment files go (a file store); without it, chunks' bytes stay in the table. */
  readonly segmentDir?: string;
  /** A new segment file once the current one holds this much (default 64 MB). */
  readonly segmentBytes?: number;
}

/** A landing row as a chunk, its bytes read by the caller (a segment file, or the row's own). */
export const landedChunkOf = (r: Row, body: Uint8Array): LandedChunk => ({
  seq: reqNum(r, 'seq'),
  topic: reqStr(r, 'topic'),
  partition: reqNum(r, 'partition'),
  format: reqNum(r, 'format') === 1 ? 'kafka' : 'packed',
  firstOffset: reqNum(r, 'first_offset'),
  lastOffset: reqNum(r, 'last_offset'),
  count: reqNum(r, 'count'),
  landedAt: reqNum(r, 'landed_at'),
  body,
});

export function createLandingRepo(
  sql: Sql,
  options: LandingRepoOptions = {},
): SyncRepo<LandingRepo> & { close(): void } {
  const segments = options.segmentDir
    ? segmentFiles(options.segmentDir, options.segmentBytes ?? SEGMENT_BYTES)
    : undefined;
  const bodyOf = (r: Row): Buffer => {
    const seg = num(r, 'segment');
    if (seg !== null && segments) return segments.read(seg, reqNum(r, 'segment_at'), reqNum(r, 'size'));
    return buf(r, 'body') ?? Buffer.alloc(0);
  };
  const chunkOf = (r: Row) => landedChunkOf(r, bodyOf(r));
  return {
    append(chunks: readonly LandingChunk[]) {
      if (!chunks.length) return;
      let placed: { segment: number; at: number[] } | undefined;
      if (segments) {
        // Segments no row points into any more: their deletions are committed (see above). Rows
        // leave in seq order and segments grow with seq: the first row with a segment has the
        // oldest (rows before it are a v4 store's, their bytes in the table).
        const oldest = sql.get(
          'SELECT segment AS s FROM landing WHERE segment IS NOT NULL ORDER BY seq LIMIT 1',
        );
        segments.prune(oldest ? num(oldest, 's') : null);
        placed = segments.write(chunks.map((c) => c.body));
      }
      chunks.forEach((c, i) =>
        sql.run(APPEND, [
          c.topic,
          c.partition,
          c.firstOffset,
          c.count,
          c.lastOffset,
          c.format === 'kafka' ? 1 : 0,
          c.landedAt,
          c.body.byteLength,
          placed ? null : c.body,
          placed ? placed.segment : null,
          placed ? placed.at[i]! : null,
        ]),
      );
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
      if (
        sql.get('SELECT 1 FROM records WHERE topic = ? AND partition = ? AND offset = ?', [
          topic,
          partition,
          offset,
        ])
      )
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
             SELECT *, sum(count) OVER w - count AS records_before, sum(size) OVER w - size AS bytes_before
             FROM (SELECT * FROM landing ORDER BY seq LIMIT ${lim(limit)})
             WINDOW w AS (ORDER BY seq)
           ) WHERE records_before = 0 OR (records_before < ? AND bytes_before < ?) ORDER BY seq`,
          [limit, maxBytes],
        )
        .map(chunkOf);
    },
    waitingPartitions() {
      return sql
        .all(
          `SELECT l.*, m.last AS partition_last FROM landing AS l
           JOIN (SELECT min(seq) AS first, max(last_offset) AS last FROM landing GROUP BY topic, partition) AS m
             ON l.seq = m.first
           ORDER BY l.seq`,
        )
        .map((r) => ({ first: chunkOf(r), lastOffset: reqNum(r, 'partition_last') }));
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
      const waiting = r && hi !== null ? hi - reqNum(r, 'lo') + reqNum(r, 'n') : 0;
      // One collector per SQLite file: its landing is the store's.
      return { waiting, waitingAll: waiting };
    },
    close() {
      segments?.close();
    },
  };
}

/** The segment directory of a file store at `dbPath`. */
export const landingSegmentDir = (dbPath: string) => `${dbPath}-landing`;
