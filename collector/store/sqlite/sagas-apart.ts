import type { Sql } from './db.ts';

// On a store file the saga tables live in the search file (`<db>-search`, search-index.ts), and the
// search worker derives them from the committed records (collector/engine/search-worker.ts): saga
// derivation was ~27 % of what the one indexing writer spent per record (diagnose-store, 300k
// records: 78 → 56 µs of SQL per record without it), and it needs nothing but the record and the
// saga's own events. Reads stay unqualified (`SELECT … FROM sagas`): once the main file has no
// such table, SQLite resolves the name in the attached file. An in-memory store (tests) keeps
// them in the main database, derived in the record's transaction (migrations.ts).

/** The saga tables as migrations 1 – 3 left them in the main file, created in the search file. */
const SAGA_TABLES = `
  CREATE TABLE IF NOT EXISTS search.sagas (
    id TEXT PRIMARY KEY, type TEXT NOT NULL, source TEXT NOT NULL, state TEXT NOT NULL,
    stuck INTEGER NOT NULL, stuck_at INTEGER, correlation_id TEXT, current_step TEXT,
    started_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, deadline INTEGER,
    steps TEXT NOT NULL, history TEXT NOT NULL, next_expected TEXT, reason TEXT
  );
  CREATE INDEX IF NOT EXISTS search.sagas_started ON sagas (started_at);
  CREATE INDEX IF NOT EXISTS search.sagas_type ON sagas (type, started_at);
  CREATE INDEX IF NOT EXISTS search.sagas_corr ON sagas (correlation_id);
  CREATE INDEX IF NOT EXISTS search.sagas_updated ON sagas (updated_at);
  CREATE INDEX IF NOT EXISTS search.sagas_deadline ON sagas (deadline) WHERE stuck = 0 AND state IN ('RUNNING', 'COMPENSATING');
  CREATE INDEX IF NOT EXISTS search.sagas_view ON sagas ((CASE WHEN stuck = 1 THEN 'STUCK' ELSE state END), started_at, id);
  CREATE TABLE IF NOT EXISTS search.saga_events (
    saga_id TEXT NOT NULL, record_seq INTEGER NOT NULL, record_id TEXT NOT NULL,
    type TEXT, at INTEGER NOT NULL, step TEXT, data TEXT,
    PRIMARY KEY (saga_id, record_seq)
  ) WITHOUT ROWID;
  -- The events of records retention deleted are dropped by seq (search-index.ts).
  CREATE INDEX IF NOT EXISTS search.saga_events_record ON saga_events (record_seq);
  CREATE TABLE IF NOT EXISTS search.saga_counts (
    type TEXT NOT NULL, view_state TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (type, view_state)
  ) WITHOUT ROWID;
  CREATE TRIGGER IF NOT EXISTS search.sagas_count_insert AFTER INSERT ON sagas BEGIN
    INSERT INTO saga_counts (type, view_state, n)
    VALUES (new.type, CASE WHEN new.stuck = 1 THEN 'STUCK' ELSE new.state END, 1)
    ON CONFLICT (type, view_state) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER IF NOT EXISTS search.sagas_count_delete AFTER DELETE ON sagas BEGIN
    UPDATE saga_counts SET n = n - 1
    WHERE type = old.type AND view_state = CASE WHEN old.stuck = 1 THEN 'STUCK' ELSE old.state END;
  END;
  CREATE TRIGGER IF NOT EXISTS search.sagas_count_update AFTER UPDATE OF type, state, stuck ON sagas
  WHEN old.type IS NOT new.type
    OR (CASE WHEN old.stuck = 1 THEN 'STUCK' ELSE old.state END)
       IS NOT (CASE WHEN new.stuck = 1 THEN 'STUCK' ELSE new.state END)
  BEGIN
    UPDATE saga_counts SET n = n - 1
    WHERE type = old.type AND view_state = CASE WHEN old.stuck = 1 THEN 'STUCK' ELSE old.state END;
    INSERT INTO saga_counts (type, view_state, n)
    VALUES (new.type, CASE WHEN new.stuck = 1 THEN 'STUCK' ELSE new.state END, 1)
    ON CONFLICT (type, view_state) DO UPDATE SET n = n + 1;
  END;`;

/** Creates the saga tables in the attached search file if missing. */
export function ensureSagaTablesApart(sql: Sql): void {
  sql.db.exec(SAGA_TABLES);
}

const inMain = (sql: Sql) =>
  !!sql.get(`SELECT 1 AS x FROM main.sqlite_master WHERE type = 'table' AND name = 'sagas'`);

/**
 * A store file from before the sagas moved: its saga tables are copied into the search file and
 * dropped from the main file, on `sql` with the search file attached. Two transactions, each
 * checking again (two connections open a store at once): the copy ignores rows already there, so
 * a crash between them only copies again. Counts follow from the triggers. Records the search
 * worker has not yet reached are derived again there, which changes nothing that is already right.
 */
export function moveSagasApart(sql: Sql): void {
  if (!inMain(sql)) return;
  const step = (body: () => void) => {
    sql.db.exec('BEGIN IMMEDIATE');
    try {
      if (inMain(sql)) body();
      sql.db.exec('COMMIT');
    } catch (err) {
      if (sql.db.isTransaction) sql.db.exec('ROLLBACK');
      throw err;
    }
  };
  step(() => {
    sql.db.exec(`INSERT OR IGNORE INTO search.sagas SELECT * FROM main.sagas;
      INSERT OR IGNORE INTO search.saga_events SELECT * FROM main.saga_events;`);
  });
  step(() => {
    sql.db.exec('DROP TABLE main.saga_counts; DROP TABLE main.saga_events; DROP TABLE main.sagas;');
  });
}
