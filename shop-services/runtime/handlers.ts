import type { Span } from '@opentelemetry/api';
import type { z } from 'zod';
import type { ConsumedRecord } from '../../lib/bus/types.ts';
import type { SagaRef } from '../../lib/events/envelope.ts';
import type { Emitter } from './messages.ts';

// How a service declares what it handles: a table from `ce_type` to a handler built with `on`
// (a zod schema for the payload) or `onTombstone` (a null value). A handler is synchronous and
// runs inside the service's SQLite transaction together with the processed-message row and the
// outbox rows it emits, so its effects and its "done" mark commit or roll back as one.

export interface InboundMeta {
  readonly record: ConsumedRecord;
  /** The topic the record belongs to (a retry delivery reports its origin topic). */
  readonly topic: string;
  readonly key: string | null;
  readonly id: string;
  readonly type: string;
  readonly correlationId?: string;
  readonly saga?: SagaRef;
  /** 1 for the first delivery, 2 for the first retry... */
  readonly attempt: number;
}

export interface InboundMessage<P> extends InboundMeta {
  readonly payload: P;
}

/** What a handler may do besides writing its own tables: emit records and read the clock. */
export interface HandlerContext extends Emitter {
  readonly now: number;
  readonly span: Span;
}

export type Prepared =
  | { readonly ok: true; readonly run: (meta: InboundMeta, ctx: HandlerContext) => void }
  | { readonly ok: false; readonly error: string };

export interface MessageHandler {
  /** Parses the value; a failure is a schema violation (dead letter at once). */
  prepare(value: Buffer | null): Prepared;
}

export type HandlerTable = Readonly<Record<string, MessageHandler>>;

export function on<S extends z.ZodType>(
  schema: S,
  handle: (message: InboundMessage<z.infer<S>>, ctx: HandlerContext) => void,
): MessageHandler {
  return {
    prepare(value) {
      if (value === null) return { ok: false, error: 'null value (tombstone) where a payload is expected' };
      let json: unknown;
      try {
        json = JSON.parse(value.toString('utf8'));
      } catch (e) {
        return { ok: false, error: `value is not JSON: ${e instanceof Error ? e.message : String(e)}` };
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return {
          ok: false,
          error: `payload violates the schema at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
        };
      }
      return { ok: true, run: (meta, ctx) => handle({ ...meta, payload: parsed.data }, ctx) };
    },
  };
}

export function onTombstone(
  handle: (message: InboundMessage<null>, ctx: HandlerContext) => void,
): MessageHandler {
  return {
    prepare(value) {
      if (value !== null) return { ok: false, error: 'a deletion must be a tombstone (null value)' };
      return { ok: true, run: (meta, ctx) => handle({ ...meta, payload: null }, ctx) };
    },
  };
}
