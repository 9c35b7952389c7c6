import type { NewRecord, Page, RecordRepo, RecordRow, StoredRecord } from '../types.ts';
import { lim, num, oneOf, reqNum, reqStr, str } from '../sqlite/db.ts';
import { conditions, type Conditions } from '../sqlite/paging.ts';
import { rowToRecord, rowToStored, SUMMARY_COLS } from '../sqlite/records.ts';
import { anomalyKindSchema } from '../../../lib/api/records.ts';
import { txt, type Db, type Param } from './db.ts';
import { keysetPage } from './paging.ts';
import { dayOf, type Partitions } from './partitions.ts';
import { recordLexemes, tsQuery } from './text-search.ts';

// Records in the PostgreSQL store: one row each in the day partition of its timestamp
// (partitions.ts), body and search lexemes included (migrations.ts says why).

export const COLS = SUMMARY_COLS.replace(/\boffset\b/, '"offset"');
const ANOMALIES = anomalyKindSchema.options;

const INSERT_INTO = `INSERT INTO records (topic, partition, "offset", ts, stored_at, key_text, key_encoding,
  value_kind, value_size, value_truncated, ce_id, ce_type, ce_source, ce_time, ce_time_ms, causation_id,
  correlation_id, trace_id, span_id, saga_id, saga_type, saga_step, is_dlq, is_retry, dlq, problems,
  anomalies, chain_id, replay_id, key, value, headers, search) VALUES`;
const ROW = `(${Array.from({ length: 32 }, () => '?').join(', ')}, array_to_tsvector(?::text[]))`;
const ON_CONFLICT = 'ON CONFLICT (topic, partition, "offset", ts) DO NOTHING';
const INSERT = `${INSERT_INTO} ${ROW} ${ON_CONFLICT} RETURNING seq`;
/**
 * Rows per multi-row INSERT: 33 parameters each stays well under PostgreSQL's 65,535 per
 * statement. Measured with 20,000 shop-like records: 100 to 1,000 rows a statement store at the
 * same rate, about twice that of inserting them one by one in the same transactions.
 */
const MANY_CHUNK = 500;
const manyText = new Map<number, string>();
const insertManyText = (n: number) => {
  let text = manyText.get(n);
  if (text === undefined) {
    text = `${INSERT_INTO} ${Array.from({ length: n }, () => ROW).join(',\n')} ${ON_CONFLICT}
      RETURNING seq, topic, partition, "offset", ts`;
    if (manyText.size > 64) manyText.clear();
    manyText.set(n, text);
  }
  return text;
};
const rowKey = (topic: string, partition: number, offset: number, ts: number) =>
  `${partition}:${offset}:${ts}:${topic}`;

const b = (v: boolean) => (v ? 1 : 0);

function insertParams(r: NewRecord): Param[] {
  return [
    r.topic,
    r.partition,
    r.offset,
    r.timestamp,
    r.storedAt,
    txt(r.keyText),
    r.keyEncoding,
    r.valueKind,
    r.valueSize,
    b(r.valueTruncated),
    txt(r.ceId),
    txt(r.ceType),
    txt(r.ceSource),
    txt(r.ceTime),
    r.ceTimeMs,
    txt(r.causationId),
    txt(r.correlationId),
    txt(r.traceId),
    txt(r.spanId),
    txt(r.sagaId),
    txt(r.sagaType),
    txt(r.sagaStep),
    b(r.isDlq),
    b(r.isRetry),
    r.dlq ? JSON.stringify(r.dlq) : null,
    JSON.stringify(r.problems),
    r.anomalies.join(','),
    txt(r.chainId),
    txt(r.replayId),
    r.key,
    r.value,
    JSON.stringify(r.headers),
    recordLexemes(r) ?? [],
  ];
}

/** SQLSTATE of a row no partition takes: its day's partition was dropped by another collector. */
const NO_PARTITION = '23514';

const noPartition = (err: unknown) =>
  typeof err === 'object' && err !== null && 'code' in err && err.code === NO_PARTITION;

/** Matches a text search reads through the word index at most before it counts as common. */
const RARE_MATCHES = 2000;

/**
 * A text search's page when its words match at most RARE_MATCHES records: every match found
 * through the word index (the CTE is planned for all its rows, so by the GIN index, and read only
 * as far as the LIMIT), sorted here, the page's rows read by seq. Undefined for a common search,
 * which the keyset query answers fast by walking the newest records. Without this the planner,
 * guessing ~0.3 % of records match any word it has no statistics for, walked the newest records for
 * a rare word too: at 1M records an order id took 2 s instead of a few ms.
 */
async function rareMatches(
  db: Db,
  where: Conditions,
  ascending: boolean,
  page: Parameters<RecordRepo['list']>[1],
): Promise<Page<RecordRow> | undefined> {
  const hits = await db.all(
    `WITH hits AS MATERIALIZED (SELECT seq, ts FROM records ${where.clause()})
     SELECT seq, ts FROM hits LIMIT ${RARE_MATCHES + 1}`,
    where.params as Param[],
  );
  if (hits.length > RARE_MATCHES) return undefined;
  const dir = ascending ? 1 : -1;
  const keys = hits
    .map((h) => [reqNum(h, 'ts'), reqNum(h, 'seq')] as const)
    .sort((a, b) => dir * (a[0] - b[0] || a[1] - b[1]));
  const c = page.cursor;
  const after =
    c && c.length >= 2
      ? keys.filter(
          ([ts, seq]) =>
            dir * (ts - Number(c[0])) > 0 || (ts === Number(c[0]) && dir * (seq - Number(c[1])) > 0),
        )
      : keys;
  const taken = after.slice(0, page.limit + 1);
  const rows = taken.length
    ? await db.all(`SELECT ${COLS} FROM records WHERE seq = ANY(?::bigint[])`, [
        taken.map(([, seq]) => String(seq)),
      ])
    : [];
  const bySeq = new Map(rows.map((r) => [reqNum(r, 'seq'), rowToRecord(r)]));
  const items = taken.slice(0, page.limit).flatMap(([, seq]) => bySeq.get(seq) ?? []);
  const last = items[items.length - 1];
  return { items, next: taken.length > page.limit && last ? [last.timestamp, last.seq] : null };
}

export function createRecordRepo(db: Db, partitions: Partitions): RecordRepo {
  /** One multi-row INSERT of at most MANY_CHUNK rows; see RecordRepo.insertMany. */
  async function insertChunk(rows: readonly NewRecord[]): Promise<(StoredRecord | undefined)[]> {
    // Each day once: its partition, and its newest stored time for retention.
    const days = new Map<number, NewRecord>();
    for (const r of rows) {
      const d = dayOf(r.timestamp);
      if ((days.get(d)?.storedAt ?? -Infinity) < r.storedAt) days.set(d, r);
    }
    for (const r of days.values()) {
      await partitions.ensure(r.timestamp);
      await partitions.noteStored(r.timestamp, r.storedAt);
    }
    let stored;
    try {
      stored = await db.all(insertManyText(rows.length), rows.flatMap(insertParams));
    } catch (err) {
      if (noPartition(err)) for (const r of days.values()) partitions.forget(r.timestamp);
      throw err;
    }
    // RETURNING names no input: match by key. A key twice in `rows` was stored for the first.
    const seqs = new Map<string, number>();
    for (const x of stored)
      seqs.set(
        rowKey(reqStr(x, 'topic'), reqNum(x, 'partition'), reqNum(x, 'offset'), reqNum(x, 'ts')),
        reqNum(x, 'seq'),
      );
    return rows.map((r) => {
      const key = rowKey(r.topic, r.partition, r.offset, r.timestamp);
      const seq = seqs.get(key);
      if (seq === undefined) return undefined;
      seqs.delete(key);
      return { ...r, seq };
    });
  }

  return {
    async insert(r) {
      await partitions.ensure(r.timestamp);
      await partitions.noteStored(r.timestamp, r.storedAt);
      let row;
      try {
        row = await db.get(INSERT, insertParams(r));
      } catch (err) {
        if (noPartition(err)) partitions.forget(r.timestamp);
        throw err;
      }
      return row ? { ...r, seq: reqNum(row, 'seq') } : undefined;
    },
    async insertMany(rows) {
      const out: (StoredRecord | undefined)[] = [];
      for (let i = 0; i < rows.length; i += MANY_CHUNK)
        out.push(...(await insertChunk(rows.slice(i, i + MANY_CHUNK))));
      return out;
    },
    async get(topic, partition, offset) {
      const r = await db.get(
        'SELECT * FROM records WHERE topic = ? AND partition = ? AND "offset" = ? LIMIT 1',
        [topic, partition, offset],
      );
      return r ? rowToStored(r) : undefined;
    },
    async list(filter, page) {
      const where: Conditions = conditions();
      if (filter.topic !== undefined) where.add('topic = ?', filter.topic);
      if (filter.key !== undefined) where.add('key_text = ?', filter.key);
      if (filter.type !== undefined) where.add('ce_type = ?', filter.type);
      if (filter.correlationId !== undefined)
        where.add('chain_id = ? AND correlation_id = ?', filter.correlationId, filter.correlationId);
      if (filter.dlqOnly) where.add('is_dlq = 1');
      if (filter.from !== undefined) where.add('ts >= ?', filter.from);
      if (filter.to !== undefined) where.add('ts <= ?', filter.to);
      if (filter.partition !== undefined) where.add('partition = ?', filter.partition);
      if (filter.offset !== undefined) where.add('"offset" >= ?', filter.offset);
      // Validated like the SQLite search (400s for text it cannot search) before any query runs.
      if (filter.q !== undefined) where.add('search @@ ?::tsquery', tsQuery(filter.q));
      const byOffset = filter.offset !== undefined;
      if (filter.q !== undefined && !byOffset) {
        const rare = await rareMatches(db, where, filter.order === 'asc', page);
        if (rare) return rare;
      }
      return keysetPage(db, {
        select: `SELECT ${COLS} FROM records`,
        where,
        // Seeking a partition by offset reads it forward by offset, as the SQLite store does.
        order: byOffset ? ['"offset"', 'partition'] : ['ts', 'seq'],
        ascending: byOffset || filter.order === 'asc',
        page,
        row: rowToRecord,
        cursorOf: (r) => (byOffset ? [r.offset, r.partition] : [r.timestamp, r.seq]),
      });
    },
    byChain: async (chainId, limit) =>
      (
        await db.all(`SELECT ${COLS} FROM records WHERE chain_id = ? ORDER BY ts, seq LIMIT ${lim(limit)}`, [
          chainId,
        ])
      ).map(rowToRecord),
    byCeId: async (ceId, limit) =>
      (
        await db.all(`SELECT ${COLS} FROM records WHERE ce_id = ? ORDER BY seq LIMIT ${lim(limit)}`, [ceId])
      ).map(rowToRecord),
    byTraceId: async (id, limit) =>
      (
        await db.all(`SELECT ${COLS} FROM records WHERE trace_id = ? ORDER BY seq LIMIT ${lim(limit)}`, [id])
      ).map(rowToRecord),
    async previousWithKey(topic, partition, keyText, beforeOffset) {
      const r = await db.get(
        `SELECT ${COLS} FROM records WHERE key_text = ? AND topic = ? AND partition = ? AND "offset" < ?
         ORDER BY "offset" DESC LIMIT 1`,
        [keyText, topic, partition, beforeOffset],
      );
      return r ? rowToRecord(r) : undefined;
    },
    async earliestRetryAt(ceId) {
      const r = await db.get('SELECT min(ts) AS t FROM records WHERE ce_id = ? AND is_retry = 1', [ceId]);
      return (r && num(r, 't')) ?? undefined;
    },
    setChain: (from, to) => db.run('UPDATE records SET chain_id = ? WHERE chain_id = ?', [to, from]),
    async addAnomalies(rows) {
      if (!rows.length) return;
      const params: Param[] = [];
      for (const a of rows) params.push(a.recordSeq, a.recordId, a.kind, txt(a.detail));
      await db.run(
        `INSERT INTO anomalies (record_seq, record_id, kind, detail) VALUES ${rows.map(() => '(?, ?, ?, ?)').join(', ')}`,
        params,
      );
    },
    async anomaliesOfChain(chainId, limit) {
      const rows = await db.all(
        `SELECT a.record_seq, a.record_id, a.kind, a.detail FROM records r JOIN anomalies a ON a.record_seq = r.seq
         WHERE r.chain_id = ? ORDER BY a.record_seq LIMIT ${lim(limit)}`,
        [chainId],
      );
      return rows.map((r) => ({
        recordSeq: reqNum(r, 'record_seq'),
        recordId: reqStr(r, 'record_id'),
        kind: oneOf(str(r, 'kind'), ANOMALIES, 'duplicate'),
        detail: reqStr(r, 'detail'),
      }));
    },
    async stats() {
      // The planner's row estimate (autovacuum / ANALYZE keep it) instead of count(*) over every
      // partition; exact while small or never analysed, where counting is cheap.
      const est = await db.get(
        `SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint AS n, bool_or(c.reltuples < 0)::int AS unknown
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'records'::regclass`,
      );
      const small = !est || num(est, 'unknown') === 1 || reqNum(est, 'n') < 100_000;
      const exact = small ? await db.get('SELECT count(*) AS n FROM records') : undefined;
      // seq grows with storing: the newest by the seq index, not a scan of stored_at.
      const last = await db.get('SELECT stored_at FROM records ORDER BY seq DESC LIMIT 1');
      return {
        approxCount: reqNum(exact ?? est ?? {}, 'n'),
        lastStoredAt: last ? num(last, 'stored_at') : null,
      };
    },
  };
}
