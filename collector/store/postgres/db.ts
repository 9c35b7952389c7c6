import pg from 'pg';
import type { Row } from '../sqlite/db.ts';

// The PostgreSQL connection layer. Client: `pg` (node-postgres), pure JavaScript (pg-native is
// never installed). Chosen over `postgres` (porsager) because a pool hands out one dedicated
// `Client` per transaction and per leader lock, and that client's 'error' / 'end' events are how
// a session-level advisory lock is known to be lost (leader.ts); both are explicit in `pg`.
//
// Rows come back in the shape the SQLite adapter reads (`Row`: numbers, strings, Uint8Array,
// null), so both adapters share one set of row mappers: int8 is parsed to a number (offsets and
// millisecond times stay below 2^53), booleans and JSON are stored as smallint and text.

/** int8 (count(*), bigint columns) as a number; numeric (sum of int8) too. */
const toNumber = (v: string) => Number(v);
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 || oid === 1700
      ? toNumber
      : (pg.types.getTypeParser(oid, format ?? 'text') as unknown)) as typeof pg.types.getTypeParser,
};

export type Param = string | number | null | Buffer | Uint8Array | boolean | readonly string[];

/** A pool or one checked-out client: every repository runs its statements on one of these. */
export interface Db {
  all(text: string, params?: readonly Param[]): Promise<Row[]>;
  get(text: string, params?: readonly Param[]): Promise<Row | undefined>;
  run(text: string, params?: readonly Param[]): Promise<number>;
}

const numberedCache = new Map<string, string>();
/** `?` placeholders (what the SQLite adapter's builders write) to PostgreSQL's `$1, $2, …`. */
export function numbered(text: string): string {
  let out = numberedCache.get(text);
  if (out === undefined) {
    let n = 0;
    out = text.replace(/\?/g, () => `$${++n}`);
    if (numberedCache.size > 2000) numberedCache.clear();
    numberedCache.set(text, out);
  }
  return out;
}

/**
 * Statement names by text: a named statement is parsed and planned once per connection instead of
 * on every call (ingest issues about a dozen per record; planning them was most of the server's
 * time). Texts that vary (IN lists, LIMITs written in) would grow each connection's set of
 * prepared statements without end, so past MAX_PREPARED names the rest run unnamed.
 *
 * Only transactions prepare (`dbOf(…, prepare)`): the API's reads run on the pool, unnamed, so each
 * is planned for its values. A prepared statement soon runs a generic plan, one for any value,
 * and for a text search that is the wrong one: at 1M records a rare word took 2 s instead of 5 ms
 * (the generic plan walks the newest records filtering on the words instead of asking the index).
 */
const MAX_PREPARED = 1000;
const statementNames = new Map<string, string>();
function nameOf(text: string): string | undefined {
  // Rows inserted into the day-partitioned records table are routed by a partition list that a
  // prepared statement keeps within a transaction: a day attached meanwhile (by another
  // connection) would be missed ("no partition of relation found for row"). Those stay unnamed.
  if (text.startsWith('INSERT INTO records ')) return undefined;
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_PREPARED) {
    name = `causeway_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return name;
}

export function dbOf(
  q: pg.Pool | pg.PoolClient | pg.Client,
  onError?: (err: unknown) => void,
  prepare = false,
): Db {
  const query = async (text: string, params: readonly Param[] = []) => {
    const sql = numbered(text);
    const name = prepare ? nameOf(sql) : undefined;
    try {
      return await q.query<Row>(
        name === undefined
          ? { text: sql, values: params as unknown[] }
          : { name, text: sql, values: params as unknown[] },
      );
    } catch (err) {
      onError?.(err);
      throw err;
    }
  };
  return {
    all: async (text, params) => (await query(text, params)).rows,
    get: async (text, params) => (await query(text, params)).rows[0],
    run: async (text, params) => (await query(text, params)).rowCount ?? 0,
  };
}

export function createPool(url: string, max = 8): pg.Pool {
  return new pg.Pool({ connectionString: url, max, types, application_name: 'causeway-collector' });
}

/** A client outside the pool (leader elections hold theirs for the whole session). */
export function createClient(url: string): pg.Client {
  return new pg.Client({ connectionString: url, types, application_name: 'causeway-leader' });
}

/** PostgreSQL's text cannot hold NUL: stored text keeps U+FFFD there (the raw bytes stay in bytea). */
export const txt = (s: string | null): string | null =>
  s === null ? null : s.replaceAll('\u0000', '\uFFFD');

/** SQLSTATEs after which the whole transaction is retried: deadlock, serialization failure. */
export const isRetryable = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && 'code' in err && (err.code === '40P01' || err.code === '40001');

export const inList = (n: number) => Array.from({ length: n }, () => '?').join(',');
