import type { SQLInputValue } from 'node:sqlite';
import type { Cursor, Page, PageRequest } from '../types.ts';
import { lim, type Row, type Sql } from './db.ts';

// Every list of the store is a keyset page: filters ANDed together, newest first on a two-column
// sort key (time, unique tiebreak), one row more than asked to know whether a next page exists.

export interface Conditions {
  /** Adds `cond` (with `?` placeholders for `params`) to the AND of the WHERE clause. */
  add(cond: string, ...params: SQLInputValue[]): Conditions;
  /** `WHERE a AND b …`, or '' when nothing was added. */
  clause(): string;
  readonly params: SQLInputValue[];
}

export function conditions(): Conditions {
  const where: string[] = [];
  const params: SQLInputValue[] = [];
  const c: Conditions = {
    add(cond, ...p) {
      where.push(cond);
      params.push(...p);
      return c;
    },
    clause: () => (where.length ? `WHERE ${where.join(' AND ')}` : ''),
    params,
  };
  return c;
}

/**
 * Rows strictly after `cursor` on a descending (a, b) sort. A row value, not `a < ? OR (a = ? AND
 * b < ?)`: SQLite seeks an index on (…, a, b) straight to the cursor with it, where the OR form
 * re-reads every row of the earlier pages.
 */
function after(
  where: Conditions,
  cols: readonly [string, string],
  cursor: Cursor | null,
  ascending: boolean,
): void {
  if (cursor && cursor.length >= 2)
    where.add(`(${cols[0]}, ${cols[1]}) ${ascending ? '>' : '<'} (?, ?)`, cursor[0]!, cursor[1]!);
}

export interface KeysetQuery<T> {
  /** `SELECT … FROM …`, up to where the WHERE clause goes; `params` bind before the conditions'. */
  readonly select: string;
  readonly params?: readonly SQLInputValue[];
  readonly where: Conditions;
  /** The sort key, descending; its last column must be unique. */
  readonly order: readonly [string, string];
  /** Oldest first instead (the records explorer reading a partition forward). */
  readonly ascending?: boolean;
  readonly page: PageRequest;
  readonly row: (r: Row) => T;
  readonly cursorOf: (item: T) => Cursor;
}

export function keysetPage<T>(sql: Sql, q: KeysetQuery<T>): Page<T> {
  const dir = q.ascending ? 'ASC' : 'DESC';
  after(q.where, q.order, q.page.cursor, Boolean(q.ascending));
  const rows = sql.all(
    `${q.select} ${q.where.clause()} ORDER BY ${q.order[0]} ${dir}, ${q.order[1]} ${dir} LIMIT ${lim(q.page.limit + 1)}`,
    [...(q.params ?? []), ...q.where.params],
  );
  const items = rows.slice(0, q.page.limit).map(q.row);
  const last = items[items.length - 1];
  return { items, next: rows.length > q.page.limit && last ? q.cursorOf(last) : null };
}
