import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Bus, ConsumedRecord, ProduceRecord, RecordMetadata } from '../bus/types.ts';
import { CE_HEADERS, TRACE_HEADERS } from '../events/envelope.ts';
import {
  decodeUtf8,
  headerString,
  normalizeHeaders,
  type RecordHeader,
  type RecordHeaders,
} from '../events/headers.ts';
import { formatTraceparent } from '../events/traceparent.ts';

// Trace propagation done in the Bus layer, so it works the same on the embedded bus and on Kafka
// (a require hook would only ever see kafkajs). Producers get a `send <topic>` PRODUCER span per
// record and its context in the record's headers; consumers get a `process <topic>` CONSUMER span
// that is the producer span's child and also links to it (OTel messaging semantic conventions:
// a processor of batches links, a processor of single records may be the child; we do both, so
// trace UIs that ignore links still show one trace and the collector can follow links).

const propagator = new W3CTraceContextPropagator();

const headerGetter: TextMapGetter<RecordHeaders> = {
  keys: (carrier) => carrier.map((h) => h.key),
  get: (carrier, key) => headerString(carrier, key),
};
const objectSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/** The trace context a record's headers carry (ROOT_CONTEXT when there is none or it is invalid). */
export function extractRecordContext(headers: RecordHeaders): Context {
  return propagator.extract(ROOT_CONTEXT, headers, headerGetter);
}

/** `traceparent` / `tracestate` of a span, to store with an outbox row or hand to another process. */
export function spanTraceHeaders(span: Span): { traceparent: string; tracestate?: string } {
  const sc = span.spanContext();
  const tracestate = sc.traceState?.serialize();
  return {
    traceparent: formatTraceparent({
      traceId: sc.traceId,
      spanId: sc.spanId,
      sampled: (sc.traceFlags & 1) === 1,
    }),
    ...(tracestate && { tracestate }),
  };
}

/** A context whose parent is the span a stored traceparent names. */
export function contextFromTraceparent(traceparent: string | undefined, tracestate?: string): Context {
  if (!traceparent) return ROOT_CONTEXT;
  const carrier: RecordHeader[] = [{ key: TRACE_HEADERS.traceparent, value: Buffer.from(traceparent) }];
  if (tracestate) carrier.push({ key: TRACE_HEADERS.tracestate, value: Buffer.from(tracestate) });
  return extractRecordContext(carrier);
}

function keyText(key: Buffer | string | null | undefined): string | undefined {
  if (key === null || key === undefined) return undefined;
  if (typeof key === 'string') return key;
  const d = decodeUtf8(key);
  return d.ok ? d.value : undefined;
}

function messageAttributes(
  topic: string,
  key: Buffer | string | null | undefined,
  headers: RecordHeaders,
): Attributes {
  const attrs: Attributes = { 'messaging.system': 'kafka', 'messaging.destination.name': topic };
  const k = keyText(key);
  if (k !== undefined) attrs['messaging.kafka.message.key'] = k;
  const id = headerString(headers, CE_HEADERS.id);
  if (id) attrs['messaging.message.id'] = id;
  const correlation = headerString(headers, CE_HEADERS.correlationId);
  if (correlation) attrs['messaging.message.conversation_id'] = correlation;
  return attrs;
}

function failSpan(span: Span, err: unknown) {
  const e = err instanceof Error ? err : new Error(String(err));
  span.recordException(e);
  span.setAttribute('error.type', e.name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
}

/** A record to send, optionally with the context its producer span should be a child of. */
export interface TracedProduceRecord extends ProduceRecord {
  /** Parent of the `send` span, e.g. the span that wrote the outbox row; default: `opts.parent`. */
  readonly parentTraceparent?: string;
  readonly parentTracestate?: string;
}

export interface SendOptions {
  /** Parent of every send span without its own; default: the active context. */
  readonly parent?: Context;
  readonly clientId?: string;
}

/**
 * Produces `records` with one `send <topic>` PRODUCER span each, injecting the span's context as
 * `traceparent` / `tracestate` (replacing any already present). Resolves once the bus acknowledged.
 */
export async function sendWithSpan(
  tracer: Tracer,
  bus: Bus,
  records: readonly TracedProduceRecord[],
  opts: SendOptions = {},
): Promise<RecordMetadata[]> {
  const spans: Span[] = [];
  const toSend: ProduceRecord[] = records.map((r) => {
    const headers = normalizeHeaders(r.headers).filter(
      (h) => h.key !== TRACE_HEADERS.traceparent && h.key !== TRACE_HEADERS.tracestate,
    );
    const parent = r.parentTraceparent
      ? contextFromTraceparent(r.parentTraceparent, r.parentTracestate)
      : (opts.parent ?? context.active());
    const attributes = messageAttributes(r.topic, r.key, headers);
    attributes['messaging.operation.type'] = 'send';
    attributes['messaging.operation.name'] = 'send';
    if (r.value === null) attributes['messaging.kafka.message.tombstone'] = true;
    if (opts.clientId) attributes['messaging.client.id'] = opts.clientId;
    const span = tracer.startSpan(`send ${r.topic}`, { kind: SpanKind.PRODUCER, attributes }, parent);
    spans.push(span);
    const carrier: Record<string, string> = {};
    propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, objectSetter);
    for (const [key, value] of Object.entries(carrier)) headers.push({ key, value: Buffer.from(value) });
    const { parentTraceparent: _p, parentTracestate: _s, ...record } = r;
    return { ...record, headers };
  });
  try {
    const meta = await bus.produce(toSend);
    meta.forEach((m, i) => {
      spans[i]?.setAttributes({
        'messaging.destination.partition.id': String(m.partition),
        'messaging.kafka.offset': m.offset,
      });
    });
    return meta;
  } catch (err) {
    for (const s of spans) failSpan(s, err);
    throw err;
  } finally {
    for (const s of spans) s.end();
  }
}

export interface ProcessOptions {
  readonly clientId?: string;
}

export interface ProcessSpan {
  readonly span: Span;
  /** The context with the process span active, for `context.with`. */
  readonly ctx: Context;
  /** Ends the span; an error marks it failed. Idempotent. */
  end(err?: unknown): void;
}

/**
 * Starts a `process <topic>` CONSUMER span that continues the producer's trace (child of the
 * context in the record's headers) and links to the producer span. A record without trace context
 * starts a new trace. For callers that manage the span's lifetime themselves (batch processors).
 */
export function startProcessSpan(
  tracer: Tracer,
  record: ConsumedRecord,
  group: string,
  opts: ProcessOptions = {},
): ProcessSpan {
  const parent = extractRecordContext(record.headers);
  const producer = trace.getSpanContext(parent);
  const links: Link[] = producer ? [{ context: producer }] : [];
  const attributes = messageAttributes(record.topic, record.key, record.headers);
  Object.assign(attributes, {
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.partition.id': String(record.partition),
    'messaging.kafka.offset': record.offset,
    'messaging.consumer.group.name': group,
  });
  if (record.value === null) attributes['messaging.kafka.message.tombstone'] = true;
  if (opts.clientId) attributes['messaging.client.id'] = opts.clientId;
  const span = tracer.startSpan(
    `process ${record.topic}`,
    { kind: SpanKind.CONSUMER, attributes, links },
    parent,
  );
  let ended = false;
  return {
    span,
    ctx: trace.setSpan(parent, span),
    end(err) {
      if (ended) return;
      ended = true;
      if (err !== undefined) failSpan(span, err);
      span.end();
    },
  };
}

/** Runs `fn` inside a `process <topic>` span (see startProcessSpan); a rejection marks the span failed. */
export async function processWithSpan<T>(
  tracer: Tracer,
  record: ConsumedRecord,
  group: string,
  fn: (span: Span, ctx: Context) => Promise<T> | T,
  opts: ProcessOptions = {},
): Promise<T> {
  const p = startProcessSpan(tracer, record, group, opts);
  try {
    const out = await context.with(p.ctx, () => fn(p.span, p.ctx));
    p.end();
    return out;
  } catch (err) {
    p.end(err);
    throw err;
  }
}
