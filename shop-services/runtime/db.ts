import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type SQLOutputValue } from 'node:sqlite';
import { AppError } from '../../lib/errors.ts';

// Database per service: each service owns one SQLite file in the shop's data dir. WAL lets the
// tests (and an operator with the sqlite3 shell) read while the service writes; synchronous=NORMAL
// is durable across process crashes, which is the failure the shop demonstrates.

export interface ServiceDb {
  readonly db: DatabaseSync;
  readonly path: string;
  /** Runs `fn` in one IMMEDIATE transaction; rolls back and rethrows when it throws. Not reentrant. */
  tx<T>(fn: () => T): T;
  /** Runs `fn` after the current transaction commits (at once outside a transaction). */
  afterCommit(fn: () => void): void;
  close(): void;
}

const RUNTIME_SCHEMA = `
  CREATE TABLE IF NOT EXISTS processed_messages (
    consumer_group TEXT NOT NULL,
    message_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    processed_at INTEGER NOT NULL,
    PRIMARY KEY (consumer_group, message_id)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS processed_messages_at ON processed_messages (processed_at);
  CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    msg_key TEXT,
    value TEXT,
    headers TEXT NOT NULL,
    parent_traceparent TEXT,
    parent_tracestate TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS outbox_unsent ON outbox (sent_at, id);
`;

export function openServiceDb(dataDir: string, service: string): ServiceDb {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, `${service}.db`);
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
  db.exec(RUNTIME_SCHEMA);
  let inTx = false;
  let onCommit: (() => void)[] = [];
  return {
    db,
    path,
    tx<T>(fn: () => T): T {
      if (inTx) throw new AppError('nested transaction', { code: 'internal' });
      inTx = true;
      db.exec('BEGIN IMMEDIATE');
      try {
        const out = fn();
        db.exec('COMMIT');
        const callbacks = onCommit;
        onCommit = [];
        inTx = false;
        for (const cb of callbacks) cb();
        return out;
      } catch (err) {
        onCommit = [];
        if (db.isTransaction) db.exec('ROLLBACK');
        throw err;
      } finally {
        inTx = false;
      }
    },
    afterCommit(fn) {
      if (inTx) onCommit.push(fn);
      else fn();
    },
    close() {
      if (db.isOpen) db.close();
    },
  };
}

export type Row = Record<string, SQLOutputValue>;

/** Typed column readers for rows this service wrote itself; a wrong type is a bug, so it throws. */
export function col(row: Row, name: string): string {
  const v = row[name];
  if (typeof v !== 'string') throw new AppError(`column ${name} is not text`, { code: 'internal' });
  return v;
}
export function colOpt(row: Row, name: string): string | undefined {
  const v = row[name];
  return typeof v === 'string' ? v : undefined;
}
export function colNum(row: Row, name: string): number {
  const v = row[name];
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  throw new AppError(`column ${name} is not a number`, { code: 'internal' });
}
export function colNumOpt(row: Row, name: string): number | undefined {
  const v = row[name];
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}
