import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../lib/errors.ts';
import type { NewRecord, RecordsFilter } from '../types.ts';
import { newRecord } from '../testing.ts';
import { openSql } from './db.ts';
import { migrate } from './migrations.ts';
import { ensureSearchTables } from './search-index.ts';
import { createRecordRepo } from './records.ts';
import { enforceRetention } from './retention.ts';
import { indexRecordText, matchExpression, searchText } from './text-search.ts';

function openRepo() {
  const sql = openSql(':memory:');
  migrate(sql);
  ensureSearchTables(sql, 'main');
  const repo = createRecordRepo(sql, { inlineSearch: true });
  /** Stores and indexes like the ingest path: insert, then `indexRecordText` for the new seq. */
  const add = (...records: NewRecord[]) => {
    sql.db.exec('BEGIN');
    for (const r of records) {
      const stored = repo.insert(r);
      // Once ingest indexes on insert itself, the record is there already.
      if (stored && !sql.get('SELECT 1 AS x FROM records_fts WHERE rowid = ?', [stored.seq]))
        indexRecordText(sql, stored.seq, r);
    }
    sql.db.exec('COMMIT');
  };
  const search = (q: string, filter: RecordsFilter = {}, limit = 50) =>
    repo.list({ ...filter, q }, { cursor: null, limit }).items.map((r) => r.offset);
  return { sql, repo, add, search };
}

const badRequest = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err instanceof AppError && err.statusCode === 400 ? err.message : `not a 400: ${String(err)}`;
  }
  return 'no error';
};

// What search finds is part of the Store port (../conformance.ts, every backend); these cases are
// the FTS5 index's own: the expression built, the text indexed, plans at scale, retention.
describe('records text search', () => {
  it('builds an FTS5 expression of quoted words, never of the input syntax', () => {
    expect(matchExpression('a"b" OR cat* a')).toBe('"a" AND "b" AND "OR" AND "cat"*');
  });

  it('answers 400 with a reason for text it cannot search instead of scanning', () => {
    const { search } = openRepo();
    expect(badRequest(() => search('!!! ---'))).toMatch(/at least one letter or digit/);
    expect(badRequest(() => search('"'))).toMatch(/at least one letter or digit/);
    expect(badRequest(() => search('ab*'))).toMatch(/at least 3 letters or digits before a \*/);
    expect(badRequest(() => search(Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ')))).toMatch(
      /at most 32 words/,
    );
    // Short words themselves are exact tokens and fine.
    expect(search('a b')).toEqual([]);
  });

  it('never fails with anything but a 400, whatever the input', () => {
    const { add, search } = openRepo();
    add(newRecord(1, { value: Buffer.from('some text 42'), valueKind: 'text' }));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 64 }),
          fc.string({ unit: 'grapheme', maxLength: 64 }),
          fc.string({ unit: 'binary', maxLength: 64 }),
        ),
        (q) => {
          try {
            search(q);
          } catch (err) {
            expect(err).toBeInstanceOf(AppError);
            expect((err as AppError).statusCode).toBe(400);
          }
        },
      ),
      { numRuns: 2000, seed: 7 },
    );
  });

  it('indexes the key, UTF-8 headers and the first 2 KB of a text value, not binary or hex', () => {
    const far = `${'x '.repeat(1100)}beyond`;
    const text = searchText(
      newRecord(1, {
        keyText: 'k1',
        keyEncoding: 'utf8',
        headers: [
          { key: 'a', value: 'visible', encoding: 'utf8' },
          { key: 'b', value: 'ff00', encoding: 'hex' },
        ],
        value: Buffer.from(far),
        valueKind: 'text',
      }),
    );
    expect(text).toMatch(/^k1\nvisible\nx x/);
    expect(text).not.toMatch(/ff00|beyond/);
    expect(
      searchText(
        newRecord(2, { keyText: 'abcd', keyEncoding: 'hex', value: Buffer.from('zz'), valueKind: 'binary' }),
      ),
    ).toBe('');
    const { add, search } = openRepo();
    add(newRecord(1, { value: Buffer.from(far), valueKind: 'text' }));
    expect(search('beyond')).toEqual([]);
  });

  it('keeps exact time order when a word is in thousands of records and arrival order is not time order', () => {
    const { sql, add, search, repo } = openRepo();
    // 25,000 matches: past both the "few matches" and the "newest matches" plan thresholds.
    const many = Array.from({ length: 25_000 }, (_, i) =>
      newRecord(i, { value: Buffer.from(i % 1000 === 0 ? 'common rare' : 'common'), valueKind: 'text' }),
    );
    // Stored first, but carries the newest timestamp: it must lead the list all the same.
    add(newRecord(99_999, { timestamp: 10_000_000, value: Buffer.from('common early'), valueKind: 'text' }));
    add(...many);
    expect(search('common', {}, 3)).toEqual([99_999, 24_999, 24_998]);
    expect(search('rare', {}, 3)).toEqual([24_000, 23_000, 22_000]);
    // And without the out-of-order record, the quick plan gives the same order.
    sql.run('DELETE FROM records WHERE offset = 99999');
    const page1 = repo.list({ q: 'common' }, { cursor: null, limit: 3 });
    expect(page1.items.map((r) => r.offset)).toEqual([24_999, 24_998, 24_997]);
    const page2 = repo.list({ q: 'common' }, { cursor: page1.next, limit: 2 });
    expect(page2.items.map((r) => r.offset)).toEqual([24_996, 24_995]);
  });

  it('retention removes the text of the records it deletes', () => {
    const { sql, add, search } = openRepo();
    add(
      ...Array.from({ length: 10 }, (_, i) =>
        newRecord(i, { storedAt: i < 4 ? 10 : 5000, value: Buffer.from('word'), valueKind: 'text' }),
      ),
    );
    expect(
      enforceRetention(sql, { olderThan: 100, maxRecords: 1000, maxDeletes: 100, inline: true })
        .records,
    ).toBe(4);
    expect(search('word')).toEqual([9, 8, 7, 6, 5, 4]);
    expect(sql.get('SELECT count(*) AS n FROM records_fts')?.n).toBe(6);
  });
});
