import type pg from 'pg';

// Day partitions of `records` (migrations.ts), by the record's timestamp in UTC. Each is created
// before the first record of its day is written: ahead of time for today and the next days
// (`ensureAhead`, at start and hourly), on demand for any other day (a backlog, a producer's odd
// clock). Created as a plain table and then attached: ATTACH PARTITION takes a SHARE UPDATE
// EXCLUSIVE lock on `records`, which ingest transactions in flight (row locks) do not conflict
// with, where CREATE TABLE … PARTITION OF would wait for every one of them and block all reads
// queued behind it. Done on a connection of its own, outside the caller's transaction, under an
// advisory lock so collectors creating the same day at once do not collide.

export const DAY_MS = 86_400_000;
const ADVISORY_PARTITIONS = 7_411_002;
const NOTE_EVERY_MS = 60_000;

export const dayOf = (ts: number) => Math.floor(ts / DAY_MS);
const nameOf = (day: number) => {
  const d = new Date(day * DAY_MS);
  const p = (n: number) => String(n).padStart(2, '0');
  const y = d.getUTCFullYear();
  return `records_p${y < 0 ? 'm' : ''}${String(Math.abs(y)).padStart(4, '0')}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}`;
};

export interface Partitions {
  /** Makes sure the partition holding `ts` exists. */
  ensure(ts: number): Promise<void>;
  /**
   * Notes that a record of `ts` was stored at `storedAt` (retention keeps its partition until that
   * is past the cut-off). Written at most once a minute per day and process, outside the caller's
   * transaction: a row lock on the day held by an ingest transaction would serialise collectors.
   */
  noteStored(ts: number, storedAt: number): Promise<void>;
  /** Forgets that the partition of `ts` exists (another collector's retention dropped it). */
  forget(ts: number): void;
  /** Today's partition and the next `days`. */
  ensureAhead(now: number, days?: number): Promise<void>;
  /** Partitions whose day and last stored record both lie before `cutoff` (oldest first). */
  olderThan(cutoff: number): Promise<{ name: string; day: number }[]>;
  /** Every partition, oldest first. */
  all(): Promise<{ name: string; day: number }[]>;
  /** Detaches (without blocking readers) and drops one partition. */
  drop(name: string): Promise<void>;
}

/**
 * `pool`: a pool of its own, never the one transactions take their clients from: a partition is
 * created while the transaction that needs it holds a client, and every client may be held so.
 */
export function createPartitions(pool: pg.Pool): Partitions {
  const known = new Set<number>();
  const creating = new Map<number, Promise<void>>();
  const noted = new Map<number, number>();
  const list = async () => {
    const r = await pool.query<{ name: string; bound: string }>(
      `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'records'::regclass`,
    );
    return r.rows
      .map((x) => ({ name: x.name, from: Number(/FROM \('?(-?\d+)'?\)/.exec(x.bound)?.[1]) }))
      .filter((x) => Number.isFinite(x.from))
      .map((x) => ({ name: x.name, day: dayOf(x.from) }))
      .sort((a, b) => a.day - b.day);
  };
  async function create(day: number) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_PARTITIONS]);
      const name = nameOf(day);
      const exists = await client.query(
        `SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'records'::regclass AND c.relname = $1`,
        [name],
      );
      if (!exists.rowCount) {
        await client.query(`CREATE TABLE IF NOT EXISTS ${name} (LIKE records INCLUDING DEFAULTS)`);
        await client.query(
          `ALTER TABLE records ATTACH PARTITION ${name} FOR VALUES FROM (${day * DAY_MS}) TO (${(day + 1) * DAY_MS})`,
        );
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
  const p: Partitions = {
    async ensure(ts) {
      const day = dayOf(ts);
      if (known.has(day)) return;
      let p = creating.get(day);
      if (!p) {
        p = create(day).finally(() => creating.delete(day));
        creating.set(day, p);
      }
      await p;
      known.add(day);
    },
    forget(ts) {
      known.delete(dayOf(ts));
    },
    async noteStored(ts, storedAt) {
      const day = dayOf(ts);
      if (storedAt < (noted.get(day) ?? -Infinity) + NOTE_EVERY_MS) return;
      noted.set(day, storedAt);
      if (noted.size > 1000) noted.clear();
      // A minute ahead: until the next note, records stored meanwhile are covered.
      await pool.query(
        `INSERT INTO record_days (day, last_stored_at) VALUES ($1, $2)
         ON CONFLICT (day) DO UPDATE SET last_stored_at = greatest(record_days.last_stored_at, excluded.last_stored_at)`,
        [day, storedAt + NOTE_EVERY_MS],
      );
    },
    async ensureAhead(now, days = 2) {
      for (let d = 0; d <= days; d++) await p.ensure(now + d * DAY_MS);
    },
    async olderThan(cutoff) {
      const days = await pool.query<{ day: number; last: number }>(
        'SELECT day, last_stored_at AS last FROM record_days',
      );
      const last = new Map(days.rows.map((r) => [Number(r.day), Number(r.last)]));
      return (await list()).filter(
        (x) => (x.day + 1) * DAY_MS <= cutoff && (last.get(x.day) ?? -Infinity) < cutoff,
      );
    },
    all: list,
    async drop(name) {
      if (!/^records_p[m0-9]+$/.test(name)) throw new Error(`not a records partition: ${name}`);
      const day = (await list()).find((x) => x.name === name)?.day;
      // CONCURRENTLY: readers and writers of other partitions are never blocked by the detach.
      await pool.query(`ALTER TABLE records DETACH PARTITION ${name} CONCURRENTLY`);
      await pool.query(`DROP TABLE ${name}`);
      if (day !== undefined) {
        known.delete(day);
        noted.delete(day);
        await pool.query('DELETE FROM record_days WHERE day = $1', [day]);
      }
    },
  };
  return p;
}
