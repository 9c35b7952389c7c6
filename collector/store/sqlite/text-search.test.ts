import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../lib/errors.ts';
import type { Cursor, NewRecord, Page, RecordRow, RecordsFilter } from '../types.ts';
import { newRecord } from '../testing.ts';
import { openSql, type Sql } from './db.ts';
import { migrate } from './migrations.ts';
import { createRecordRepo } from './records.ts';
import { enforceRetention } from './retention.ts';
import { indexRecordText, matchExpression, searchText } from './text-search.ts';

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

function openRepo() {
  const sql = openSql(':memory:');
  migrate(sql);
  const repo = createRecordRepo(sql);
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

describe('records text search', () => {
  it('finds ids whole and by any of their parts, in the key, headers and value', () => {
    const { add, search } = openRepo();
    add(
      newRecord(1, { keyText: 'ord-1a2b', keyEncoding: 'utf8', key: Buffer.from('ord-1a2b') }),
      newRecord(2, { headers: [{ key: 'ce_correlationid', value: 'ord-1a2b', encoding: 'utf8' }] }),
      newRecord(3, { value: json({ orderId: 'ord-1a2b', type: 'order.created' }) }),
      newRecord(4, {
        headers: [
          {
            key: 'traceparent',
            value: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
            encoding: 'utf8',
          },
        ],
      }),
      newRecord(5, { value: json({ orderId: 'ord-9z9z', note: 'needle-in-haystack' }) }),
      newRecord(6, {
        headers: [
          { key: 'kafka_dlt-exception-fqcn', value: 'com.shop.PoisonPillException', encoding: 'utf8' },
          { key: 'kafka_dlt-exception-message', value: 'Payment declined.', encoding: 'utf8' },
        ],
        value: json({ total: 12 }),
      }),
    );
    expect(search('ord-1a2b')).toEqual([3, 2, 1]);
    expect(search('1a2b')).toEqual([3, 2, 1]);
    expect(search('ord-1a2c')).toEqual([]);
    expect(search('order.created')).toEqual([3]);
    expect(search('4bf92f3577b34da6a3ce929d0e0e4736')).toEqual([4]);
    expect(search('needle-in')).toEqual([5]);
    // Every word must occur, in any order.
    expect(search('haystack needle')).toEqual([5]);
    expect(search('needle ord-1a2b')).toEqual([]);
    // Class names, sentence ends and JSON numbers are words like any other.
    expect(search('PoisonPillException')).toEqual([6]);
    expect(search('declined')).toEqual([6]);
    expect(search('12')).toEqual([6]);
  });

  it('folds case and accents, keeps non-Latin words, and matches prefixes with a trailing *', () => {
    const { add, search } = openRepo();
    add(
      newRecord(1, { headers: [{ key: 'ce_type', value: 'PaymentDeclined', encoding: 'utf8' }] }),
      newRecord(2, { value: Buffer.from('Café été, Ünïcödé: 東京駅 Ελληνικά Привет'), valueKind: 'text' }),
      newRecord(3, { headers: [{ key: 'ce_type', value: 'PaymentAuthorized', encoding: 'utf8' }] }),
    );
    expect(search('paymentdeclined')).toEqual([1]);
    expect(search('PAYMENTDECLINED')).toEqual([1]);
    expect(search('Payment*')).toEqual([3, 1]);
    expect(search('paymentdecl*')).toEqual([1]);
    expect(search('cafe ETE')).toEqual([2]);
    expect(search('unicode')).toEqual([2]);
    expect(search('東京駅')).toEqual([2]);
    expect(search('東京*')).toEqual([2]);
    // Case folds in every script; accents fold in Latin only (unicode61's table).
    expect(search('ΕΛΛΗΝΙΚΆ ПРИВЕТ')).toEqual([2]);
    expect(search('ελληνικα')).toEqual([]);
  });

  it('treats quotes, operators and FTS syntax in the input as separators, never as query syntax', () => {
    const { add, search } = openRepo();
    add(
      newRecord(1, { value: Buffer.from('cats AND dogs'), valueKind: 'text' }),
      newRecord(2, { value: Buffer.from('cats only'), valueKind: 'text' }),
    );
    expect(search('"cats')).toEqual([2, 1]);
    expect(search('cats AND dogs')).toEqual([1]);
    // OR, NOT and NEAR are words to find like any other, not operators.
    expect(search('cats OR birds')).toEqual([]);
    expect(search('cats NOT dogs')).toEqual([]);
    expect(search('NEAR(cats dogs)')).toEqual([]);
    expect(search('-dogs')).toEqual([1]);
    expect(search('cats:dogs ^dogs')).toEqual([1]);
    expect(search('(cats) {dogs}')).toEqual([1]);
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

  it('combines the text with the other filters and pages with the cursor, newest first', () => {
    const { add, repo } = openRepo();
    add(
      ...Array.from({ length: 30 }, (_, i) =>
        newRecord(i, {
          topic: i % 2 ? 'odd' : 'even',
          timestamp: 5000 - (i % 10) * 7 + i,
          value: json({ word: i % 3 ? 'needle' : 'hay' }),
        }),
      ),
    );
    const all: RecordRow[] = [];
    let next: Cursor | null = null;
    do {
      const page: Page<RecordRow> = repo.list({ q: 'needle', topic: 'odd' }, { cursor: next, limit: 4 });
      all.push(...page.items);
      next = page.next;
    } while (next);
    const expected = Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 2 && i % 3);
    expect(all.map((r) => r.offset).sort((a, b) => a - b)).toEqual(expected);
    const keys = all.map((r) => [r.timestamp, r.seq] as const);
    expect(keys).toEqual([...keys].sort((a, b) => b[0] - a[0] || b[1] - a[1]));
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
    expect(enforceRetention(sql, { olderThan: 100, maxRecords: 1000, maxDeletes: 100 }).records).toBe(4);
    expect(search('word')).toEqual([9, 8, 7, 6, 5, 4]);
    expect(sql.get('SELECT count(*) AS n FROM records_fts')?.n).toBe(6);
  });
});

describe('text search migration', () => {
  it('indexes the records a store held before it', () => {
    const sql: Sql = openSql(':memory:');
    migrate(sql, 2); // the schema before text search (v3)
    sql.run(
      `INSERT INTO records (seq, topic, partition, offset, ts, stored_at, key_text, key_encoding, value_kind,
        value_size, value_truncated, is_dlq, is_retry, problems, anomalies)
       VALUES (1, 't', 0, 1, 1, 1, 'ord-77', 'utf8', 'json', 9, 0, 0, 0, '[]', ''),
              (2, 't', 0, 2, 2, 2, 'abcd', 'hex', 'binary', 2, 0, 0, 0, '[]', '')`,
    );
    sql.run('INSERT INTO record_bodies (seq, key, value, headers) VALUES (?, ?, ?, ?), (?, ?, ?, ?)', [
      1,
      Buffer.from('ord-77'),
      json({ status: 'Declined' }),
      JSON.stringify([
        { key: 'ce_type', value: 'PaymentDeclined', encoding: 'utf8' },
        { key: 'raw', value: 'beef', encoding: 'hex' },
      ]),
      2,
      Buffer.from([0xab, 0xcd]),
      Buffer.from('zzz'),
      '[]',
    ]);
    migrate(sql);
    const repo = createRecordRepo(sql);
    const find = (q: string) => repo.list({ q }, { cursor: null, limit: 10 }).items.map((r) => r.seq);
    expect(find('ord-77')).toEqual([1]);
    expect(find('paymentdeclined declined')).toEqual([1]);
    expect(find('beef')).toEqual([]);
    expect(find('abcd')).toEqual([]);
    expect(find('zzz')).toEqual([]);
  });
});
