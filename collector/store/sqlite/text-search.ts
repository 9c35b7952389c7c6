import type { SQLInputValue } from 'node:sqlite';
import { badRequest } from '../../../lib/errors.ts';
import type { NewRecord, Page } from '../types.ts';
import { reqNum, type Sql } from './db.ts';

// Free-text search over records (`GET /api/records?q=`): an FTS5 index `records_fts` whose rowid
// is the record's seq (where it lives and who fills it: search-index.ts). Choices, measured on
// 100k bench-dataset records:
// - Tokenizer unicode61, remove_diacritics 2, no extra token characters: words are runs of
//   letters and digits, case-folded (accents too, in Latin script). Ids split on their punctuation
//   (`ord-1a2b` → `ord`, `1a2b`; a traceparent → its trace and span ids), so any part of an id
//   finds it, and a query splits the same way and ANDs the parts. `tokenchars '-_.:'` would keep
//   ids whole but glue JSON (`"total":12` → `:12`), sentence ends (`declined.`) and Java class
//   names (`com.shop.PoisonPillException`) into tokens nobody types, and hide the parts of an id.
//   Trigram (substring search) costs ~6× the CPU per record and ~4× the size.
// - content='' (the bodies hold the text), contentless_delete=1 (retention deletes by rowid),
//   detail=none: no positions, hence no phrase queries, for ~30 % less CPU per record and 1/3 of
//   the size of detail=full; the AND of an id's parts is selective enough without adjacency.
// - Indexed: the key (UTF-8), each UTF-8 header value, the first 2 KB of a JSON or text value;
//   not binary or hex. Each part and the whole are capped so a hostile record stays cheap.
// Write cost (1.2 KB of text per record on average): 13 – 17 µs of CPU per record in batches of
// 5,000 / 500, most of it tokenizing; a 512-byte value prefix would save about a third.

/** Bytes of a JSON / text value that are searchable. */
const SEARCH_VALUE_PREFIX_BYTES = 2048;
const MAX_PART_CHARS = 2048;
const MAX_TEXT_CHARS = 16_384;
/**
 * Shorter prefixes (`ab*`, `7*`) expand to too many index terms to answer quickly. In UTF-8 bytes,
 * so two CJK characters (6 bytes) are a prefix.
 */
const MIN_PREFIX_BYTES = 3;

export type SearchableRecord = Pick<
  NewRecord,
  'keyText' | 'keyEncoding' | 'headers' | 'value' | 'valueKind' | 'decodedText'
>;

/** The text indexed for one record (parts separated by newlines); '' when nothing is searchable. */
export function searchText(r: SearchableRecord): string {
  const parts: string[] = [];
  let size = 0;
  const push = (s: string) => {
    if (!s || size >= MAX_TEXT_CHARS) return;
    const part = s.length > MAX_PART_CHARS ? s.slice(0, MAX_PART_CHARS) : s;
    parts.push(part);
    size += part.length + 1;
  };
  if (r.keyText !== null && r.keyEncoding === 'utf8') push(r.keyText);
  for (const h of r.headers) if (h.encoding === 'utf8') push(h.value);
  if (r.decodedText) push(r.decodedText.slice(0, SEARCH_VALUE_PREFIX_BYTES));
  else if (r.value && (r.valueKind === 'json' || r.valueKind === 'text'))
    push(r.value.toString('utf8', 0, Math.min(r.value.length, SEARCH_VALUE_PREFIX_BYTES)));
  return parts.join('\n');
}

/**
 * Indexes a newly stored record for `q` search. Call once per new seq, in the transaction that
 * inserts the record (FTS5 keeps a second insert of a rowid as extra terms, not a replacement).
 */
export function indexRecordText(sql: Sql, seq: number, r: SearchableRecord): void {
  const text = searchText(r);
  if (text) sql.run('INSERT INTO records_fts (rowid, text) VALUES (?, ?)', [seq, text]);
}

// Letters and digits, as unicode61 sees them: its tables are Unicode 6.1, where these code points
// were still marks (separators), so a query word containing one would become a two-token phrase.
const SEPARATORS_IN_FTS = /[\u19B0-\u19C0\u19C8\u19C9\u1CF2\u1CF3]/gu;
const WORD = /([\p{L}\p{N}\p{Co}]+)(\*?)/gu;
const MAX_TERMS = 32;

/**
 * The FTS5 MATCH expression for what a user typed: every word (run of letters and digits) must
 * occur; `word*` matches words starting with it. Everything else is a separator, so quotes,
 * operators and FTS syntax in the input are never interpreted. Throws a 400 when nothing is left
 * to search for, or for a prefix too short to answer quickly.
 */
export function matchExpression(q: string): string {
  const terms = new Map<string, string>();
  for (const m of q.replace(SEPARATORS_IN_FTS, ' ').matchAll(WORD)) {
    const word = m[1]!;
    const prefix = m[2] === '*';
    if (prefix && Buffer.byteLength(word) < MIN_PREFIX_BYTES)
      throw badRequest(
        `q: search for whole words, or put at least ${MIN_PREFIX_BYTES} letters or digits before a * ("${word}*" is too short)`,
        [{ path: 'q', message: 'prefix too short' }],
      );
    const term = `"${word}"${prefix ? '*' : ''}`;
    terms.set(term.toLowerCase(), term);
  }
  if (!terms.size)
    throw badRequest(
      'q: search text needs at least one letter or digit (punctuation and symbols are not indexed)',
      [{ path: 'q', message: 'no word to search for' }],
    );
  if (terms.size > MAX_TERMS)
    throw badRequest(`q: search for at most ${MAX_TERMS} words`, [{ path: 'q', message: 'too many words' }]);
  return [...terms.values()].join(' AND ');
}

const MATCHES = 'SELECT rowid FROM records_fts WHERE records_fts MATCH ?';
/** Up to this many matches, looking each one up and sorting them by time is cheapest (~1 µs each). */
const FEW_MATCHES = 5000;
/** Beyond that, the newest-first walk of a time index tests rows against only this many matches. */
const NEWEST_MATCHES = 20_000;

/** One keyset page of `records` (FROM `from`) under the list's other filters plus `cond`. */
export type RecordsPage<T> = (from: string, cond: string, ...params: SQLInputValue[]) => Page<T>;

/**
 * The page of records matching the search text `q` (ordered by time, newest first, like every
 * records list; throws a 400 for text that cannot be searched). Three plans, by match count:
 * - few: look the matches up and sort them (`NOT INDEXED` so SQLite drives from the match set);
 * - many: walk a time index newest-first and test each row against the match set (`+seq` so
 *   SQLite does not drive from it). Building that set costs ~0.2 µs per match, so the walk first
 *   tests against the newest NEWEST_MATCHES (by seq) only; that page is exact when no record
 *   older than them by seq is newer by time than its last item (records arrive roughly in time
 *   order; a quick index check), else the walk is redone against every match.
 */
export function searchRecords<T extends { timestamp: number; seq: number }>(
  sql: Sql,
  q: string,
  page: RecordsPage<T>,
): Page<T> {
  const match = matchExpression(q);
  // Every look at the match set re-evaluates the expression (a prefix merges its terms' lists
  // each time), so the commonest case, a word in thousands of records, takes two.
  const cut = sql.get(`${MATCHES} ORDER BY rowid DESC LIMIT 1 OFFSET ${NEWEST_MATCHES - 1}`, [match]);
  if (!cut) {
    const few = sql.get(`SELECT count(*) AS n FROM (${MATCHES} LIMIT ${FEW_MATCHES + 1})`, [match]);
    if ((few ? reqNum(few, 'n') : 0) <= FEW_MATCHES)
      return page('records NOT INDEXED', `seq IN (${MATCHES})`, match);
  } else {
    const lo = reqNum(cut, 'rowid');
    const recent = page('records', `+seq IN (${MATCHES} AND rowid >= ?)`, match, lo);
    const last = recent.items[recent.items.length - 1];
    const older = (l: T) =>
      sql.get('SELECT 1 AS x FROM records WHERE ts > ? AND seq < ? LIMIT 1', [l.timestamp, lo]);
    if (recent.next && last && !older(last)) return recent;
  }
  return page('records', `+seq IN (${MATCHES})`, match);
}
