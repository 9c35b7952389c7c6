import type { StoredHeader } from '../types.ts';
import { buf, json, MIN_MAX_SEQ, num, reqNum, str, type Row, type Sql } from './db.ts';
import { searchText } from './text-search.ts';

// Where the text-search index (`records_fts`, text-search.ts) lives and who fills it.
//
// - An in-memory store (tests) keeps it in the main database, filled as each record is inserted.
// - A store file keeps it in a file of its own beside it, `<db>-search`, filled by a **search
//   worker** (collector/engine/search-worker.ts) from the stored records, in transactions of its
//   own. Tokenizing and writing the full-text index was a third of what indexing a record cost in
//   SQLite (FTS insert ~33 µs, plus the pages it dirtied at COMMIT); in a second file it is written
//   on the second core while the indexer goes on, and the two never wait on one write lock.
//   A record is searchable once the worker has caught up (`searchPending`, part of
//   `recordsIndexing` in /api/health); everything else about it is visible at the indexer's COMMIT.
//
// Which records the worker has indexed: `search_state.indexed_to`, the highest seq, committed with
// the index rows. The one record writer assigns seqs in commit order, so everything up to it is
// in. It reads the records and their bodies (a value's schema-decoded text is kept there,
// `record_bodies.search_text`), so a crash of either worker loses nothing: the next round goes on
// from `indexed_to`. Retention deletes records oldest first; the worker then drops their index
// rows below the oldest seq left (`purged_to`), and starts over when every record went and seqs
// are used again (`indexed_key` tells: the record it indexed last).

export const searchIndexPath = (dbPath: string) => `${dbPath}-search`;

const FTS_COLUMNS = `text, content='', contentless_delete=1, detail=none, tokenize='unicode61 remove_diacritics 2'`;

/** Creates the index (and, in its own file, the worker's progress row) in `schema` if missing. */
export function ensureSearchTables(sql: Sql, schema: 'main' | 'search'): void {
  sql.db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS ${schema}.records_fts USING fts5(${FTS_COLUMNS})`);
  if (schema === 'search')
    sql.db.exec(`
      CREATE TABLE IF NOT EXISTS search.search_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        indexed_to INTEGER NOT NULL, indexed_key TEXT, purged_to INTEGER NOT NULL
      );
      INSERT OR IGNORE INTO search.search_state (id, indexed_to, purged_to) VALUES (1, 0, 0);`);
}

/**
 * Attaches `<db>-search` as schema `search` (WAL, like the main file) and creates its tables. A
 * connection that attaches it takes its write lock in every `BEGIN IMMEDIATE`, so the ingest
 * worker's connection, which writes all the time, does not attach it.
 */
export function attachSearchIndex(sql: Sql, dbPath: string, cacheMb = 16): void {
  sql.db.prepare('ATTACH DATABASE ? AS search').run(searchIndexPath(dbPath));
  sql.db.exec('PRAGMA search.journal_mode = WAL; PRAGMA search.synchronous = NORMAL');
  sql.db.exec(`PRAGMA search.cache_size = -${Math.max(1, Math.round(cacheMb)) * 1024}`);
  ensureSearchTables(sql, 'search');
}

/**
 * Stored records not yet in the search index, on a connection that attached it. From the seq range
 * rather than a count (which would read every pending row): the one writer assigns seqs densely
 * and retention deletes oldest first, so the records past `indexed_to` are exactly its tail.
 */
export function searchPending(sql: Sql): number {
  const range = sql.get(MIN_MAX_SEQ);
  const state = sql.get('SELECT indexed_to FROM search.search_state WHERE id = 1');
  const lo = range ? num(range, 'lo') : null;
  const hi = range ? num(range, 'hi') : null;
  if (lo === null || hi === null) return 0;
  const done = Math.max(state ? reqNum(state, 'indexed_to') : 0, lo - 1);
  return Math.max(0, hi - done);
}

/** Index rows of deleted records dropped per round at most. */
const PURGE_ROWS = 5000;

const identity = (r: Row) => `${str(r, 'topic')}/${num(r, 'partition')}/${num(r, 'offset')}`;

/**
 * Whether the seqs the index holds now name other records. Retention deletes oldest first, so the
 * oldest seq only grows and the newest record stays, until every record is gone: then seqs start
 * again from 1. So: no record is left, or the record at `indexedTo` is another one, or it is gone
 * while an older seq is still there.
 */
function seqsUsedAgain(sql: Sql, indexedTo: number, key: string | null, lo: number | null): boolean {
  if (lo === null) return true;
  const at = sql.get('SELECT topic, partition, offset FROM records WHERE seq = ?', [indexedTo]);
  return at ? identity(at) !== key : lo <= indexedTo;
}

const BATCH = `SELECT r.seq, r.topic, r.partition, r.offset, r.key_text, r.key_encoding, r.value_kind, b.value, b.headers, b.search_text
  FROM records r JOIN record_bodies b ON b.seq = r.seq WHERE r.seq > ? ORDER BY r.seq LIMIT ?`;

/**
 * One round of the search worker, on `sql` (main attached to the search file): indexes up to `max`
 * records past `indexed_to` and drops the rows of records retention deleted, in one transaction
 * on the search file. Returns how many records it indexed. The main file is read before that
 * transaction, one statement at a time: a reader holding a snapshot of the main file keeps its
 * WAL from being checkpointed, and the indexer's COMMITs grew slower while this worker held one
 * for a whole round.
 */
export function catchUpSearchIndex(sql: Sql, max: number): number {
  const state = sql.get('SELECT indexed_to, indexed_key, purged_to FROM search.search_state WHERE id = 1');
  let indexedTo = state ? reqNum(state, 'indexed_to') : 0;
  let indexedKey = state ? str(state, 'indexed_key') : null;
  let purgedTo = state ? reqNum(state, 'purged_to') : 0;
  const range = sql.get(MIN_MAX_SEQ);
  const lo = range ? num(range, 'lo') : null;
  const hi = (range ? num(range, 'hi') : null) ?? 0;
  const reset = indexedTo > 0 && seqsUsedAgain(sql, indexedTo, indexedKey, lo);
  if (reset) {
    indexedTo = 0;
    indexedKey = null;
    purgedTo = 0;
  }
  const rows = sql.all(BATCH, [indexedTo, max]).map((r) => {
    const enc = str(r, 'key_encoding');
    const kind = str(r, 'value_kind');
    const text = searchText({
      keyText: str(r, 'key_text'),
      keyEncoding: enc === 'utf8' || enc === 'hex' ? enc : null,
      headers: json<StoredHeader[]>(r, 'headers', []),
      value: buf(r, 'value'),
      valueKind: kind === 'json' || kind === 'text' ? kind : 'binary',
      decodedText: str(r, 'search_text'),
    });
    return { seq: reqNum(r, 'seq'), key: identity(r), text };
  });
  const below = lo ?? hi + 1;
  sql.db.exec('BEGIN');
  try {
    if (reset) sql.run(`INSERT INTO search.records_fts (records_fts) VALUES ('delete-all')`);
    if (below - 1 > purgedTo) {
      sql.run(
        `DELETE FROM search.records_fts WHERE rowid IN (SELECT rowid FROM search.records_fts WHERE rowid < ? LIMIT ${PURGE_ROWS})`,
        [below],
      );
      if (!sql.get('SELECT rowid FROM search.records_fts WHERE rowid < ? LIMIT 1', [below]))
        purgedTo = below - 1;
    }
    for (const r of rows) {
      if (r.text) sql.run('INSERT INTO search.records_fts (rowid, text) VALUES (?, ?)', [r.seq, r.text]);
      indexedTo = r.seq;
      indexedKey = r.key;
    }
    sql.run('UPDATE search.search_state SET indexed_to = ?, indexed_key = ?, purged_to = ? WHERE id = 1', [
      indexedTo,
      indexedKey,
      purgedTo,
    ]);
    sql.db.exec('COMMIT');
    return rows.length;
  } catch (err) {
    if (sql.db.isTransaction) sql.db.exec('ROLLBACK');
    throw err;
  }
}
