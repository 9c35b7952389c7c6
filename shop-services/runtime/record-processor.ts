import { SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { Bus, ConsumedRecord } from '../../lib/bus/types.ts';
import { decodeEnvelopeHeaders, type SagaRef } from '../../lib/events/envelope.ts';
import { decodeUtf8 } from '../../lib/events/headers.ts';
import { dltTopic, retryTopic } from '../../lib/events/shop-topics.ts';
import { AppError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import {
  sendWithSpan,
  spanTraceHeaders,
  startProcessSpan,
  type ProcessSpan,
} from '../../lib/telemetry/messaging.ts';
import type { ServiceDb } from './db.ts';
import type { HandlerTable, InboundMeta, Prepared } from './handlers.ts';
import { createEmitter } from './messages.ts';
import type { ConsumeOutcome, ShopMetrics } from './metrics.ts';
import type { Outbox } from './outbox.ts';
import {
  attemptOf,
  deadLetterHeaders,
  decideFailure,
  describeFailure,
  originOf,
  retryHeaders,
  type FailureInfo,
} from './retry-policy.ts';

// Handles a run of records from one partition. Each record gets its own `process` span, its own
// SAVEPOINT and its own processed-message row; the run commits as one SQLite transaction, so a
// busy consumer pays for one commit per run instead of one per record. A record whose handler
// throws is rolled back to its savepoint alone; after the commit it goes to the retry topic or
// the dead-letter topic. The caller (the bus) commits offsets only after all of that resolved.

export interface RecordProcessorDeps {
  readonly service: string;
  readonly groupId: string;
  readonly handlers: HandlerTable;
  readonly bus: Bus;
  readonly db: ServiceDb;
  readonly outbox: Outbox;
  readonly tracer: Tracer;
  readonly logger: Logger;
  readonly metrics: ShopMetrics;
  readonly maxAttempts: number;
  readonly retryBackoffMs: number;
}

interface Item {
  readonly record: ConsumedRecord;
  readonly mainTopic: string;
  /** Time spent on this record (its handler, and publishing its failure), for the histogram. */
  tookMs: number;
  meta?: InboundMeta;
  prepared?: Extract<Prepared, { ok: true }>;
  span?: ProcessSpan;
  outcome?: ConsumeOutcome | 'ignored';
  failure?: FailureInfo;
}

const schemaViolation = (message: string) =>
  new AppError(message, { code: 'schema_violation', retriable: false });

export function createRecordProcessor(deps: RecordProcessorDeps) {
  const { service, groupId, bus, db, outbox, tracer, metrics } = deps;
  const log = deps.logger.child({ component: 'consumer', group: groupId });
  const isProcessed = db.db.prepare(
    'SELECT 1 AS x FROM processed_messages WHERE consumer_group = ? AND message_id = ?',
  );
  const markProcessed = db.db.prepare(
    'INSERT INTO processed_messages (consumer_group, message_id, topic, processed_at) VALUES (?, ?, ?, ?)',
  );

  /** Envelope and payload checks, before any transaction: a violation is a failure, an unknown type is ignored. */
  function prepare(item: Item) {
    const env = decodeEnvelopeHeaders(item.record.headers);
    if (!env.id || !env.type) {
      item.failure = describeFailure(schemaViolation('record has no ce_id or ce_type header'));
      return;
    }
    const handler = deps.handlers[env.type];
    if (!handler) {
      item.outcome = 'ignored';
      return;
    }
    const prepared = handler.prepare(item.record.value);
    if (!prepared.ok) {
      item.failure = describeFailure(schemaViolation(prepared.error));
      return;
    }
    const saga: SagaRef | undefined = env.saga?.type
      ? { id: env.saga.id, type: env.saga.type, ...(env.saga.step && { step: env.saga.step }) }
      : undefined;
    const key = item.record.key ? decodeUtf8(item.record.key) : undefined;
    item.prepared = prepared;
    item.meta = {
      record: item.record,
      topic: item.mainTopic,
      key: key?.ok ? key.value : null,
      id: env.id,
      type: env.type,
      attempt: attemptOf(item.record),
      ...(env.correlationId && { correlationId: env.correlationId }),
      ...(saga && { saga }),
    };
  }

  /** Runs one record's handler under a savepoint of the open transaction. */
  function runInTx(item: Item & { meta: InboundMeta; prepared: Extract<Prepared, { ok: true }> }) {
    const t0 = performance.now();
    try {
      runSavepoint(item);
    } finally {
      item.tookMs += performance.now() - t0;
    }
  }

  function runSavepoint(item: Item & { meta: InboundMeta; prepared: Extract<Prepared, { ok: true }> }) {
    const span = (item.span = startProcessSpan(tracer, item.record, groupId, { clientId: service }));
    const { meta } = item;
    span.span.setAttributes({ 'cloudevents.event_id': meta.id, 'cloudevents.event_type': meta.type });
    if (isProcessed.get(groupId, meta.id)) {
      item.outcome = 'duplicate';
      span.span.setAttribute('app.duplicate', true);
      span.end();
      return;
    }
    db.db.exec('SAVEPOINT record');
    try {
      const emitter = createEmitter({
        service,
        outbox,
        parent: spanTraceHeaders(span.span),
        span: span.span,
        causationId: meta.id,
        ...(meta.correlationId && { correlationId: meta.correlationId }),
        ...(meta.saga && { saga: meta.saga }),
      });
      item.prepared.run(meta, { ...emitter, now: Date.now(), span: span.span });
      markProcessed.run(groupId, meta.id, item.mainTopic, Date.now());
      db.db.exec('RELEASE record');
      item.outcome = 'success';
      span.end();
    } catch (err) {
      db.db.exec('ROLLBACK TO record');
      db.db.exec('RELEASE record');
      item.failure = describeFailure(err);
    }
  }

  async function publishFailure(item: Item, failure: FailureInfo): Promise<ConsumeOutcome> {
    const t0 = performance.now();
    try {
      return await sendFailure(item, failure);
    } finally {
      item.tookMs += performance.now() - t0;
    }
  }

  async function sendFailure(item: Item, failure: FailureInfo): Promise<ConsumeOutcome> {
    const { record, mainTopic } = item;
    const span = (item.span ??= startProcessSpan(tracer, record, groupId, { clientId: service }));
    const attempt = attemptOf(record);
    const decision = decideFailure(failure, attempt, deps.maxAttempts, deps.retryBackoffMs);
    const origin = originOf(record, mainTopic);
    const target = decision.action === 'retry' ? retryTopic(mainTopic) : dltTopic(mainTopic);
    const headers =
      decision.action === 'retry'
        ? retryHeaders(record, origin, groupId, decision.nextAttempt, Date.now() + decision.delayMs, failure)
        : deadLetterHeaders(record, origin, groupId, attempt, failure);
    span.span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
    span.span.setAttribute('error.type', failure.fqcn);
    span.span.addEvent(decision.action === 'retry' ? 'retry scheduled' : 'dead-lettered', {
      'messaging.destination.name': target,
      'app.attempt': attempt,
    });
    await sendWithSpan(
      tracer,
      bus,
      [
        {
          topic: target,
          key: record.key,
          value: record.value,
          headers,
          parentTraceparent: spanTraceHeaders(span.span).traceparent,
        },
      ],
      { clientId: service },
    );
    metrics.produced.inc({ service, topic: target });
    log.warn(
      {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        attempt,
        to: target,
        error: failure.message,
      },
      decision.action === 'retry' ? 'handler failed; scheduled a retry' : 'handler failed; dead-lettered',
    );
    span.end();
    return decision.action === 'retry' ? 'retry' : 'dead_letter';
  }

  /** Processes `records` (one partition, in order); resolves when every record is done or re-routed. */
  return async function processRun(
    records: readonly ConsumedRecord[],
    mainTopicOf: (r: ConsumedRecord) => string,
  ) {
    const items: Item[] = records.map((record) => ({ record, mainTopic: mainTopicOf(record), tookMs: 0 }));
    for (const item of items) prepare(item);
    const runnable = items.filter(
      (i): i is Item & { meta: InboundMeta; prepared: Extract<Prepared, { ok: true }> } =>
        !!i.meta && !!i.prepared,
    );
    try {
      if (runnable.length)
        try {
          db.tx(() => {
            for (const item of runnable) runInTx(item);
          });
        } catch (err) {
          // The commit itself failed (disk, lock): nothing of the run is applied; retry each record.
          for (const item of runnable) {
            item.outcome = undefined;
            item.failure = describeFailure(err);
            // Its span may have ended as a success; the failure gets a span of its own.
            item.span?.end();
            item.span = undefined;
          }
        }
      for (const item of items)
        if (item.failure && !item.outcome) item.outcome = await publishFailure(item, item.failure);
    } finally {
      for (const item of items) {
        if (item.outcome === undefined || item.outcome === 'ignored') {
          item.span?.end(new Error('not processed'));
          continue;
        }
        metrics.consumed.inc({ service, topic: item.record.topic, outcome: item.outcome });
        metrics.handlerDuration.observe({ service, topic: item.record.topic }, item.tookMs / 1000);
      }
    }
  };
}
