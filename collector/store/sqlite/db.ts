import { DatabaseSync, type SQLInputValue, type SQLOutputValue, type StatementSync } from 'node:sqlite';

// A thin layer over `DatabaseSync`: a prepared-statement cache (every query of the store is
// prepared once) and typed column readers, so rows coming back are checked instead of cast.

export type Row = Record<string, SQLOutputValue>;
export type Params = Record<string, SQLInputValue> | SQLInputValue[];

export interface Sql {
  readonly db: DatabaseSync;
  all(sql: string, params?: Params): Row[];
  get(sql: string, params?: Params): Row | undefined;
  run(sql: string, params?: Params): { changes: number; lastInsertRowid: number };
}

/** `cacheMb`: SQLite's page cache for this connection (default 64 MB). */
export function openSql(path: string, options: { cacheMb?: number } = {}): Sql {
  const db = new DatabaseSync(path, { timeout: 5000 });
  if (path !== ':memory:') db.exec('PRAGMA journal_mode = WAL');
  // NORMAL in WAL mode: a committed transaction survives a process crash (SIGKILL); only an OS
  // crash or power loss can lose the last ones, and Kafka redelivers those (offsets commit later).
  db.exec('PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF; PRAGMA temp_store = MEMORY');
  // Checkpoints every 64 MB of WAL instead of SQLite's 4 MB: each one syncs the WAL and the
  // database file, and while landing writes ~60 MB/s that was 15 fsyncs a second and ~70 % of
  // the writer's time in COMMIT. A page written again before its checkpoint is copied once.
  db.exec('PRAGMA wal_autocheckpoint = 16384');
  db.exec(`PRAGMA cache_size = -${Math.max(1, Math.round(options.cacheMb ?? 64)) * 1024}`);
  // Delete triggers (the saga counts') must also fire for rows an INSERT OR REPLACE replaces.
  db.exec('PRAGMA recursive_triggers = ON');
  const cache = new Map<string, StatementSync>();
  const stmt = (sql: string) => {
    let s = cache.get(sql);
    if (!s) {
      // Bounded: queries differ only by their filters and literal limits.
      if (cache.size >= 2000) cache.clear();
      s = db.prepare(sql);
      cache.set(sql, s);
    }
    return s;
  };
  const call = <T>(
    params: Params | undefined,
    f: (...args: SQLInputValue[]) => T,
    fNamed: (p: Record<string, SQLInputValue>) => T,
  ): T => (params === undefined ? f() : Array.isArray(params) ? f(...params) : fNamed(params));
  return {
    db,
    all: (sql, params) => {
      const s = stmt(sql);
      return call(
        params,
        (...a) => s.all(...a),
        (p) => s.all(p),
      );
    },
    get: (sql, params) => {
      const s = stmt(sql);
      return call(
        params,
        (...a) => s.get(...a),
        (p) => s.get(p),
      );
    },
    run: (sql, params) => {
      const s = stmt(sql);
      const r = call(
        params,
        (...a) => s.run(...a),
        (p) => s.run(p),
      );
      return { changes: Number(r.changes), lastInsertRowid: Number(r.lastInsertRowid) };
    },
  };
}

export const str = (r: Row, k: string): string | null => {
  const v = r[k];
  return typeof v === 'string' ? v : v === null || v === undefined ? null : String(v);
};
export const reqStr = (r: Row, k: string): string => str(r, k) ?? '';
export const num = (r: Row, k: string): number | null => {
  const v = r[k];
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : null;
};
export const reqNum = (r: Row, k: string): number => num(r, k) ?? 0;
export const bool = (r: Row, k: string): boolean => num(r, k) === 1;
export const buf = (r: Row, k: string): Buffer | null => {
  const v = r[k];
  return v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : null;
};
/** JSON written by the store itself; a parse failure means corruption and yields the fallback. */
export function json<T>(r: Row, k: string, fallback: T): T {
  const s = str(r, k);
  if (s === null) return fallback;
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
}
export const oneOf = <T extends string>(v: string | null, allowed: readonly T[], fallback: T): T =>
  allowed.find((a) => a === v) ?? fallback;

/**
 * A LIMIT as a literal: SQLite plans `LIMIT ?` far worse (tens of µs per call on the ingest path),
 * and limits are numbers we computed, never user text.
 */
export const lim = (n: number) => String(Math.max(0, Math.min(1_000_000, Math.trunc(n))));

/**
 * `INSERT INTO table (cols) VALUES (?, ...)` plus a conflict clause, with the values of `row` in
 * column order. Positional: node:sqlite binds named parameters an order of magnitude slower.
 */
export function insertStatement<const C extends string>(table: string, cols: readonly C[], conflict: string) {
  const text = `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ${conflict}`;
  return { text, values: (row: Record<C, SQLInputValue>): SQLInputValue[] => cols.map((c) => row[c]) };
}

/** `ON CONFLICT (key) DO UPDATE SET` every other column. */
export const updateAllBut = (key: string, cols: readonly string[]) =>
  `ON CONFLICT (${key}) DO UPDATE SET ${cols
    .filter((c) => c !== key)
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}`;

/**
 * The lowest and highest record seq. Two subqueries, each answered from the end of the rowid
 * B-tree: SQLite only does that for a lone min() or max(); both in one SELECT scan the table.
 */
export const MIN_MAX_SEQ =
  'SELECT (SELECT min(seq) FROM records) AS lo, (SELECT max(seq) FROM records) AS hi';

/** The string values of a query's first column, streamed (the derivation cache's warm-up). */
export function* stringColumn(sql: Sql, text: string): Generator<string> {
  for (const r of sql.db.prepare(text).iterate()) {
    const v = Object.values(r)[0];
    if (typeof v === 'string') yield v;
  }
}
