import type pg from 'pg';

// Schema versions of the PostgreSQL store, applied in order, one transaction each, recorded in
// schema_migrations. Never edit a shipped migration: add the next one. Several collectors may
// start at once: the whole run holds an advisory lock, so exactly one of them migrates.
//
// Differences from the SQLite schema (sqlite/migrations.ts), and why:
// - records is partitioned by RANGE on the record's timestamp (a day per partition,
//   partitions.ts), so retention drops partitions instead of deleting rows. A Kafka record's
//   timestamp never changes, so the primary key (topic, partition, offset, ts) is as unique as
//   (topic, partition, offset): a redelivery lands in the same partition and conflicts there.
//   A partition goes once its day and the last time a record was stored in it (record_days) are
//   both past the cut-off: a record with an old timestamp does not vanish on arrival.
// - Key, value and headers stay in the record's row: PostgreSQL moves large values out of line
//   itself (TOAST), which is what record_bodies does for SQLite.
// - Text search is a tsvector column built from the same words as SQLite's FTS5 index
//   (text-search.ts) with a GIN index.
// - Landing chunks carry the collector that landed them (owner), so several collectors share the
//   table and each indexes its own, taking over those of a collector that stopped (landing.ts).

export const ADVISORY_MIGRATE = 7_411_001;

const MIGRATIONS: readonly string[] = [
  `
  CREATE SEQUENCE records_seq;
  CREATE TABLE records (
    seq bigint NOT NULL DEFAULT nextval('records_seq'),
    topic text NOT NULL, partition integer NOT NULL, "offset" bigint NOT NULL,
    ts bigint NOT NULL, stored_at bigint NOT NULL,
    key_text text, key_encoding text,
    value_kind text NOT NULL, value_size integer NOT NULL, value_truncated smallint NOT NULL,
    ce_id text, ce_type text, ce_source text, ce_time text, ce_time_ms bigint,
    causation_id text, correlation_id text, trace_id text, span_id text,
    saga_id text, saga_type text, saga_step text,
    is_dlq smallint NOT NULL, is_retry smallint NOT NULL, dlq text,
    problems text NOT NULL, anomalies text NOT NULL,
    chain_id text, replay_id text,
    key bytea, value bytea, headers text NOT NULL, search tsvector,
    PRIMARY KEY (topic, partition, "offset", ts)
  ) PARTITION BY RANGE (ts);
  CREATE INDEX records_ts ON records (ts, seq);
  CREATE INDEX records_seq_ix ON records (seq);
  CREATE INDEX records_topic_ts ON records (topic, ts, seq);
  CREATE INDEX records_key_ts ON records (key_text, ts);
  CREATE INDEX records_type_ts ON records (ce_type, ts);
  CREATE INDEX records_dlq_ts ON records (ts) WHERE is_dlq = 1;
  CREATE INDEX records_ce_id ON records (ce_id);
  CREATE INDEX records_trace ON records (trace_id);
  CREATE INDEX records_chain ON records (chain_id, ts);
  CREATE INDEX records_search ON records USING gin (search);

  CREATE TABLE anomalies (
    record_seq bigint NOT NULL, record_id text NOT NULL, kind text NOT NULL, detail text NOT NULL
  );
  CREATE INDEX anomalies_record ON anomalies (record_seq);

  CREATE TABLE spans (
    trace_id text NOT NULL, span_id text NOT NULL, parent_span_id text,
    name text NOT NULL, kind text NOT NULL, service text NOT NULL,
    start_ms double precision NOT NULL, end_ms double precision NOT NULL, status text NOT NULL,
    attributes text NOT NULL, links text NOT NULL,
    msg_topic text, msg_partition integer, msg_offset bigint, msg_id text, msg_group text,
    record_id text, chain_id text, stored_at bigint NOT NULL,
    PRIMARY KEY (trace_id, span_id)
  );
  CREATE INDEX spans_msg ON spans (msg_topic, msg_partition, msg_offset) WHERE record_id IS NULL;
  CREATE INDEX spans_msg_id ON spans (msg_id) WHERE record_id IS NULL;
  CREATE INDEX spans_record ON spans (record_id);
  CREATE INDEX spans_chain ON spans (chain_id);
  CREATE INDEX spans_stored ON spans (stored_at);

  CREATE TABLE chains (
    id text PRIMARY KEY, correlation_id text, flow text,
    first_ts bigint NOT NULL, last_ts bigint NOT NULL, last_seen bigint NOT NULL,
    record_count integer NOT NULL, terminal_at bigint, final_at bigint, complete_at bigint,
    last_type text, last_topic text
  );
  CREATE INDEX chains_first ON chains (first_ts, id);
  CREATE INDEX chains_seen ON chains (last_seen);
  CREATE INDEX chains_flow ON chains (flow, first_ts, id);
  CREATE INDEX chains_complete ON chains (complete_at);
  CREATE TABLE chain_traces (trace_id text PRIMARY KEY, chain_id text NOT NULL);
  CREATE INDEX chain_traces_chain ON chain_traces (chain_id);

  CREATE TABLE sagas (
    id text PRIMARY KEY, type text NOT NULL, source text NOT NULL, state text NOT NULL,
    stuck smallint NOT NULL, stuck_at bigint, correlation_id text, current_step text,
    started_at bigint NOT NULL, updated_at bigint NOT NULL, deadline bigint,
    steps text NOT NULL, history text NOT NULL, next_expected text, reason text
  );
  CREATE INDEX sagas_started ON sagas (started_at, id);
  CREATE INDEX sagas_view ON sagas ((CASE WHEN stuck = 1 THEN 'STUCK' ELSE state END), started_at, id);
  CREATE INDEX sagas_type ON sagas (type, started_at, id);
  CREATE INDEX sagas_corr ON sagas (correlation_id);
  CREATE INDEX sagas_updated ON sagas (updated_at);
  CREATE INDEX sagas_deadline ON sagas (deadline) WHERE stuck = 0 AND state IN ('RUNNING', 'COMPENSATING');
  CREATE TABLE saga_events (
    saga_id text NOT NULL, record_seq bigint NOT NULL, record_id text NOT NULL,
    type text, at bigint NOT NULL, step text, data text,
    PRIMARY KEY (saga_id, record_seq)
  );
  CREATE INDEX saga_events_record ON saga_events (record_seq);

  CREATE TABLE dlq_entries (
    id text PRIMARY KEY, record_seq bigint NOT NULL, record_id text NOT NULL, dlq_topic text NOT NULL,
    convention text NOT NULL, origin_topic text, origin_partition integer, origin_offset bigint,
    origin_group text, error_class text, error_cause_class text, error_message text, error_stack text,
    attempts integer, first_failed_at bigint NOT NULL, last_failed_at bigint NOT NULL,
    key_text text, ce_id text, ce_type text, correlation_id text, saga_id text, chain_id text,
    status text NOT NULL, replay_count integer NOT NULL
  );
  CREATE INDEX dlq_failed ON dlq_entries (last_failed_at, record_seq);
  CREATE INDEX dlq_topic ON dlq_entries (dlq_topic, last_failed_at);
  CREATE INDEX dlq_origin ON dlq_entries (origin_topic, last_failed_at);
  CREATE INDEX dlq_error ON dlq_entries (error_class);
  CREATE INDEX dlq_status ON dlq_entries (status, dlq_topic);
  CREATE INDEX dlq_chain ON dlq_entries (chain_id, status);
  CREATE INDEX dlq_saga ON dlq_entries (saga_id);
  CREATE INDEX dlq_corr ON dlq_entries (correlation_id);
  CREATE INDEX dlq_key ON dlq_entries (key_text);
  CREATE INDEX dlq_record ON dlq_entries (record_seq);

  CREATE TABLE replays (
    id text PRIMARY KEY, entry_id text NOT NULL, replay_key text NOT NULL, dlq_topic text NOT NULL,
    requested_by text NOT NULL, requested_at bigint NOT NULL, state text NOT NULL,
    target_topic text, target_partition integer, target_offset bigint, error text,
    outcome text NOT NULL, outcome_at bigint, ce_id text, job_id text,
    UNIQUE (entry_id, replay_key)
  );
  CREATE INDEX replays_waiting ON replays (ce_id) WHERE outcome IN ('pending', 'processed');
  CREATE INDEX replays_entry ON replays (entry_id, requested_at);
  CREATE INDEX replays_requested ON replays (requested_at);
  CREATE TABLE bulk_jobs (
    id text PRIMARY KEY, replay_key text NOT NULL UNIQUE, dlq_topics text NOT NULL, entry_ids text NOT NULL,
    rate_per_sec integer NOT NULL, requested_by text NOT NULL, created_at bigint NOT NULL,
    state text NOT NULL, done integer NOT NULL
  );

  CREATE TABLE landing (
    seq bigserial PRIMARY KEY, owner text NOT NULL, topic text NOT NULL, partition integer NOT NULL,
    first_offset bigint NOT NULL, last_offset bigint NOT NULL, count integer NOT NULL,
    format smallint NOT NULL, landed_at bigint NOT NULL, size integer NOT NULL, body bytea NOT NULL
  );
  CREATE INDEX landing_range ON landing (topic, partition, last_offset);
  CREATE INDEX landing_owner ON landing (owner, seq);
  -- Per day partition of records, about when a record was last stored in it (retention keeps a
  -- partition while anything in it is younger than the cut-off by stored time; partitions.ts).
  CREATE TABLE record_days (day integer PRIMARY KEY, last_stored_at bigint NOT NULL);
  -- Views the elected collector computes for the others to serve (Store.publish).
  CREATE TABLE shared_views (name text PRIMARY KEY, at bigint NOT NULL, body text NOT NULL);
  -- Collectors sharing the store, with the last time each was seen (landing ownership).
  CREATE TABLE store_members (id text PRIMARY KEY, seen_at bigint NOT NULL);
  `,
  // v2, the audit log of masked values revealed to an operator (SQLite v6). Retention never
  // deletes from it: it is the record of who saw what. The id orders it (list pages by id).
  `
  CREATE TABLE audit_log (
    id bigserial PRIMARY KEY, at bigint NOT NULL, action text NOT NULL, identity text NOT NULL,
    actor text, remote_addr text NOT NULL, target text NOT NULL, reason text
  );
  CREATE INDEX audit_log_target ON audit_log (target, id);
  `,
  // v3, operators' resolve / discard decisions on dead letters (SQLite v7).
  `
  CREATE TABLE dlq_resolutions (
    id text PRIMARY KEY, entry_id text NOT NULL, action text NOT NULL, reason text NOT NULL,
    resolved_by text NOT NULL, resolved_at bigint NOT NULL
  );
  CREATE INDEX dlq_resolutions_entry ON dlq_resolutions (entry_id, resolved_at);
  `,
  // v4, alert silences and acknowledgements, audited (SQLite v8).
  `
  CREATE TABLE alert_actions (
    id text PRIMARY KEY, kind text NOT NULL, matchers text NOT NULL, starts_at bigint NOT NULL,
    ends_at bigint, comment text NOT NULL, created_by text NOT NULL, via text NOT NULL,
    external_id text
  );
  CREATE INDEX alert_actions_starts ON alert_actions (starts_at);
  `,
  // v5, a span's events and its resource's attributes, as JSON text like its attributes (null on older
  // rows: none kept).
  `
  ALTER TABLE spans ADD COLUMN events text;
  ALTER TABLE spans ADD COLUMN resource text;
  `,
  // v6, lookups whose plan is right without statistics. Ingest asks, once per record, for the
  // records of an event id and for the previous record of a key; on a partition never analysed
  // (every new day's, or any with autovacuum off) the planner walked the whole seq / offset order
  // filtering on the id, quadratic in the store's size. With the order in the index the first
  // rows of the range are the answer.
  `
  CREATE INDEX records_ce_id_seq ON records (ce_id, seq);
  DROP INDEX records_ce_id;
  CREATE INDEX records_trace_seq ON records (trace_id, seq);
  DROP INDEX records_trace;
  CREATE INDEX records_key_prev ON records (key_text, topic, partition, "offset");
  `,
  // v7, the saga counts by type and view state (the sagas page's facets, asked with every list)
  // kept as they change instead of counted per request: the list's p95 was 186 ms at 1M records,
  // and counting 200k sagas (what 1M records make) alone takes ~75 ms. SQLite keeps one row per
  // (type, state) with triggers (its one writer); here several collectors write sagas at once,
  // and one hot row per state would serialise them, so every change appends a +1 / -1 row (no
  // row is ever updated), the reads sum them, and maintenance folds them into one row per
  // (type, state) (compactSagaCounts).
  `
  CREATE TABLE saga_count_deltas (type text NOT NULL, view_state text NOT NULL, n bigint NOT NULL);
  CREATE FUNCTION saga_count_deltas() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    IF TG_OP <> 'INSERT' THEN
      INSERT INTO saga_count_deltas VALUES (OLD.type, CASE WHEN OLD.stuck = 1 THEN 'STUCK' ELSE OLD.state END, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
      INSERT INTO saga_count_deltas VALUES (NEW.type, CASE WHEN NEW.stuck = 1 THEN 'STUCK' ELSE NEW.state END, 1);
    END IF;
    RETURN NULL;
  END
  $fn$;
  CREATE TRIGGER sagas_count_insert_delete AFTER INSERT OR DELETE ON sagas
    FOR EACH ROW EXECUTE FUNCTION saga_count_deltas();
  -- A saga's upsert rewrites its row at every event; only a change of type or view state counts.
  CREATE TRIGGER sagas_count_update AFTER UPDATE ON sagas FOR EACH ROW
    WHEN (OLD.type IS DISTINCT FROM NEW.type
      OR (CASE WHEN OLD.stuck = 1 THEN 'STUCK' ELSE OLD.state END)
         IS DISTINCT FROM (CASE WHEN NEW.stuck = 1 THEN 'STUCK' ELSE NEW.state END))
    EXECUTE FUNCTION saga_count_deltas();
  -- The sagas already stored (CREATE TRIGGER locks out writers until this transaction commits).
  INSERT INTO saga_count_deltas
    SELECT type, CASE WHEN stuck = 1 THEN 'STUCK' ELSE state END, count(*) FROM sagas GROUP BY 1, 2;
  `,
  // v8, how far each collector is through its records (engine/frontier.ts): the
  // smallest of the live ones bounds every collector's STUCK judgement. float8 holds the
  // frontier's Infinity (nothing waits) and -Infinity (records of unknown time wait).
  `
  ALTER TABLE store_members ADD COLUMN derived_through double precision;
  `,
  // v9, what a collector holds back on the shared frontier for chunks it took over from one that
  // went quiet (landing.ts `adopt`): held_through counts while it owns a chunk up to held_seq.
  `
  ALTER TABLE store_members ADD COLUMN held_through double precision, ADD COLUMN held_seq bigint;
  `,
];

export const PG_SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the schema to the latest version; refuses a schema newer than this collector. */
export async function migrate(client: pg.ClientBase): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1)', [ADVISORY_MIGRATE]);
  try {
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const r = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    const current = Number(r.rows[0]?.v ?? 0);
    if (current > MIGRATIONS.length)
      throw new Error(
        `collector database schema v${current} is newer than this collector (v${MIGRATIONS.length})`,
      );
    for (let v = current; v < MIGRATIONS.length; v++) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[v]!);
        await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [v + 1]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [ADVISORY_MIGRATE]);
  }
}
