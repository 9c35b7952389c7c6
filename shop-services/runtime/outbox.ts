import type { Tracer } from '@opentelemetry/api';
import type { Bus } from '../../lib/bus/types.ts';
import { decodeUtf8, type RecordHeader } from '../../lib/events/headers.ts';
import type { Logger } from '../../lib/logger.ts';
import { sendWithSpan, type TracedProduceRecord } from '../../lib/telemetry/messaging.ts';
import { createWakeablePause } from '../../lib/wakeable-pause.ts';
import { col, colNum, colOpt, type ServiceDb } from './db.ts';
import type { ShopMetrics } from './metrics.ts';

// Transactional outbox, one per service. A handler's state change and the records it wants to
// publish commit in one SQLite transaction; this relay publishes unsent rows in id order and
// marks them sent only after the bus acknowledged them. A crash between the two publishes a row
// twice, which the receivers' processed-message tables absorb (at-least-once, idempotent).

export interface OutboxMessage {
  readonly topic: string;
  readonly key: string | null;
  /** JSON text, or null for a tombstone. */
  readonly value: string | null;
  readonly headers: readonly RecordHeader[];
  /** The span that decided to publish: parent of the `send` span. */
  readonly parentTraceparent?: string;
  readonly parentTracestate?: string;
}

export interface Outbox {
  /** Writes a row; inside a transaction it becomes visible (and is relayed) when that commits. */
  enqueue(message: OutboxMessage): void;
  /** Relays now instead of at the next poll. */
  wake(): void;
  start(): void;
  /** Stops the loop after one last relay attempt. */
  stop(): Promise<void>;
  /** Rows not yet acknowledged. */
  backlog(): number;
  /** One relay pass; resolves with the number of rows published. */
  relayOnce(): Promise<number>;
}

export interface OutboxDeps {
  readonly db: ServiceDb;
  readonly bus: Bus;
  readonly tracer: Tracer;
  readonly service: string;
  readonly metrics: ShopMetrics;
  readonly logger: Logger;
  readonly pollMs: number;
  readonly batchSize?: number;
  /** Sent rows are kept this long for inspection, then deleted. */
  readonly keepSentMs?: number;
}

// Headers as JSON [key, text] pairs; a value that is not UTF-8 is stored as [key, base64, 'b64'].
const encodeHeaders = (headers: readonly RecordHeader[]) =>
  JSON.stringify(
    headers.map((h) => {
      const d = decodeUtf8(h.value);
      return d.ok ? [h.key, d.value] : [h.key, h.value.toString('base64'), 'b64'];
    }),
  );

function decodeHeaders(text: string): RecordHeader[] {
  const raw: unknown = JSON.parse(text);
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((pair: unknown) =>
    Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string'
      ? [{ key: pair[0], value: Buffer.from(pair[1], pair[2] === 'b64' ? 'base64' : 'utf8') }]
      : [],
  );
}

export function createOutbox(deps: OutboxDeps): Outbox {
  const { db, bus, tracer, service, metrics, logger } = deps;
  const batchSize = deps.batchSize ?? 200;
  const keepSentMs = deps.keepSentMs ?? 10 * 60_000;
  const insert = db.db.prepare(
    `INSERT INTO outbox (topic, msg_key, value, headers, parent_traceparent, parent_tracestate, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const selectUnsent = db.db.prepare(
    'SELECT id, topic, msg_key, value, headers, parent_traceparent, parent_tracestate FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT ?',
  );
  // One relay per outbox reads unsent rows in id order, so every unsent row up to the batch's
  // last id was in the batch: one statement marks them all.
  const markSent = db.db.prepare('UPDATE outbox SET sent_at = ? WHERE sent_at IS NULL AND id <= ?');
  const countUnsent = db.db.prepare('SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL');
  const prune = db.db.prepare('DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?');

  let running = false;
  let loop: Promise<void> | undefined;
  /** The relay's wait between rounds, which a wake or a stop ends at once. */
  const pause = createWakeablePause();
  let wakeRequested = false;
  let lastPrune = Date.now();
  let lastBacklog = 0;

  // A wake relays on the next turn of the event loop, not at once: a consumer handling a batch
  // commits many rows in a row, and one produce for all of them beats one per row.
  let wakeScheduled = false;
  const wake = () => {
    wakeRequested = true;
    if (wakeScheduled) return;
    wakeScheduled = true;
    setImmediate(() => {
      wakeScheduled = false;
      pause.wake();
    });
  };
  const idle = (ms: number) => (wakeRequested || !running ? Promise.resolve() : pause.pause(ms));

  const backlog = () => colNum(countUnsent.get() ?? { n: 0 }, 'n');

  async function relayOnce(): Promise<number> {
    wakeRequested = false;
    const rows = selectUnsent.all(batchSize);
    if (rows.length) {
      const records: TracedProduceRecord[] = rows.map((r) => {
        const parentTraceparent = colOpt(r, 'parent_traceparent');
        const parentTracestate = colOpt(r, 'parent_tracestate');
        return {
          topic: col(r, 'topic'),
          key: colOpt(r, 'msg_key') ?? null,
          value: colOpt(r, 'value') ?? null,
          headers: decodeHeaders(col(r, 'headers')),
          ...(parentTraceparent && { parentTraceparent }),
          ...(parentTracestate && { parentTracestate }),
        };
      });
      await sendWithSpan(tracer, bus, records, { clientId: service });
      markSent.run(Date.now(), colNum(rows[rows.length - 1]!, 'id'));
      for (const r of records) metrics.produced.inc({ service, topic: r.topic });
    }
    const now = Date.now();
    if (now - lastPrune > 60_000) {
      lastPrune = now;
      prune.run(now - keepSentMs);
    }
    if (now - lastBacklog > 1000 || rows.length === 0) {
      lastBacklog = now;
      metrics.outboxBacklog.set({ service }, backlog());
    }
    return rows.length;
  }

  async function run() {
    while (running) {
      let sent: number;
      try {
        sent = await relayOnce();
      } catch (err) {
        logger.warn({ err }, 'outbox relay failed; will retry');
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (sent < batchSize) await idle(deps.pollMs);
    }
  }

  return {
    enqueue(m) {
      insert.run(
        m.topic,
        m.key,
        m.value,
        encodeHeaders(m.headers),
        m.parentTraceparent ?? null,
        m.parentTracestate ?? null,
        Date.now(),
      );
      db.afterCommit(wake);
    },
    wake,
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop() {
      if (!running) return;
      running = false;
      pause.wake();
      await loop;
      try {
        await relayOnce();
      } catch (err) {
        logger.warn({ err }, 'final outbox relay failed; rows stay for the next start');
      }
    },
    backlog,
    relayOnce,
  };
}
