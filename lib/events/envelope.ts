import { randomUUID } from 'node:crypto';
import { decodeUtf8, lastHeader, type RecordHeader, type RecordHeaders } from './headers.ts';
import { parseTraceparent, type TraceContext } from './traceparent.ts';

// CloudEvents 1.0 Kafka protocol binding, binary content mode: attributes travel as `ce_*`
// headers, the data is the record value, `content-type` names its media type. Our extensions
// (`ce_causationid`, `ce_correlationid`, `ce_saga*`) are CloudEvents extension attributes, which
// the binding also maps to `ce_<name>` headers.

export const CE_HEADERS = {
  specversion: 'ce_specversion',
  id: 'ce_id',
  source: 'ce_source',
  type: 'ce_type',
  time: 'ce_time',
  subject: 'ce_subject',
  dataschema: 'ce_dataschema',
  contentType: 'content-type',
  causationId: 'ce_causationid',
  correlationId: 'ce_correlationid',
  sagaId: 'ce_sagaid',
  sagaType: 'ce_sagatype',
  sagaStep: 'ce_sagastep',
} as const;

export const TRACE_HEADERS = { traceparent: 'traceparent', tracestate: 'tracestate' } as const;

export interface SagaRef {
  readonly id: string;
  readonly type: string;
  readonly step?: string;
}

export interface EventEnvelope {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly time: string;
  readonly subject?: string;
  readonly datacontenttype?: string;
  readonly causationId?: string;
  readonly correlationId?: string;
  readonly saga?: SagaRef;
  readonly traceparent?: string;
  readonly tracestate?: string;
}

export interface NewEnvelope {
  readonly source: string;
  readonly type: string;
  readonly id?: string;
  readonly time?: Date | string;
  readonly subject?: string;
  readonly causationId?: string;
  readonly correlationId?: string;
  readonly saga?: SagaRef;
  readonly traceparent?: string;
  readonly tracestate?: string;
  readonly datacontenttype?: string;
}

export function createEnvelope(e: NewEnvelope): EventEnvelope {
  const time = e.time instanceof Date ? e.time.toISOString() : (e.time ?? new Date().toISOString());
  return {
    specversion: '1.0',
    id: e.id ?? randomUUID(),
    source: e.source,
    type: e.type,
    time,
    datacontenttype: e.datacontenttype ?? 'application/json',
    ...(e.subject !== undefined && { subject: e.subject }),
    ...(e.causationId !== undefined && { causationId: e.causationId }),
    ...(e.correlationId !== undefined && { correlationId: e.correlationId }),
    ...(e.saga !== undefined && { saga: e.saga }),
    ...(e.traceparent !== undefined && { traceparent: e.traceparent }),
    ...(e.tracestate !== undefined && { tracestate: e.tracestate }),
  };
}

/** Headers for a record in CloudEvents binary mode, plus trace context and our extensions. */
export function encodeEnvelopeHeaders(env: EventEnvelope): RecordHeader[] {
  const pairs: [string, string | undefined][] = [
    [CE_HEADERS.specversion, env.specversion],
    [CE_HEADERS.id, env.id],
    [CE_HEADERS.source, env.source],
    [CE_HEADERS.type, env.type],
    [CE_HEADERS.time, env.time],
    [CE_HEADERS.subject, env.subject],
    [CE_HEADERS.contentType, env.datacontenttype],
    [CE_HEADERS.causationId, env.causationId],
    [CE_HEADERS.correlationId, env.correlationId],
    [CE_HEADERS.sagaId, env.saga?.id],
    [CE_HEADERS.sagaType, env.saga?.type],
    [CE_HEADERS.sagaStep, env.saga?.step],
    [TRACE_HEADERS.traceparent, env.traceparent],
    [TRACE_HEADERS.tracestate, env.tracestate],
  ];
  return pairs
    .filter((p): p is [string, string] => p[1] !== undefined && p[1] !== '')
    .map(([key, v]) => ({ key, value: Buffer.from(v, 'utf8') }));
}

export interface HeaderProblem {
  readonly header: string;
  readonly problem: string;
}

/** What could be read from a record's headers; every field optional, problems listed, never throws. */
export interface DecodedEnvelope {
  readonly isCloudEvent: boolean;
  readonly id?: string;
  readonly source?: string;
  readonly type?: string;
  readonly time?: string;
  readonly subject?: string;
  readonly contentType?: string;
  readonly causationId?: string;
  readonly correlationId?: string;
  readonly saga?: { id: string; type?: string; step?: string };
  readonly traceparent?: string;
  readonly trace?: TraceContext;
  readonly problems: readonly HeaderProblem[];
}

const MAX_ATTR_LENGTH = 1024;

export function decodeEnvelopeHeaders(headers: RecordHeaders): DecodedEnvelope {
  const problems: HeaderProblem[] = [];
  const text = (key: string): string | undefined => {
    const raw = lastHeader(headers, key);
    if (raw === undefined) return undefined;
    const d = decodeUtf8(raw);
    if (!d.ok) {
      problems.push({ header: key, problem: d.error });
      return undefined;
    }
    if (d.value.length > MAX_ATTR_LENGTH) {
      problems.push({ header: key, problem: `longer than ${MAX_ATTR_LENGTH} characters` });
      return undefined;
    }
    return d.value;
  };

  const specversion = text(CE_HEADERS.specversion);
  const id = text(CE_HEADERS.id);
  const source = text(CE_HEADERS.source);
  const type = text(CE_HEADERS.type);
  const time = text(CE_HEADERS.time);
  if (specversion !== undefined && specversion !== '1.0')
    problems.push({ header: CE_HEADERS.specversion, problem: `unsupported specversion ${specversion}` });
  if (time !== undefined && Number.isNaN(Date.parse(time)))
    problems.push({ header: CE_HEADERS.time, problem: 'not an RFC 3339 timestamp' });
  const isCloudEvent = specversion === '1.0' && !!id && !!source && !!type;
  if (specversion !== undefined && !isCloudEvent)
    problems.push({
      header: CE_HEADERS.specversion,
      problem: 'CloudEvent is missing ce_id, ce_source or ce_type',
    });

  const traceparent = text(TRACE_HEADERS.traceparent);
  let trace: TraceContext | undefined;
  if (traceparent !== undefined) {
    const t = parseTraceparent(traceparent);
    if (t.ok) trace = t.value;
    else problems.push({ header: TRACE_HEADERS.traceparent, problem: t.error });
  }

  const sagaId = text(CE_HEADERS.sagaId);
  const sagaType = text(CE_HEADERS.sagaType);
  const sagaStep = text(CE_HEADERS.sagaStep);
  const contentType = text(CE_HEADERS.contentType);
  const subject = text(CE_HEADERS.subject);
  const causationId = text(CE_HEADERS.causationId);
  const correlationId = text(CE_HEADERS.correlationId);
  return {
    isCloudEvent,
    problems,
    ...(id !== undefined && { id }),
    ...(source !== undefined && { source }),
    ...(type !== undefined && { type }),
    ...(time !== undefined && { time }),
    ...(subject !== undefined && { subject }),
    ...(contentType !== undefined && { contentType }),
    ...(causationId !== undefined && { causationId }),
    ...(correlationId !== undefined && { correlationId }),
    ...(sagaId !== undefined && {
      saga: {
        id: sagaId,
        ...(sagaType !== undefined && { type: sagaType }),
        ...(sagaStep !== undefined && { step: sagaStep }),
      },
    }),
    ...(traceparent !== undefined && { traceparent }),
    ...(trace !== undefined && { trace }),
  };
}
