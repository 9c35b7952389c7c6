import type { Sql } from './db.ts';

// Schema versions, applied in order inside one transaction each; `PRAGMA user_version` holds the
// current one. Never edit a shipped migration: add the next one. Every API query has an index.

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE records (
    seq INTEGER PRIMARY KEY,
    topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
    ts INTEGER NOT NULL, stored_at INTEGER NOT NULL,
    key_text TEXT, key_encoding TEXT,
    value_kind TEXT NOT NULL, value_size INTEGER NOT NULL, value_truncated INTEGER NOT NULL,
    ce_id TEXT, ce_type TEXT, ce_source TEXT, ce_time TEXT, ce_time_ms INTEGER,
    causation_id TEXT, correlation_id TEXT, trace_id TEXT, span_id TEXT,
    saga_id TEXT, saga_type TEXT, saga_step TEXT,
    is_dlq INTEGER NOT NULL, is_retry INTEGER NOT NULL, dlq TEXT,
    problems TEXT NOT NULL, anomalies TEXT NOT NULL,
    chain_id TEXT, replay_id TEXT,
    UNIQUE (topic, partition, offset)
  );
  -- Key, value and headers live apart: they can be large, and a row that spills onto overflow
  -- pages makes every later column of it slow to read. Lists and derivations never need them.
  CREATE TABLE record_bodies (seq INTEGER PRIMARY KEY, key BLOB, value BLOB, headers TEXT NOT NULL);
  CREATE INDEX records_ts ON records (ts);
  CREATE INDEX records_stored ON records (stored_at);
  CREATE INDEX records_topic_ts ON records (topic, ts);
  CREATE INDEX records_key_ts ON records (key_text, ts);
  CREATE INDEX records_type_ts ON records (ce_type, ts);
  CREATE INDEX records_corr_ts ON records (correlation_id, ts);
  CREATE INDEX records_dlq_ts ON records (ts) WHERE is_dlq = 1;
  CREATE INDEX records_ce_id ON records (ce_id);
  CREATE INDEX records_trace ON records (trace_id);
  CREATE INDEX records_chain ON records (chain_id, ts);
  CREATE INDEX records_tp_key ON records (topic, partition, key_text, offset);

  CREATE TABLE anomalies (
    record_seq INTEGER NOT NULL, record_id TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL
  );
  CREATE INDEX anomalies_record ON anomalies (record_seq);

  CREATE TABLE spans (
    trace_id TEXT NOT NULL, span_id TEXT NOT NULL, parent_span_id TEXT,
    name TEXT NOT NULL, kind TEXT NOT NULL, service TEXT NOT NULL,
    start_ms REAL NOT NULL, end_ms REAL NOT NULL, status TEXT NOT NULL,
    attributes TEXT NOT NULL, links TEXT NOT NULL,
    msg_topic TEXT, msg_partition INTEGER, msg_offset INTEGER, msg_id TEXT, msg_group TEXT,
    record_id TEXT, chain_id TEXT, stored_at INTEGER NOT NULL,
    PRIMARY KEY (trace_id, span_id)
  );
  CREATE INDEX spans_msg ON spans (msg_topic, msg_partition, msg_offset) WHERE record_id IS NULL;
  CREATE INDEX spans_msg_id ON spans (msg_id) WHERE record_id IS NULL;
  CREATE INDEX spans_span ON spans (span_id);
  CREATE INDEX spans_record ON spans (record_id);
  CREATE INDEX spans_chain ON spans (chain_id);
  CREATE INDEX spans_stored ON spans (stored_at);

  CREATE TABLE chains (
    id TEXT PRIMARY KEY, correlation_id TEXT, flow TEXT,
    first_ts INTEGER NOT NULL, last_ts INTEGER NOT NULL, last_seen INTEGER NOT NULL,
    record_count INTEGER NOT NULL, terminal_at INTEGER, final_at INTEGER, complete_at INTEGER,
    last_type TEXT, last_topic TEXT
  );
  CREATE INDEX chains_first ON chains (first_ts);
  CREATE INDEX chains_seen ON chains (last_seen);
  CREATE INDEX chains_flow ON chains (flow, first_ts);
  CREATE INDEX chains_complete ON chains (complete_at);
  CREATE TABLE chain_traces (trace_id TEXT PRIMARY KEY, chain_id TEXT NOT NULL) WITHOUT ROWID;
  CREATE INDEX chain_traces_chain ON chain_traces (chain_id);

  CREATE TABLE sagas (
    id TEXT PRIMARY KEY, type TEXT NOT NULL, source TEXT NOT NULL, state TEXT NOT NULL,
    stuck INTEGER NOT NULL, stuck_at INTEGER, correlation_id TEXT, current_step TEXT,
    started_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, deadline INTEGER,
    steps TEXT NOT NULL, history TEXT NOT NULL, next_expected TEXT, reason TEXT
  );
  CREATE INDEX sagas_started ON sagas (started_at);
  CREATE INDEX sagas_state ON sagas (state, started_at);
  CREATE INDEX sagas_type ON sagas (type, started_at);
  CREATE INDEX sagas_corr ON sagas (correlation_id);
  CREATE INDEX sagas_updated ON sagas (updated_at);
  CREATE INDEX sagas_deadline ON sagas (deadline) WHERE stuck = 0 AND state IN ('RUNNING', 'COMPENSATING');
  CREATE TABLE saga_events (
    saga_id TEXT NOT NULL, record_seq INTEGER NOT NULL, record_id TEXT NOT NULL,
    type TEXT, at INTEGER NOT NULL, step TEXT, data TEXT,
    PRIMARY KEY (saga_id, record_seq)
  ) WITHOUT ROWID;

  CREATE TABLE dlq_entries (
    id TEXT PRIMARY KEY, record_seq INTEGER NOT NULL, record_id TEXT NOT NULL, dlq_topic TEXT NOT NULL,
    convention TEXT NOT NULL, origin_topic TEXT, origin_partition INTEGER, origin_offset INTEGER,
    origin_group TEXT, error_class TEXT, error_cause_class TEXT, error_message TEXT, error_stack TEXT,
    attempts INTEGER, first_failed_at INTEGER NOT NULL, last_failed_at INTEGER NOT NULL,
    key_text TEXT, ce_id TEXT, ce_type TEXT, correlation_id TEXT, saga_id TEXT, chain_id TEXT,
    status TEXT NOT NULL, replay_count INTEGER NOT NULL
  );
  CREATE INDEX dlq_failed ON dlq_entries (last_failed_at);
  CREATE INDEX dlq_topic ON dlq_entries (dlq_topic, last_failed_at);
  CREATE INDEX dlq_origin ON dlq_entries (origin_topic, last_failed_at);
  CREATE INDEX dlq_error ON dlq_entries (error_class);
  CREATE INDEX dlq_status ON dlq_entries (status, dlq_topic);
  CREATE INDEX dlq_chain ON dlq_entries (chain_id, status);
  CREATE INDEX dlq_saga ON dlq_entries (saga_id);
  CREATE INDEX dlq_corr ON dlq_entries (correlation_id);
  CREATE INDEX dlq_key ON dlq_entries (key_text);

  CREATE TABLE replays (
    id TEXT PRIMARY KEY, entry_id TEXT NOT NULL, replay_key TEXT NOT NULL, dlq_topic TEXT NOT NULL,
    requested_by TEXT NOT NULL, requested_at INTEGER NOT NULL, state TEXT NOT NULL,
    target_topic TEXT, target_partition INTEGER, target_offset INTEGER, error TEXT,
    outcome TEXT NOT NULL, outcome_at INTEGER, ce_id TEXT, job_id TEXT,
    UNIQUE (entry_id, replay_key)
  );
  CREATE INDEX replays_waiting ON replays (ce_id) WHERE outcome IN ('pending', 'processed');
  CREATE INDEX replays_entry ON replays (entry_id, requested_at);
  CREATE INDEX replays_requested ON replays (requested_at);
  CREATE TABLE bulk_jobs (
    id TEXT PRIMARY KEY, replay_key TEXT NOT NULL UNIQUE, dlq_topics TEXT NOT NULL, entry_ids TEXT NOT NULL,
    rate_per_sec INTEGER NOT NULL, requested_by TEXT NOT NULL, created_at INTEGER NOT NULL,
    state TEXT NOT NULL, done INTEGER NOT NULL
  );
  `,
  // v2: every index on records costs a random page write per record at ingest. Served otherwise:
  // retention walks seq (stored_at grows with it; one writer), the correlation filter goes through
  // chain_id (a record with a correlation id always belongs to the chain of that id), and the
  // previous event of a key uses the key index.
  `
  DROP INDEX IF EXISTS records_stored;
  DROP INDEX IF EXISTS records_corr_ts;
  DROP INDEX IF EXISTS records_tp_key;
  `,
  // v3, queries at scale. Text search: an FTS5 index of each record's key, header values and value
  // prefix (text-search.ts says what and why), filled here for stored records. Saga counts per
  // (type, view state) kept exact by triggers, whoever writes sagas (upsert, STUCK sweep,
  // retention), instead of a GROUP BY over every saga per list request. The saga list filters on
  // the view state (STUCK, or the recorded state when not stuck), so that is what is indexed.
  `
  CREATE VIRTUAL TABLE records_fts USING fts5(
    text, content='', contentless_delete=1, detail=none, tokenize='unicode61 remove_diacritics 2'
  );
  INSERT INTO records_fts (rowid, text)
  SELECT r.seq,
    ifnull(CASE WHEN r.key_encoding = 'utf8' THEN substr(r.key_text, 1, 2048) END, '') || char(10) ||
    ifnull((SELECT group_concat(substr(json_extract(h.value, '$.value'), 1, 2048), char(10))
            FROM json_each(b.headers) h WHERE json_extract(h.value, '$.encoding') = 'utf8'), '') || char(10) ||
    ifnull(CASE WHEN r.value_kind IN ('json', 'text') THEN CAST(substr(b.value, 1, 2048) AS TEXT) END, '')
  FROM records r JOIN record_bodies b ON b.seq = r.seq;

  CREATE TABLE saga_counts (
    type TEXT NOT NULL, view_state TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (type, view_state)
  ) WITHOUT ROWID;
  INSERT INTO saga_counts (type, view_state, n)
  SELECT type, CASE WHEN stuck = 1 THEN 'STUCK' ELSE state END, count(*) FROM sagas GROUP BY 1, 2;
  CREATE TRIGGER sagas_count_insert AFTER INSERT ON sagas BEGIN
    INSERT INTO saga_counts (type, view_state, n)
    VALUES (new.type, CASE WHEN new.stuck = 1 THEN 'STUCK' ELSE new.state END, 1)
    ON CONFLICT (type, view_state) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER sagas_count_delete AFTER DELETE ON sagas BEGIN
    UPDATE saga_counts SET n = n - 1
    WHERE type = old.type AND view_state = CASE WHEN old.stuck = 1 THEN 'STUCK' ELSE old.state END;
  END;
  CREATE TRIGGER sagas_count_update AFTER UPDATE OF type, state, stuck ON sagas
  WHEN old.type IS NOT new.type
    OR (CASE WHEN old.stuck = 1 THEN 'STUCK' ELSE old.state END)
       IS NOT (CASE WHEN new.stuck = 1 THEN 'STUCK' ELSE new.state END)
  BEGIN
    UPDATE saga_counts SET n = n - 1
    WHERE type = old.type AND view_state = CASE WHEN old.stuck = 1 THEN 'STUCK' ELSE old.state END;
    INSERT INTO saga_counts (type, view_state, n)
    VALUES (new.type, CASE WHEN new.stuck = 1 THEN 'STUCK' ELSE new.state END, 1)
    ON CONFLICT (type, view_state) DO UPDATE SET n = n + 1;
  END;

  DROP INDEX IF EXISTS sagas_state;
  CREATE INDEX sagas_view ON sagas ((CASE WHEN stuck = 1 THEN 'STUCK' ELSE state END), started_at, id);
  `,
  // v4, staged ingest: fetched records land here first, in arrival order, as the bytes the broker
  // sent (one packed record per row: engine/protocol.ts). Landing is one append per record and
  // makes the record durable, so the consumer's offsets can be committed at once; the engine then
  // decodes, derives and indexes landed rows in order and deletes them in the same transaction.
  // The unique key drops a redelivery of a record still waiting here; one already indexed is
  // dropped by the records table's own key.
  `
  CREATE TABLE landing (
    seq INTEGER PRIMARY KEY, topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
    landed_at INTEGER NOT NULL, body BLOB NOT NULL,
    UNIQUE (topic, partition, offset)
  );
  `,
  // v5, landing in chunks: one row per run of up to a few dozen consecutive records of a partition
  // instead of one per record. A row per record cost the writer ~20 µs per record (two B-tree
  // inserts and a NOT EXISTS probe each), most of a core at 40k records/s; a chunk spreads that over
  // its records. Redeliveries are found by offset (engine: the partition's highest landed offset,
  // an exact probe below it). seq counts records: a chunk of n records takes the n numbers up to
  // its seq, so the records waiting are max(seq) - min(seq) + the first chunk's count. Rows landed
  // by v4 become chunks of one. A file store keeps a chunk's bytes in an append-only segment file
  // (segment, segment_at; sqlite/landing.ts) rather than in body: written once, never checkpointed.
  // format: 0 records packed by the engine (engine/protocol.ts), 1 one
  // Kafka record batch as the broker sent it (lib/bus/kafka-record-batch.ts), its records from
  // first_offset on; count is then the batch's record count.
  `
  CREATE TABLE landing_chunks (
    seq INTEGER PRIMARY KEY, topic TEXT NOT NULL, partition INTEGER NOT NULL,
    first_offset INTEGER NOT NULL, last_offset INTEGER NOT NULL, count INTEGER NOT NULL,
    format INTEGER NOT NULL DEFAULT 0, landed_at INTEGER NOT NULL, size INTEGER NOT NULL,
    body BLOB, segment INTEGER, segment_at INTEGER
  );
  INSERT INTO landing_chunks (seq, topic, partition, first_offset, last_offset, count, landed_at, size, body)
    SELECT seq, topic, partition, offset, offset, 1, landed_at, length(body), body FROM landing ORDER BY seq;
  DROP TABLE landing;
  ALTER TABLE landing_chunks RENAME TO landing;
  CREATE INDEX landing_range ON landing (topic, partition, last_offset);
  `,
  // v6, the audit log of masked values revealed to an operator (collector/masking). Retention never
  // deletes from it: it is the record of who saw what.
  `
  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY, at INTEGER NOT NULL, action TEXT NOT NULL, identity TEXT NOT NULL,
    actor TEXT, remote_addr TEXT NOT NULL, target TEXT NOT NULL, reason TEXT
  );
  CREATE INDEX audit_log_target ON audit_log (target, id);
  `,
  // v7, operator decisions on dead letters: resolving or discarding an entry is audited (who,
  // when, why) like a replay is; the entry's status says 'resolved', the row says which and why.
  `
  CREATE TABLE dlq_resolutions (
    id TEXT PRIMARY KEY, entry_id TEXT NOT NULL, action TEXT NOT NULL, reason TEXT NOT NULL,
    resolved_by TEXT NOT NULL, resolved_at INTEGER NOT NULL
  );
  CREATE INDEX dlq_resolutions_entry ON dlq_resolutions (entry_id, resolved_at);
  `,
  // v8, silences and acknowledgements of alerts, audited (who, when, why). A silence sent to
  // Alertmanager is kept here too (external_id), so the audit does not depend on Alertmanager's.
  `
  CREATE TABLE alert_actions (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, matchers TEXT NOT NULL, starts_at INTEGER NOT NULL,
    ends_at INTEGER, comment TEXT NOT NULL, created_by TEXT NOT NULL, via TEXT NOT NULL,
    external_id TEXT
  );
  CREATE INDEX alert_actions_starts ON alert_actions (starts_at);
  `,
  // v9, a span's events and its resource's attributes, as JSON (null on older rows: none kept).
  `
  ALTER TABLE spans ADD COLUMN events TEXT;
  ALTER TABLE spans ADD COLUMN resource TEXT;
  `,
  // v10, the text-search index leaves the records' transactions (search-index.ts): a store file
  // keeps it in a file of its own, filled by the search worker from the records, which rebuilds it
  // there from the first record; an in-memory store creates it again in main. The schema-decoded
  // text of a value is kept with its body, for the worker to index.
  `
  DROP TABLE IF EXISTS records_fts;
  ALTER TABLE record_bodies ADD COLUMN search_text TEXT;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the schema to `target` (default: the latest; tests stop earlier to build an old store). */
export function migrate(sql: Sql, target = MIGRATIONS.length): void {
  const current = Number(sql.get('PRAGMA user_version')?.user_version ?? 0);
  if (current > MIGRATIONS.length)
    throw new Error(
      `collector database schema v${current} is newer than this collector (v${MIGRATIONS.length})`,
    );
  for (let v = current; v < Math.min(target, MIGRATIONS.length); v++) {
    sql.db.exec('BEGIN IMMEDIATE');
    try {
      sql.db.exec(MIGRATIONS[v]!);
      sql.db.exec(`PRAGMA user_version = ${v + 1}`);
      sql.db.exec('COMMIT');
    } catch (err) {
      sql.db.exec('ROLLBACK');
      throw err;
    }
  }
}
