import { replayOutcomeSchema } from '../../../lib/api/dlq.ts';
import type { BulkJobRow, ReplayRepo, ReplayRow } from '../types.ts';
import { insertStatement, json, num, oneOf, reqNum, reqStr, str, type Row, type Sql } from './db.ts';
import type { SyncRepo } from './sync.ts';

const STATES = ['pending', 'produced', 'failed', 'refused'] as const;
const JOB_STATES = ['running', 'done', 'cancelled', 'interrupted'] as const;

const INSERT_REPLAY = insertStatement(
  'replays',
  [
    'id',
    'entry_id',
    'replay_key',
    'dlq_topic',
    'requested_by',
    'requested_at',
    'state',
    'target_topic',
    'target_partition',
    'target_offset',
    'error',
    'outcome',
    'outcome_at',
    'ce_id',
    'job_id',
  ],
  'ON CONFLICT (entry_id, replay_key) DO NOTHING',
);

export function rowToReplay(r: Row): ReplayRow {
  return {
    id: reqStr(r, 'id'),
    entryId: reqStr(r, 'entry_id'),
    replayKey: reqStr(r, 'replay_key'),
    dlqTopic: reqStr(r, 'dlq_topic'),
    requestedBy: reqStr(r, 'requested_by'),
    requestedAt: reqNum(r, 'requested_at'),
    state: oneOf(str(r, 'state'), STATES, 'failed'),
    targetTopic: str(r, 'target_topic'),
    targetPartition: num(r, 'target_partition'),
    targetOffset: num(r, 'target_offset'),
    error: str(r, 'error'),
    outcome: oneOf(str(r, 'outcome'), replayOutcomeSchema.options, 'pending'),
    outcomeAt: num(r, 'outcome_at'),
    ceId: str(r, 'ce_id'),
    jobId: str(r, 'job_id'),
  };
}

export const rowToJob = (r: Row): BulkJobRow => ({
  id: reqStr(r, 'id'),
  replayKey: reqStr(r, 'replay_key'),
  dlqTopics: json<string[]>(r, 'dlq_topics', []),
  entryIds: json<string[]>(r, 'entry_ids', []),
  ratePerSec: reqNum(r, 'rate_per_sec'),
  requestedBy: reqStr(r, 'requested_by'),
  createdAt: reqNum(r, 'created_at'),
  state: oneOf(str(r, 'state'), JOB_STATES, 'interrupted'),
  done: reqNum(r, 'done'),
});

const COLUMN: Record<string, string> = {
  state: 'state',
  targetTopic: 'target_topic',
  targetPartition: 'target_partition',
  targetOffset: 'target_offset',
  error: 'error',
  outcome: 'outcome',
  outcomeAt: 'outcome_at',
};

export function createReplayRepo(sql: Sql): SyncRepo<ReplayRepo> {
  return {
    get(id) {
      const r = sql.get('SELECT * FROM replays WHERE id = ?', [id]);
      return r ? rowToReplay(r) : undefined;
    },
    byKey(entryId, key) {
      const r = sql.get('SELECT * FROM replays WHERE entry_id = ? AND replay_key = ?', [entryId, key]);
      return r ? rowToReplay(r) : undefined;
    },
    insert(x) {
      const res = sql.run(
        INSERT_REPLAY.text,
        INSERT_REPLAY.values({
          id: x.id,
          entry_id: x.entryId,
          replay_key: x.replayKey,
          dlq_topic: x.dlqTopic,
          requested_by: x.requestedBy,
          requested_at: x.requestedAt,
          state: x.state,
          target_topic: x.targetTopic,
          target_partition: x.targetPartition,
          target_offset: x.targetOffset,
          error: x.error,
          outcome: x.outcome,
          outcome_at: x.outcomeAt,
          ce_id: x.ceId,
          job_id: x.jobId,
        }),
      );
      return res.changes === 1;
    },
    update(id, patch) {
      for (const [k, v] of Object.entries(patch)) {
        const col = COLUMN[k];
        if (col && v !== undefined) sql.run(`UPDATE replays SET ${col} = ? WHERE id = ?`, [v, id]);
      }
    },
    byEntry: (entryId) =>
      sql
        .all('SELECT * FROM replays WHERE entry_id = ? ORDER BY requested_at, id', [entryId])
        .map(rowToReplay),
    anyAwaiting: () =>
      sql.get(
        `SELECT 1 AS x FROM replays WHERE outcome IN ('pending', 'processed') AND state = 'produced' LIMIT 1`,
      ) !== undefined,
    awaitingOutcome: (ceId) =>
      sql
        .all(
          `SELECT * FROM replays WHERE ce_id = ? AND state = 'produced' AND outcome IN ('pending', 'processed')`,
          [ceId],
        )
        .map(rowToReplay),
    byChainAwaiting: (chainId) =>
      sql
        .all(
          `SELECT r.* FROM replays r JOIN dlq_entries d ON d.id = r.entry_id
           WHERE d.chain_id = ? AND r.state = 'produced' AND r.outcome IN ('pending', 'processed')`,
          [chainId],
        )
        .map(rowToReplay),
    insertJob(j) {
      const res = sql.run(
        `INSERT INTO bulk_jobs (id, replay_key, dlq_topics, entry_ids, rate_per_sec, requested_by, created_at, state, done)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (replay_key) DO NOTHING`,
        [
          j.id,
          j.replayKey,
          JSON.stringify(j.dlqTopics),
          JSON.stringify(j.entryIds),
          j.ratePerSec,
          j.requestedBy,
          j.createdAt,
          j.state,
          j.done,
        ],
      );
      return res.changes === 1;
    },
    jobByKey(key) {
      const r = sql.get('SELECT * FROM bulk_jobs WHERE replay_key = ?', [key]);
      return r ? rowToJob(r) : undefined;
    },
    updateJob(id, patch) {
      if (patch.state !== undefined)
        sql.run('UPDATE bulk_jobs SET state = ? WHERE id = ?', [patch.state, id]);
      if (patch.done !== undefined) sql.run('UPDATE bulk_jobs SET done = ? WHERE id = ?', [patch.done, id]);
    },
    runningJobs: () => sql.all(`SELECT * FROM bulk_jobs WHERE state = 'running'`).map(rowToJob),
  };
}
