import { matchExpression, searchText, type SearchableRecord } from '../sqlite/text-search.ts';

// Free-text search with the semantics of the SQLite store's FTS5 index (sqlite/text-search.ts):
// the same text per record (key, UTF-8 header values, the first 2 KB of a JSON or text value), the
// same words (runs of letters and digits), case folded in every script and accents folded in
// Latin (unicode61, remove_diacritics 2), every word of the query required, `word*` a prefix. The
// words are cut here, in one place for both directions, and stored as a tsvector of those exact
// lexemes (array_to_tsvector: no PostgreSQL parser or dictionary in between, so the locale of the
// server changes nothing); a query is a tsquery of quoted lexemes, so nothing the user typed is
// ever parsed as query syntax. A GIN index on the column answers it.

// As sqlite/text-search.ts: code points unicode61 (Unicode 6.1) treats as separators.
const SEPARATORS_IN_FTS = /[\u19B0-\u19C0\u19C8\u19C9\u1CF2\u1CF3]/gu;
const WORD = /[\p{L}\p{N}\p{Co}]+/gu;
/** tsvector lexemes are at most 2 KB; a longer word is kept by its start. */
const MAX_WORD_CHARS = 500;

/** Lower case in every script; diacritics removed from Latin letters only, as unicode61 does. */
export const foldWord = (w: string): string =>
  w
    .normalize('NFD')
    .replace(/(\p{Script=Latin})\p{M}+/gu, '$1')
    .normalize('NFC')
    .toLowerCase()
    .slice(0, MAX_WORD_CHARS);

/** The distinct lexemes of a record, or null when nothing is searchable. */
export function recordLexemes(r: SearchableRecord): string[] | null {
  const text = searchText(r);
  if (!text) return null;
  const words = new Set<string>();
  for (const m of text.normalize('NFC').replace(SEPARATORS_IN_FTS, ' ').matchAll(WORD))
    words.add(foldWord(m[0]));
  return words.size ? [...words] : null;
}

/**
 * The tsquery text for what a user typed. Validation and word cutting are the FTS5 path's own
 * (`matchExpression`: the same 400s for the same input); its quoted terms become lexemes here.
 */
export function tsQuery(q: string): string {
  const terms: string[] = [];
  for (const m of matchExpression(q).matchAll(/"([^"]*)"(\*?)/g)) {
    const word = foldWord(m[1]!);
    if (!word) continue;
    terms.push(`'${word}'${m[2] === '*' ? ':*' : ''}`);
  }
  return [...new Set(terms)].join(' & ');
}
