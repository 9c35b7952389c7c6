import type { SpanRepo, SpanRow } from '../types.ts';
import { insertStatement, json, lim, num, oneOf, reqNum, reqStr, str, type Row, type Sql } from './db.ts';
import type { SyncRepo } from './sync.ts';

const KINDS = ['internal', 'server', 'client', 'producer', 'consumer', 'unspecified'] as const;
const STATUSES = ['unset', 'ok', 'error'] as const;

export function rowToSpan(r: Row): SpanRow {
  return {
    traceId: reqStr(r, 'trace_id'),
    spanId: reqStr(r, 'span_id'),
    parentSpanId: str(r, 'parent_span_id'),
    name: reqStr(r, 'name'),
    kind: oneOf(str(r, 'kind'), KINDS, 'unspecified'),
    service: reqStr(r, 'service'),
    startMs: reqNum(r, 'start_ms'),
    endMs: reqNum(r, 'end_ms'),
    status: oneOf(str(r, 'status'), STATUSES, 'unset'),
    attributes: json<Record<string, string | number | boolean>>(r, 'attributes', {}),
    links: json<{ traceId: string; spanId: string }[]>(r, 'links', []),
    events: json<SpanRow['events']>(r, 'events', []),
    resource: json<SpanRow['resource']>(r, 'resource', {}),
    recordId: str(r, 'record_id'),
    chainId: str(r, 'chain_id'),
    storedAt: reqNum(r, 'stored_at'),
    msgTopic: str(r, 'msg_topic'),
    msgPartition: num(r, 'msg_partition'),
    msgOffset: num(r, 'msg_offset'),
    msgId: str(r, 'msg_id'),
    msgGroup: str(r, 'msg_group'),
  };
}

const INSERT_SPAN = insertStatement(
  'spans',
  [
    'trace_id',
    'span_id',
    'parent_span_id',
    'name',
    'kind',
    'service',
    'start_ms',
    'end_ms',
    'status',
    'attributes',
    'links',
    'events',
    'resource',
    'msg_topic',
    'msg_partition',
    'msg_offset',
    'msg_id',
    'msg_group',
    'record_id',
    'chain_id',
    'stored_at',
  ],
  'ON CONFLICT (trace_id, span_id) DO NOTHING',
);

const inList = (n: number) => Array.from({ length: n }, () => '?').join(',');

export function createSpanRepo(sql: Sql): SyncRepo<SpanRepo> {
  return {
    insert(s) {
      const res = sql.run(
        INSERT_SPAN.text,
        INSERT_SPAN.values({
          trace_id: s.traceId,
          span_id: s.spanId,
          parent_span_id: s.parentSpanId,
          name: s.name,
          kind: s.kind,
          service: s.service,
          start_ms: s.startMs,
          end_ms: s.endMs,
          status: s.status,
          attributes: JSON.stringify(s.attributes),
          links: JSON.stringify(s.links),
          events: JSON.stringify(s.events),
          resource: JSON.stringify(s.resource),
          msg_topic: s.msgTopic,
          msg_partition: s.msgPartition,
          msg_offset: s.msgOffset,
          msg_id: s.msgId,
          msg_group: s.msgGroup,
          record_id: s.recordId,
          chain_id: s.chainId,
          stored_at: s.storedAt,
        }),
      );
      if (res.changes === 0) return false;
      return true;
    },
    byTraceIds(traceIds, limit) {
      if (!traceIds.length) return [];
      const ids = traceIds.slice(0, 500);
      return sql
        .all(
          `SELECT * FROM spans WHERE trace_id IN (${inList(ids.length)}) ORDER BY start_ms LIMIT ${lim(limit)}`,
          ids,
        )
        .map(rowToSpan);
    },
    byChain: (chainId, limit) =>
      sql
        .all(`SELECT * FROM spans WHERE chain_id = ? ORDER BY start_ms LIMIT ${lim(limit)}`, [chainId])
        .map(rowToSpan),
    byRecordIds(recordIds, limit) {
      const out: SpanRow[] = [];
      for (let i = 0; i < recordIds.length && out.length < limit; i += 500) {
        const ids = recordIds.slice(i, i + 500);
        out.push(
          ...sql
            .all(
              `SELECT * FROM spans WHERE record_id IN (${inList(ids.length)}) LIMIT ${lim(limit - out.length)}`,
              ids,
            )
            .map(rowToSpan),
        );
      }
      return out;
    },
    unjoinedFor(r) {
      const rows = sql.all(
        'SELECT * FROM spans WHERE record_id IS NULL AND msg_topic = ? AND msg_partition = ? AND msg_offset = ?',
        [r.topic, r.partition, r.offset],
      );
      if (r.ceId)
        rows.push(...sql.all('SELECT * FROM spans WHERE record_id IS NULL AND msg_id = ?', [r.ceId]));
      if (r.traceId && r.spanId)
        rows.push(
          ...sql.all('SELECT * FROM spans WHERE record_id IS NULL AND trace_id = ? AND span_id = ?', [
            r.traceId,
            r.spanId,
          ]),
        );
      const seen = new Set<string>();
      return rows.map(rowToSpan).filter((s) => {
        const k = `${s.traceId}/${s.spanId}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    },
    setRecord(traceId, spanId, recordId, chainId) {
      sql.run(
        'UPDATE spans SET record_id = ?, chain_id = coalesce(?, chain_id) WHERE trace_id = ? AND span_id = ?',
        [recordId, chainId, traceId, spanId],
      );
    },
    setChain(from, to) {
      sql.run('UPDATE spans SET chain_id = ? WHERE chain_id = ?', [to, from]);
    },
    setChainOfTrace(traceId, chainId) {
      sql.run('UPDATE spans SET chain_id = ? WHERE trace_id = ? AND chain_id IS NULL', [chainId, traceId]);
    },
  };
}
