import type { Page } from '../types.ts';
import type { KeysetQuery } from '../sqlite/paging.ts';
import { lim, type Row } from '../sqlite/db.ts';
import type { Db, Param } from './db.ts';

// Keyset pages as in the SQLite store (sqlite/paging.ts: the same conditions builder and query
// shape, newest first on a two-column key unless ascending, one row more than asked), run asynchronously. The row
// comparison `(a, b) < (?, ?)` lets PostgreSQL seek a btree on (…, a, b) to the cursor too.

export async function keysetPage<T>(db: Db, q: KeysetQuery<T>): Promise<Page<T>> {
  const c = q.page.cursor;
  const [cmp, dir] = q.ascending ? ['>', 'ASC'] : ['<', 'DESC'];
  if (c && c.length >= 2) q.where.add(`(${q.order[0]}, ${q.order[1]}) ${cmp} (?, ?)`, c[0]!, c[1]!);
  const rows: Row[] = await db.all(
    `${q.select} ${q.where.clause()} ORDER BY ${q.order[0]} ${dir}, ${q.order[1]} ${dir} LIMIT ${lim(q.page.limit + 1)}`,
    [...(q.params ?? []), ...q.where.params] as Param[],
  );
  const items = rows.slice(0, q.page.limit).map(q.row);
  const last = items[items.length - 1];
  return { items, next: rows.length > q.page.limit && last ? q.cursorOf(last) : null };
}
