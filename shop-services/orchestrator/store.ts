import { col, colOpt, type ServiceDb } from '../runtime/db.ts';
import { sagaDataSchema, type SagaData } from './saga.ts';

// Saga instances, one row per order. The row keeps the whole state (JSON, validated on read),
// the deadline as a column for the timer's query, the last command's ce_id (the cause of a
// deadline-triggered retry) and the trace context of the last step, so records the timer emits
// stay in the order's trace.

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS sagas (
    saga_id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    data TEXT NOT NULL,
    deadline_at INTEGER,
    last_command_id TEXT,
    traceparent TEXT,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS sagas_deadline ON sagas (deadline_at) WHERE deadline_at IS NOT NULL;
`;

export interface StoredSaga {
  readonly saga: SagaData;
  readonly lastCommandId?: string;
  readonly traceparent?: string;
}

export function createSagaStore(db: ServiceDb) {
  db.db.exec(SCHEMA);
  const byOrder = db.db.prepare('SELECT data, last_command_id, traceparent FROM sagas WHERE order_id = ?');
  const due = db.db.prepare(
    'SELECT order_id FROM sagas WHERE deadline_at IS NOT NULL AND deadline_at <= ? ORDER BY deadline_at LIMIT ?',
  );
  const upsert = db.db.prepare(
    `INSERT INTO sagas (saga_id, order_id, state, data, deadline_at, last_command_id, traceparent, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (saga_id) DO UPDATE SET state = excluded.state, data = excluded.data,
       deadline_at = excluded.deadline_at, last_command_id = COALESCE(excluded.last_command_id, last_command_id),
       traceparent = COALESCE(excluded.traceparent, traceparent), updated_at = excluded.updated_at`,
  );
  return {
    get(orderId: string): StoredSaga | undefined {
      const row = byOrder.get(orderId);
      if (!row) return undefined;
      const lastCommandId = colOpt(row, 'last_command_id');
      const traceparent = colOpt(row, 'traceparent');
      return {
        saga: sagaDataSchema.parse(JSON.parse(col(row, 'data'))),
        ...(lastCommandId && { lastCommandId }),
        ...(traceparent && { traceparent }),
      };
    },
    save(saga: SagaData, now: number, lastCommandId?: string, traceparent?: string) {
      upsert.run(
        saga.sagaId,
        saga.order.orderId,
        saga.state,
        JSON.stringify(saga),
        saga.deadlineAt,
        lastCommandId ?? null,
        traceparent ?? null,
        now,
      );
    },
    /** Order ids of sagas whose step deadline has passed. */
    due(now: number, limit = 100): string[] {
      return due.all(now, limit).map((r) => col(r, 'order_id'));
    },
  };
}
export type SagaStore = ReturnType<typeof createSagaStore>;
