import { anomalyKindSchema } from '../../../lib/api/records.ts';
import type { DlqInfo } from '../../../lib/events/dlq.ts';
import type {
  AnomalyRow,
  NewRecord,
  RecordRepo,
  RecordRow,
  StoredHeader,
  StoredRecord,
  RecordProblem,
} from '../types.ts';
import {
  bool,
  buf,
  insertStatement,
  json,
  lim,
  MIN_MAX_SEQ,
  num,
  oneOf,
  reqNum,
  reqStr,
  str,
  type Row,
  type Sql,
} from './db.ts';
import { conditions, keysetPage, type Conditions } from './paging.ts';
import type { SyncRepo } from './sync.ts';
import { indexRecordText, searchRecords } from './text-search.ts';

export const SUMMARY_COLS = `seq, topic, partition, offset, ts, stored_at, key_text, key_encoding, value_kind, value_size,
  value_truncated, ce_id, ce_type, ce_source, ce_time, ce_time_ms, causation_id, correlation_id, trace_id, span_id,
  saga_id, saga_type, saga_step, is_dlq, is_retry, anomalies, chain_id, replay_id`;

const ANOMALIES = anomalyKindSchema.options;

export function rowToRecord(r: Row): RecordRow {
  const enc = str(r, 'key_encoding');
  return {
    seq: reqNum(r, 'seq'),
    topic: reqStr(r, 'topic'),
    partition: reqNum(r, 'partition'),
    offset: reqNum(r, 'offset'),
    timestamp: reqNum(r, 'ts'),
    storedAt: reqNum(r, 'stored_at'),
    keyText: str(r, 'key_text'),
    keyEncoding: enc === 'utf8' || enc === 'hex' ? enc : null,
    valueKind: oneOf(str(r, 'value_kind'), ['json', 'text', 'binary', 'tombstone', 'empty'], 'binary'),
    valueSize: reqNum(r, 'value_size'),
    valueTruncated: bool(r, 'value_truncated'),
    ceId: str(r, 'ce_id'),
    ceType: str(r, 'ce_type'),
    ceSource: str(r, 'ce_source'),
    ceTime: str(r, 'ce_time'),
    ceTimeMs: num(r, 'ce_time_ms'),
    causationId: str(r, 'causation_id'),
    correlationId: str(r, 'correlation_id'),
    traceId: str(r, 'trace_id'),
    spanId: str(r, 'span_id'),
    sagaId: str(r, 'saga_id'),
    sagaType: str(r, 'saga_type'),
    sagaStep: str(r, 'saga_step'),
    isDlq: bool(r, 'is_dlq'),
    isRetry: bool(r, 'is_retry'),
    anomalies: reqStr(r, 'anomalies')
      .split(',')
      .flatMap((a) => ANOMALIES.filter((k) => k === a)),
    chainId: str(r, 'chain_id'),
    replayId: str(r, 'replay_id'),
  };
}

export function rowToStored(r: Row): StoredRecord {
  return {
    ...rowToRecord(r),
    key: buf(r, 'key'),
    value: buf(r, 'value'),
    headers: json<StoredHeader[]>(r, 'headers', []),
    problems: json<RecordProblem[]>(r, 'problems', []),
    dlq: json<DlqInfo | null>(r, 'dlq', null),
  };
}

const b = (v: boolean) => (v ? 1 : 0);

const INSERT_RECORD = insertStatement(
  'records',
  [
    'topic',
    'partition',
    'offset',
    'ts',
    'stored_at',
    'key_text',
    'key_encoding',
    'value_kind',
    'value_size',
    'value_truncated',
    'ce_id',
    'ce_type',
    'ce_source',
    'ce_time',
    'ce_time_ms',
    'causation_id',
    'correlation_id',
    'trace_id',
    'span_id',
    'saga_id',
    'saga_type',
    'saga_step',
    'is_dlq',
    'is_retry',
    'dlq',
    'problems',
    'anomalies',
    'chain_id',
    'replay_id',
  ],
  'ON CONFLICT (topic, partition, offset) DO NOTHING',
);

/**
 * `inlineSearch`: index each record's text as it is inserted (an in-memory store); a store file
 * leaves that to its search worker (search-index.ts).
 */
export function createRecordRepo(sql: Sql, opts: { inlineSearch: boolean }): SyncRepo<RecordRepo> {
  const get = (topic: string, partition: number, offset: number) => {
    const r = sql.get(
      'SELECT r.*, b.key, b.value, b.headers FROM records r JOIN record_bodies b ON b.seq = r.seq WHERE r.topic = ? AND r.partition = ? AND r.offset = ?',
      [topic, partition, offset],
    );
    return r ? rowToStored(r) : undefined;
  };
  const insert = (r: NewRecord): StoredRecord | undefined => {
    const res = sql.run(
      INSERT_RECORD.text,
      INSERT_RECORD.values({
        topic: r.topic,
        partition: r.partition,
        offset: r.offset,
        ts: r.timestamp,
        stored_at: r.storedAt,
        key_text: r.keyText,
        key_encoding: r.keyEncoding,
        value_kind: r.valueKind,
        value_size: r.valueSize,
        value_truncated: b(r.valueTruncated),
        ce_id: r.ceId,
        ce_type: r.ceType,
        ce_source: r.ceSource,
        ce_time: r.ceTime,
        ce_time_ms: r.ceTimeMs,
        causation_id: r.causationId,
        correlation_id: r.correlationId,
        trace_id: r.traceId,
        span_id: r.spanId,
        saga_id: r.sagaId,
        saga_type: r.sagaType,
        saga_step: r.sagaStep,
        is_dlq: b(r.isDlq),
        is_retry: b(r.isRetry),
        dlq: r.dlq ? JSON.stringify(r.dlq) : null,
        problems: JSON.stringify(r.problems),
        anomalies: r.anomalies.join(','),
        chain_id: r.chainId,
        replay_id: r.replayId,
      }),
    );
    if (res.changes === 0) return undefined;
    // search_text: the value's schema-decoded text, which the search worker indexes instead of its bytes.
    sql.run('INSERT INTO record_bodies (seq, key, value, headers, search_text) VALUES (?, ?, ?, ?, ?)', [
      res.lastInsertRowid,
      r.key,
      r.value,
      JSON.stringify(r.headers),
      r.decodedText ?? null,
    ]);
    if (opts.inlineSearch) indexRecordText(sql, res.lastInsertRowid, r);
    return { ...r, seq: res.lastInsertRowid };
  };
  return {
    insert,
    // One transaction already holds every insert; one statement each costs no round trip here.
    insertMany: (rows) => rows.map(insert),
    get,
    list(filter, page) {
      const filters = () => {
        const where = conditions();
        if (filter.topic !== undefined) where.add('topic = ?', filter.topic);
        if (filter.key !== undefined) where.add('key_text = ?', filter.key);
        if (filter.type !== undefined) where.add('ce_type = ?', filter.type);
        // chain_id first: records_chain serves it (a correlated record's chain is its correlation id).
        if (filter.correlationId !== undefined)
          where.add('chain_id = ? AND correlation_id = ?', filter.correlationId, filter.correlationId);
        if (filter.dlqOnly) where.add('is_dlq = 1');
        if (filter.from !== undefined) where.add('ts >= ?', filter.from);
        if (filter.to !== undefined) where.add('ts <= ?', filter.to);
        if (filter.partition !== undefined) where.add('partition = ?', filter.partition);
        if (filter.offset !== undefined) where.add('offset >= ?', filter.offset);
        return where;
      };
      // Seeking a partition by offset reads the (topic, partition, offset) key forward; (offset,
      // partition) is unique there (the partition is fixed), so the key's own order serves it.
      const byOffset = filter.offset !== undefined;
      const run = (from: string, where: Conditions) =>
        keysetPage(sql, {
          select: `SELECT ${SUMMARY_COLS} FROM ${from}`,
          where,
          order: byOffset ? ['offset', 'partition'] : ['ts', 'seq'],
          ascending: byOffset || filter.order === 'asc',
          page,
          row: rowToRecord,
          cursorOf: (r) => (byOffset ? [r.offset, r.partition] : [r.timestamp, r.seq]),
        });
      if (filter.q === undefined) return run('records', filters());
      return searchRecords(sql, filter.q, (from, cond, ...params) =>
        run(from, filters().add(cond, ...params)),
      );
    },
    byChain: (chainId, limit) =>
      sql
        .all(`SELECT ${SUMMARY_COLS} FROM records WHERE chain_id = ? ORDER BY ts, seq LIMIT ${lim(limit)}`, [
          chainId,
        ])
        .map(rowToRecord),
    byCeId: (ceId, limit) =>
      sql
        .all(`SELECT ${SUMMARY_COLS} FROM records WHERE ce_id = ? ORDER BY seq LIMIT ${lim(limit)}`, [ceId])
        .map(rowToRecord),
    byTraceId: (id, limit) =>
      sql
        .all(`SELECT ${SUMMARY_COLS} FROM records WHERE trace_id = ? ORDER BY seq LIMIT ${lim(limit)}`, [id])
        .map(rowToRecord),
    previousWithKey(topic, partition, keyText, beforeOffset) {
      const r = sql.get(
        `SELECT ${SUMMARY_COLS} FROM records INDEXED BY records_key_ts
         WHERE key_text = ? AND topic = ? AND partition = ? AND offset < ? ORDER BY offset DESC LIMIT 1`,
        [keyText, topic, partition, beforeOffset],
      );
      return r ? rowToRecord(r) : undefined;
    },
    earliestRetryAt(ceId) {
      const r = sql.get('SELECT min(ts) AS t FROM records WHERE ce_id = ? AND is_retry = 1', [ceId]);
      return (r && num(r, 't')) ?? undefined;
    },
    setChain: (from, to) => sql.run('UPDATE records SET chain_id = ? WHERE chain_id = ?', [to, from]).changes,
    addAnomalies(rows: readonly AnomalyRow[]) {
      for (const a of rows)
        sql.run('INSERT INTO anomalies (record_seq, record_id, kind, detail) VALUES (?, ?, ?, ?)', [
          a.recordSeq,
          a.recordId,
          a.kind,
          a.detail,
        ]);
    },
    anomaliesOfChain(chainId, limit) {
      return sql
        .all(
          `SELECT a.record_seq, a.record_id, a.kind, a.detail FROM records r JOIN anomalies a ON a.record_seq = r.seq
           WHERE r.chain_id = ? ORDER BY a.record_seq LIMIT ${lim(limit)}`,
          [chainId],
        )
        .map((r) => ({
          recordSeq: reqNum(r, 'record_seq'),
          recordId: reqStr(r, 'record_id'),
          kind: oneOf(str(r, 'kind'), ANOMALIES, 'duplicate'),
          detail: reqStr(r, 'detail'),
        }));
    },
    stats() {
      // max - min + 1 instead of count(*): retention deletes oldest-first, so the rowid range is
      // dense, and this stays O(1) on millions of rows.
      const r = sql.get(MIN_MAX_SEQ);
      const last = sql.get('SELECT stored_at FROM records ORDER BY seq DESC LIMIT 1');
      const lo = r ? num(r, 'lo') : null;
      const hi = r ? num(r, 'hi') : null;
      return {
        approxCount: lo !== null && hi !== null ? hi - lo + 1 : 0,
        lastStoredAt: last ? num(last, 'stored_at') : null,
      };
    },
  };
}
