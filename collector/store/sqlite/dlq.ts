import type {
  AlertActionRepo,
  AlertActionRow,
  DlqEntryRow,
  DlqFilter,
  DlqRepo,
  DlqResolutionRow,
  DlqStatus,
} from '../types.ts';
import { insertStatement, lim, num, oneOf, reqNum, reqStr, str, type Row, type Sql } from './db.ts';
import { conditions, keysetPage } from './paging.ts';
import type { SyncRepo } from './sync.ts';

const STATUSES: readonly DlqStatus[] = ['unresolved', 'replayed', 'resolved', 'quarantined'];

const INSERT_ENTRY = insertStatement(
  'dlq_entries',
  [
    'id',
    'record_seq',
    'record_id',
    'dlq_topic',
    'convention',
    'origin_topic',
    'origin_partition',
    'origin_offset',
    'origin_group',
    'error_class',
    'error_cause_class',
    'error_message',
    'error_stack',
    'attempts',
    'first_failed_at',
    'last_failed_at',
    'key_text',
    'ce_id',
    'ce_type',
    'correlation_id',
    'saga_id',
    'chain_id',
    'status',
    'replay_count',
  ],
  'ON CONFLICT (id) DO NOTHING',
);

export function rowToEntry(r: Row): DlqEntryRow {
  return {
    id: reqStr(r, 'id'),
    recordSeq: reqNum(r, 'record_seq'),
    recordId: reqStr(r, 'record_id'),
    dlqTopic: reqStr(r, 'dlq_topic'),
    convention: reqStr(r, 'convention'),
    originTopic: str(r, 'origin_topic'),
    originPartition: num(r, 'origin_partition'),
    originOffset: num(r, 'origin_offset'),
    originGroup: str(r, 'origin_group'),
    errorClass: str(r, 'error_class'),
    errorCauseClass: str(r, 'error_cause_class'),
    errorMessage: str(r, 'error_message'),
    errorStack: str(r, 'error_stack'),
    attempts: num(r, 'attempts'),
    firstFailedAt: reqNum(r, 'first_failed_at'),
    lastFailedAt: reqNum(r, 'last_failed_at'),
    key: str(r, 'key_text'),
    ceId: str(r, 'ce_id'),
    ceType: str(r, 'ce_type'),
    correlationId: str(r, 'correlation_id'),
    sagaId: str(r, 'saga_id'),
    chainId: str(r, 'chain_id'),
    status: oneOf(str(r, 'status'), STATUSES, 'unresolved'),
    replayCount: reqNum(r, 'replay_count'),
  };
}

function whereOf(filter: DlqFilter) {
  const where = conditions();
  if (filter.dlqTopic !== undefined) where.add('dlq_topic = ?', filter.dlqTopic);
  if (filter.originTopic !== undefined) where.add('origin_topic = ?', filter.originTopic);
  if (filter.errorClass !== undefined) where.add('error_class = ?', filter.errorClass);
  if (filter.key !== undefined) where.add('key_text = ?', filter.key);
  if (filter.status !== undefined) where.add('status = ?', filter.status);
  if (filter.from !== undefined) where.add('last_failed_at >= ?', filter.from);
  if (filter.to !== undefined) where.add('last_failed_at <= ?', filter.to);
  return where;
}

export function createDlqRepo(sql: Sql): SyncRepo<DlqRepo> {
  return {
    insert(e) {
      sql.run(
        INSERT_ENTRY.text,
        INSERT_ENTRY.values({
          id: e.id,
          record_seq: e.recordSeq,
          record_id: e.recordId,
          dlq_topic: e.dlqTopic,
          convention: e.convention,
          origin_topic: e.originTopic,
          origin_partition: e.originPartition,
          origin_offset: e.originOffset,
          origin_group: e.originGroup,
          error_class: e.errorClass,
          error_cause_class: e.errorCauseClass,
          error_message: e.errorMessage,
          error_stack: e.errorStack,
          attempts: e.attempts,
          first_failed_at: e.firstFailedAt,
          last_failed_at: e.lastFailedAt,
          key_text: e.key,
          ce_id: e.ceId,
          ce_type: e.ceType,
          correlation_id: e.correlationId,
          saga_id: e.sagaId,
          chain_id: e.chainId,
          status: e.status,
          replay_count: e.replayCount,
        }),
      );
    },
    get(id) {
      const r = sql.get('SELECT * FROM dlq_entries WHERE id = ?', [id]);
      return r ? rowToEntry(r) : undefined;
    },
    list: (filter, page) =>
      keysetPage(sql, {
        select: 'SELECT * FROM dlq_entries',
        where: whereOf(filter),
        order: ['last_failed_at', 'record_seq'],
        page,
        row: rowToEntry,
        cursorOf: (e) => [e.lastFailedAt, e.recordSeq],
      }),
    ids(filter, limit) {
      const where = whereOf(filter);
      return sql
        .all(
          `SELECT id FROM dlq_entries ${where.clause()} ORDER BY record_seq LIMIT ${lim(limit)}`,
          where.params,
        )
        .map((r) => reqStr(r, 'id'));
    },
    groups() {
      const unresolved = `sum(status IN ('unresolved', 'quarantined'))`;
      return {
        byOrigin: sql
          .all(
            `SELECT dlq_topic, origin_topic, count(*) AS total, ${unresolved} AS open FROM dlq_entries GROUP BY dlq_topic, origin_topic ORDER BY open DESC, total DESC`,
          )
          .map((r) => ({
            dlqTopic: reqStr(r, 'dlq_topic'),
            originTopic: str(r, 'origin_topic'),
            total: reqNum(r, 'total'),
            unresolved: reqNum(r, 'open'),
          })),
        byError: sql
          .all(
            `SELECT error_class, count(*) AS total, ${unresolved} AS open FROM dlq_entries GROUP BY error_class ORDER BY open DESC, total DESC`,
          )
          .map((r) => ({
            errorClass: str(r, 'error_class'),
            total: reqNum(r, 'total'),
            unresolved: reqNum(r, 'open'),
          })),
      };
    },
    resolve(r) {
      sql.run(
        'INSERT INTO dlq_resolutions (id, entry_id, action, reason, resolved_by, resolved_at) VALUES (?, ?, ?, ?, ?, ?)',
        [r.id, r.entryId, r.action, r.reason, r.resolvedBy, r.resolvedAt],
      );
      sql.run("UPDATE dlq_entries SET status = 'resolved' WHERE id = ?", [r.entryId]);
    },
    resolutions(entryId) {
      return sql
        .all('SELECT * FROM dlq_resolutions WHERE entry_id = ? ORDER BY resolved_at, id', [entryId])
        .map(rowToResolution);
    },
    update(id, patch) {
      if (patch.status !== undefined)
        sql.run('UPDATE dlq_entries SET status = ? WHERE id = ?', [patch.status, id]);
    },
    reserveReplay(id, max) {
      const r = sql.get(
        'UPDATE dlq_entries SET replay_count = replay_count + 1 WHERE id = ? AND replay_count < ? RETURNING replay_count',
        [id, max],
      );
      return r ? reqNum(r, 'replay_count') : undefined;
    },
    releaseReplay(id) {
      sql.run('UPDATE dlq_entries SET replay_count = replay_count - 1 WHERE id = ? AND replay_count > 0', [
        id,
      ]);
    },
    setChain(from, to) {
      sql.run('UPDATE dlq_entries SET chain_id = ? WHERE chain_id = ?', [to, from]);
    },
    bySagaOrCorrelation(sagaId, correlationId) {
      return sql
        .all(
          'SELECT id FROM dlq_entries WHERE saga_id = ? OR (? IS NOT NULL AND correlation_id = ?) ORDER BY record_seq LIMIT 200',
          [sagaId, correlationId, correlationId],
        )
        .map((r) => reqStr(r, 'id'));
    },
    depth() {
      return sql
        .all(
          `SELECT dlq_topic, sum(status IN ('unresolved', 'quarantined')) AS depth,
            min(CASE WHEN status IN ('unresolved', 'quarantined') THEN last_failed_at END) AS oldest
           FROM dlq_entries GROUP BY dlq_topic`,
        )
        .map((r) => ({
          dlqTopic: reqStr(r, 'dlq_topic'),
          depth: reqNum(r, 'depth'),
          oldest: num(r, 'oldest'),
        }));
    },
  };
}

export const rowToResolution = (r: Row): DlqResolutionRow => ({
  id: reqStr(r, 'id'),
  entryId: reqStr(r, 'entry_id'),
  action: oneOf(str(r, 'action'), ['resolved', 'discarded'] as const, 'resolved'),
  reason: reqStr(r, 'reason'),
  resolvedBy: reqStr(r, 'resolved_by'),
  resolvedAt: reqNum(r, 'resolved_at'),
});

export const rowToAlertAction = (r: Row): AlertActionRow => ({
  id: reqStr(r, 'id'),
  kind: oneOf(str(r, 'kind'), ['silence', 'ack'] as const, 'ack'),
  matchers: JSON.parse(reqStr(r, 'matchers')) as AlertActionRow['matchers'],
  startsAt: reqNum(r, 'starts_at'),
  endsAt: num(r, 'ends_at'),
  comment: reqStr(r, 'comment'),
  createdBy: reqStr(r, 'created_by'),
  via: oneOf(str(r, 'via'), ['alertmanager', 'native'] as const, 'native'),
  externalId: str(r, 'external_id'),
});

/** Alert silences and acknowledgements (migration v8). */
export function createAlertActionRepo(sql: Sql): SyncRepo<AlertActionRepo> {
  return {
    insert(a) {
      sql.run(
        'INSERT INTO alert_actions (id, kind, matchers, starts_at, ends_at, comment, created_by, via, external_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [
          a.id,
          a.kind,
          JSON.stringify(a.matchers),
          a.startsAt,
          a.endsAt,
          a.comment,
          a.createdBy,
          a.via,
          a.externalId,
        ],
      );
    },
    current(now, ackSince) {
      return sql
        .all(
          "SELECT * FROM alert_actions WHERE (kind = 'silence' AND ends_at > ?) OR (kind = 'ack' AND starts_at >= ?) ORDER BY starts_at DESC LIMIT 500",
          [now, ackSince],
        )
        .map(rowToAlertAction);
    },
  };
}
