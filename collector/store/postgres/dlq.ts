import type { AlertActionRepo, DlqFilter, DlqRepo, ReplayRepo } from '../types.ts';
import { lim, num, reqNum, reqStr, str } from '../sqlite/db.ts';
import { conditions } from '../sqlite/paging.ts';
import { rowToAlertAction, rowToEntry, rowToResolution } from '../sqlite/dlq.ts';
import { rowToJob, rowToReplay } from '../sqlite/replays.ts';
import { txt, type Db, type Param } from './db.ts';
import { keysetPage } from './paging.ts';

// Dead-letter entries, their resolutions, replays, bulk jobs and alert actions in the PostgreSQL store: the SQLite adapter's
// queries (sqlite/dlq.ts, sqlite/replays.ts) in PostgreSQL's dialect.

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

const OPEN = `status IN ('unresolved', 'quarantined')`;

export function createDlqRepo(db: Db): DlqRepo {
  return {
    async insert(e) {
      await db.run(
        `INSERT INTO dlq_entries (id, record_seq, record_id, dlq_topic, convention, origin_topic, origin_partition,
           origin_offset, origin_group, error_class, error_cause_class, error_message, error_stack, attempts,
           first_failed_at, last_failed_at, key_text, ce_id, ce_type, correlation_id, saga_id, chain_id, status,
           replay_count)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
        [
          txt(e.id),
          e.recordSeq,
          e.recordId,
          txt(e.dlqTopic),
          e.convention,
          txt(e.originTopic),
          e.originPartition,
          e.originOffset,
          txt(e.originGroup),
          txt(e.errorClass),
          txt(e.errorCauseClass),
          txt(e.errorMessage),
          txt(e.errorStack),
          e.attempts,
          e.firstFailedAt,
          e.lastFailedAt,
          txt(e.key),
          txt(e.ceId),
          txt(e.ceType),
          txt(e.correlationId),
          txt(e.sagaId),
          txt(e.chainId),
          e.status,
          e.replayCount,
        ],
      );
    },
    async get(id) {
      const r = await db.get('SELECT * FROM dlq_entries WHERE id = ?', [id]);
      return r ? rowToEntry(r) : undefined;
    },
    list: (filter, page) =>
      keysetPage(db, {
        select: 'SELECT * FROM dlq_entries',
        where: whereOf(filter),
        order: ['last_failed_at', 'record_seq'],
        page,
        row: rowToEntry,
        cursorOf: (e) => [e.lastFailedAt, e.recordSeq],
      }),
    async ids(filter, limit) {
      const where = whereOf(filter);
      const rows = await db.all(
        `SELECT id FROM dlq_entries ${where.clause()} ORDER BY record_seq LIMIT ${lim(limit)}`,
        where.params as Param[],
      );
      return rows.map((r) => reqStr(r, 'id'));
    },
    async groups() {
      const open = `count(*) FILTER (WHERE ${OPEN})`;
      const byOrigin = await db.all(
        `SELECT dlq_topic, origin_topic, count(*) AS total, ${open} AS open FROM dlq_entries
         GROUP BY dlq_topic, origin_topic ORDER BY open DESC, total DESC`,
      );
      const byError = await db.all(
        `SELECT error_class, count(*) AS total, ${open} AS open FROM dlq_entries
         GROUP BY error_class ORDER BY open DESC, total DESC`,
      );
      return {
        byOrigin: byOrigin.map((r) => ({
          dlqTopic: reqStr(r, 'dlq_topic'),
          originTopic: str(r, 'origin_topic'),
          total: reqNum(r, 'total'),
          unresolved: reqNum(r, 'open'),
        })),
        byError: byError.map((r) => ({
          errorClass: str(r, 'error_class'),
          total: reqNum(r, 'total'),
          unresolved: reqNum(r, 'open'),
        })),
      };
    },
    async resolve(r) {
      await db.run(
        'INSERT INTO dlq_resolutions (id, entry_id, action, reason, resolved_by, resolved_at) VALUES (?, ?, ?, ?, ?, ?)',
        [txt(r.id), txt(r.entryId), r.action, txt(r.reason), txt(r.resolvedBy), r.resolvedAt],
      );
      await db.run("UPDATE dlq_entries SET status = 'resolved' WHERE id = ?", [r.entryId]);
    },
    resolutions: async (entryId) =>
      (
        await db.all('SELECT * FROM dlq_resolutions WHERE entry_id = ? ORDER BY resolved_at, id', [entryId])
      ).map(rowToResolution),
    async update(id, patch) {
      if (patch.status !== undefined)
        await db.run('UPDATE dlq_entries SET status = ? WHERE id = ?', [patch.status, id]);
    },
    async reserveReplay(id, max) {
      // One statement: the row lock it takes makes a concurrent one (any collector) wait and then
      // re-check replay_count < max against the committed count, so no slot is taken twice.
      const r = await db.get(
        'UPDATE dlq_entries SET replay_count = replay_count + 1 WHERE id = ? AND replay_count < ? RETURNING replay_count',
        [id, max],
      );
      return r ? reqNum(r, 'replay_count') : undefined;
    },
    async releaseReplay(id) {
      await db.run(
        'UPDATE dlq_entries SET replay_count = replay_count - 1 WHERE id = ? AND replay_count > 0',
        [id],
      );
    },
    async setChain(from, to) {
      await db.run('UPDATE dlq_entries SET chain_id = ? WHERE chain_id = ?', [to, from]);
    },
    async bySagaOrCorrelation(sagaId, correlationId) {
      const rows = await db.all(
        'SELECT id FROM dlq_entries WHERE saga_id = ? OR (?::text IS NOT NULL AND correlation_id = ?) ORDER BY record_seq LIMIT 200',
        [sagaId, correlationId, correlationId],
      );
      return rows.map((r) => reqStr(r, 'id'));
    },
    async depth() {
      const rows = await db.all(
        `SELECT dlq_topic, count(*) FILTER (WHERE ${OPEN}) AS depth,
           min(last_failed_at) FILTER (WHERE ${OPEN}) AS oldest
         FROM dlq_entries GROUP BY dlq_topic`,
      );
      return rows.map((r) => ({
        dlqTopic: reqStr(r, 'dlq_topic'),
        depth: reqNum(r, 'depth'),
        oldest: num(r, 'oldest'),
      }));
    },
  };
}

const REPLAY_COLUMN: Record<string, string> = {
  state: 'state',
  targetTopic: 'target_topic',
  targetPartition: 'target_partition',
  targetOffset: 'target_offset',
  error: 'error',
  outcome: 'outcome',
  outcomeAt: 'outcome_at',
};
const AWAITING = `state = 'produced' AND outcome IN ('pending', 'processed')`;

/**
 * `inTransaction`: `byKey` first takes a transaction lock on the entry (an advisory lock on a hash
 * of its id). A replay request looks its key up and, when absent, inserts it in one transaction
 * (dlq/replay.ts); with several collectors, two such transactions for one entry would both find
 * nothing and both go on to produce. Under the lock the second waits, then finds the first's row.
 */
export function createReplayRepo(db: Db, inTransaction: boolean): ReplayRepo {
  return {
    async get(id) {
      const r = await db.get('SELECT * FROM replays WHERE id = ?', [id]);
      return r ? rowToReplay(r) : undefined;
    },
    async byKey(entryId, key) {
      if (inTransaction)
        await db.get('SELECT pg_advisory_xact_lock(hashtextextended(?, 2)) AS l', [`replay:${entryId}`]);
      const r = await db.get('SELECT * FROM replays WHERE entry_id = ? AND replay_key = ?', [entryId, key]);
      return r ? rowToReplay(r) : undefined;
    },
    async insert(x) {
      const n = await db.run(
        `INSERT INTO replays (id, entry_id, replay_key, dlq_topic, requested_by, requested_at, state, target_topic,
           target_partition, target_offset, error, outcome, outcome_at, ce_id, job_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (entry_id, replay_key) DO NOTHING`,
        [
          x.id,
          txt(x.entryId),
          txt(x.replayKey),
          txt(x.dlqTopic),
          txt(x.requestedBy),
          x.requestedAt,
          x.state,
          txt(x.targetTopic),
          x.targetPartition,
          x.targetOffset,
          txt(x.error),
          x.outcome,
          x.outcomeAt,
          txt(x.ceId),
          txt(x.jobId),
        ],
      );
      return n === 1;
    },
    async update(id, patch) {
      for (const [k, v] of Object.entries(patch)) {
        const col = REPLAY_COLUMN[k];
        if (col && v !== undefined)
          await db.run(`UPDATE replays SET ${col} = ? WHERE id = ?`, [
            typeof v === 'string' ? txt(v) : v,
            id,
          ]);
      }
    },
    byEntry: async (entryId) =>
      (await db.all('SELECT * FROM replays WHERE entry_id = ? ORDER BY requested_at, id', [entryId])).map(
        rowToReplay,
      ),
    anyAwaiting: async () =>
      (await db.get(`SELECT 1 AS x FROM replays WHERE ${AWAITING} LIMIT 1`)) !== undefined,
    awaitingOutcome: async (ceId) =>
      (await db.all(`SELECT * FROM replays WHERE ce_id = ? AND ${AWAITING}`, [ceId])).map(rowToReplay),
    byChainAwaiting: async (chainId) =>
      (
        await db.all(
          `SELECT r.* FROM replays r JOIN dlq_entries d ON d.id = r.entry_id
           WHERE d.chain_id = ? AND r.state = 'produced' AND r.outcome IN ('pending', 'processed')`,
          [chainId],
        )
      ).map(rowToReplay),
    async insertJob(j) {
      const n = await db.run(
        `INSERT INTO bulk_jobs (id, replay_key, dlq_topics, entry_ids, rate_per_sec, requested_by, created_at, state, done)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (replay_key) DO NOTHING`,
        [
          j.id,
          txt(j.replayKey),
          JSON.stringify(j.dlqTopics),
          JSON.stringify(j.entryIds),
          j.ratePerSec,
          txt(j.requestedBy),
          j.createdAt,
          j.state,
          j.done,
        ],
      );
      return n === 1;
    },
    async jobByKey(key) {
      const r = await db.get('SELECT * FROM bulk_jobs WHERE replay_key = ?', [key]);
      return r ? rowToJob(r) : undefined;
    },
    async updateJob(id, patch) {
      if (patch.state !== undefined)
        await db.run('UPDATE bulk_jobs SET state = ? WHERE id = ?', [patch.state, id]);
      if (patch.done !== undefined)
        await db.run('UPDATE bulk_jobs SET done = ? WHERE id = ?', [patch.done, id]);
    },
    runningJobs: async () => (await db.all(`SELECT * FROM bulk_jobs WHERE state = 'running'`)).map(rowToJob),
  };
}

/** Alert silences and acknowledgements (migration v4), as sqlite/dlq.ts keeps them. */
export function createAlertActionRepo(db: Db): AlertActionRepo {
  return {
    async insert(a) {
      await db.run(
        `INSERT INTO alert_actions (id, kind, matchers, starts_at, ends_at, comment, created_by, via, external_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          txt(a.id),
          a.kind,
          txt(JSON.stringify(a.matchers)),
          a.startsAt,
          a.endsAt,
          txt(a.comment),
          txt(a.createdBy),
          a.via,
          txt(a.externalId),
        ],
      );
    },
    current: async (now, ackSince) =>
      (
        await db.all(
          `SELECT * FROM alert_actions WHERE (kind = 'silence' AND ends_at > ?) OR (kind = 'ack' AND starts_at >= ?)
           ORDER BY starts_at DESC LIMIT 500`,
          [now, ackSince],
        )
      ).map(rowToAlertAction),
  };
}
