import type { Span } from '@opentelemetry/api';
import type { z } from 'zod';
import { createEnvelope, encodeEnvelopeHeaders, type SagaRef } from '../../lib/events/envelope.ts';
import { AppError } from '../../lib/errors.ts';
import { SHOP_WRITE_SCHEMAS, type ShopWriteType } from '../contract-extra.ts';
import type { Outbox } from './outbox.ts';

// Building outgoing records: CloudEvents headers (binary mode) with causation, correlation and
// saga extensions, a payload checked against the contract before it is written (a producer bug
// must fail here, not in every consumer), and the parent span for the relay's `send` span.

export interface TraceParent {
  readonly traceparent: string;
  readonly tracestate?: string;
}

export interface Emit<T extends ShopWriteType> {
  readonly topic: string;
  readonly key: string;
  readonly type: T;
  readonly payload: z.input<(typeof SHOP_WRITE_SCHEMAS)[T]>;
  /** Saga headers; default: the emitter's (a participant echoes the command's saga). null: none. */
  readonly saga?: SagaRef | null;
  /** Default: the emitter's correlation id (the order id). */
  readonly correlationId?: string;
}

export interface Tombstone {
  readonly topic: string;
  readonly key: string;
  readonly type: string;
  readonly correlationId?: string;
}

export interface Emitter {
  /** Enqueues the record in the outbox (inside the caller's transaction); returns its ce_id. */
  emit<T extends ShopWriteType>(message: Emit<T>): string;
  /** A deletion on a compacted topic: null value, the deletion type in `ce_type`. */
  tombstone(message: Tombstone): string;
}

export interface EmitterContext {
  readonly service: string;
  readonly outbox: Outbox;
  readonly parent?: TraceParent;
  /** `ce_id` of the record being handled. */
  readonly causationId?: string;
  readonly correlationId?: string;
  readonly saga?: SagaRef;
  /** The span doing the work: each enqueued record is an event on it (what it wrote, when). */
  readonly span?: Pick<Span, 'addEvent'>;
}

export const sourceOf = (service: string) => `/shop/${service}`;

export function createEmitter(ctx: EmitterContext): Emitter {
  const enqueue = (
    topic: string,
    key: string,
    type: string,
    value: string | null,
    saga: SagaRef | undefined,
    correlationId: string | undefined,
  ) => {
    const env = createEnvelope({
      source: sourceOf(ctx.service),
      type,
      subject: key,
      ...(ctx.causationId !== undefined && { causationId: ctx.causationId }),
      ...(correlationId !== undefined && { correlationId }),
      ...(saga !== undefined && { saga }),
    });
    ctx.outbox.enqueue({
      topic,
      key,
      value,
      headers: encodeEnvelopeHeaders(env),
      ...(ctx.parent && { parentTraceparent: ctx.parent.traceparent }),
      ...(ctx.parent?.tracestate && { parentTracestate: ctx.parent.tracestate }),
    });
    ctx.span?.addEvent('outbox.enqueued', {
      'messaging.destination.name': topic,
      'cloudevents.event_type': type,
      'cloudevents.event_id': env.id,
    });
    return env.id;
  };
  return {
    emit(m) {
      const parsed = SHOP_WRITE_SCHEMAS[m.type].safeParse(m.payload);
      if (!parsed.success)
        throw new AppError(
          `${m.type} payload violates the contract: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
          {
            code: 'schema_violation',
            retriable: false,
          },
        );
      const saga = m.saga === null ? undefined : (m.saga ?? ctx.saga);
      return enqueue(
        m.topic,
        m.key,
        m.type,
        JSON.stringify(parsed.data),
        saga,
        m.correlationId ?? ctx.correlationId,
      );
    },
    tombstone(m) {
      return enqueue(m.topic, m.key, m.type, null, undefined, m.correlationId ?? ctx.correlationId);
    },
  };
}
