import type { ConsumedRecord } from '../../lib/bus/types.ts';
import {
  decodeDlqHeaders,
  isDlqTopicName,
  isRetryTopicName,
  originFromTopicName,
  type DlqInfo,
} from '../../lib/events/dlq.ts';
import { decodeEnvelopeHeaders, type DecodedEnvelope } from '../../lib/events/envelope.ts';
import { decodeUtf8, displayHeaderValue, lastHeader } from '../../lib/events/headers.ts';
import { schemaPayloads, type SchemaProblemKind } from '../schemas/index.ts';
import type { NewRecord, RecordProblem, StoredHeader, ValueKind } from '../store/types.ts';

// Turns a consumed record into what the store keeps. It never throws: whatever a producer wrote
// (binary, invalid UTF-8, megabytes, hundreds of headers, a broken traceparent, a tombstone) is
// kept and marked, and each oddity is named so the console can show it.

export const REPLAY_HEADERS = {
  id: 'x-causeway-replay-id',
  from: 'x-causeway-replayed-from',
  count: 'x-causeway-replay-count',
} as const;

/** Problem labels of `causeway_records_malformed_total` (bounded). */
export type MalformedKind =
  'not_json' | 'not_utf8' | 'truncated' | 'bad_traceparent' | 'bad_header' | SchemaProblemKind;

export interface DecodedRecord {
  /** The record as stored, before chain and anomaly derivation fill in `chainId` / `anomalies`. */
  readonly record: NewRecord;
  readonly envelope: DecodedEnvelope;
  readonly malformed: readonly MalformedKind[];
  /** The parsed JSON payload when the value is JSON and was not truncated. */
  readonly payload: unknown;
  /** `x-causeway-replay-count` of a replayed record (inherited by its dead letter if it fails again). */
  readonly replayCount: number | null;
}

export interface DecodeOptions {
  readonly maxValueBytes: number;
  readonly dlqSuffixes: readonly string[];
  readonly now: number;
}

/** The decode options the collector's configuration gives, as of `now`. */
export const decodeOptionsOf = (
  config: { readonly MAX_VALUE_BYTES: number; readonly DLQ_TOPIC_SUFFIXES: readonly string[] },
  now: number,
): DecodeOptions => ({ maxValueBytes: config.MAX_VALUE_BYTES, dlqSuffixes: config.DLQ_TOPIC_SUFFIXES, now });

// Keys are indexed for search; a pathological multi-megabyte key is kept whole as bytes only.
const MAX_KEY_TEXT = 4096;
const JSON_START = /^\s*[[{]/;
// JSON.parse of a value far larger than any sane event would stall the batch; classify by prefix.
const MAX_PARSE_BYTES = 4 * 1024 * 1024;

function classifyValue(value: Buffer | null, contentType: string | undefined) {
  const problems: RecordProblem[] = [];
  const malformed: MalformedKind[] = [];
  if (value === null) return { kind: 'tombstone' as ValueKind, payload: undefined, problems, malformed };
  if (value.length === 0) return { kind: 'empty' as ValueKind, payload: undefined, problems, malformed };
  const claimsJson = !!contentType && /json/i.test(contentType);
  const claimsText = claimsJson || (!!contentType && /^text\//i.test(contentType));
  const text = decodeUtf8(value.length > MAX_PARSE_BYTES ? value.subarray(0, MAX_PARSE_BYTES) : value);
  if (!text.ok) {
    if (claimsText) {
      problems.push({ problem: `value is not valid UTF-8 although content-type is ${contentType}` });
      malformed.push('not_utf8');
    }
    return { kind: 'binary' as ValueKind, payload: undefined, problems, malformed };
  }
  if ((claimsJson || JSON_START.test(text.value)) && value.length <= MAX_PARSE_BYTES) {
    try {
      return { kind: 'json' as ValueKind, payload: JSON.parse(text.value) as unknown, problems, malformed };
    } catch (err) {
      if (claimsJson) {
        problems.push({
          problem: `value is not valid JSON although content-type is ${contentType}: ${(err as Error).message}`,
        });
        malformed.push('not_json');
      }
    }
  }
  return { kind: 'text' as ValueKind, payload: undefined, problems, malformed };
}

function dlqInfoOf(
  r: ConsumedRecord,
  suffixes: readonly string[],
): { info: DlqInfo | null; isDlq: boolean; isRetry: boolean } {
  const isRetry = isRetryTopicName(r.topic);
  const byName = isDlqTopicName(r.topic, suffixes);
  let info = decodeDlqHeaders(r.headers, byName ? r.topic : undefined) ?? null;
  if (!info && byName) {
    const suffix = suffixes.find((x) => r.topic.toLowerCase().endsWith(x.toLowerCase()));
    const origin =
      originFromTopicName(r.topic) ?? (suffix ? r.topic.slice(0, r.topic.length - suffix.length) : undefined);
    info = { convention: 'name-only', problems: [], ...(origin && { originTopic: origin }) };
  }
  // Dead-letter headers on a record that sits on its own origin topic mean it was redriven by
  // someone, not that this topic is a dead-letter queue.
  const byHeaders = !!info && info.convention !== 'spring-retry-topic' && info.originTopic !== r.topic;
  return { info, isRetry, isDlq: !isRetry && (byName || byHeaders) };
}

export function decodeRecord(r: ConsumedRecord, opts: DecodeOptions): DecodedRecord {
  const headers: StoredHeader[] = r.headers.map((h) => {
    const d = displayHeaderValue(h.value);
    return { key: h.key, value: d.text, encoding: d.encoding };
  });
  const env = decodeEnvelopeHeaders(r.headers);
  const problems: RecordProblem[] = env.problems.map((p) => ({ header: p.header, problem: p.problem }));
  const malformed = new Set<MalformedKind>();
  for (const p of env.problems) malformed.add(p.header === 'traceparent' ? 'bad_traceparent' : 'bad_header');

  const value = classifyValue(r.value, env.contentType);
  problems.push(...value.problems);
  // Schema-registry formats (Avro, Protobuf, JSON Schema): the one hook into collector/schemas.
  const schemas = schemaPayloads(r, value.payload, env.type ?? null);
  problems.push(...schemas.problems);
  for (const k of schemas.kinds) malformed.add(k);
  for (const m of value.malformed) malformed.add(m);

  let stored = r.value;
  const truncated = !!r.value && r.value.length > opts.maxValueBytes;
  if (truncated && r.value) {
    stored = Buffer.from(r.value.subarray(0, opts.maxValueBytes));
    problems.push({ problem: `value truncated to ${opts.maxValueBytes} of ${r.value.length} bytes` });
    malformed.add('truncated');
  }

  const dlq = dlqInfoOf(r, opts.dlqSuffixes);
  if (dlq.info?.problems.length) {
    for (const p of dlq.info.problems) problems.push({ problem: `dead-letter header ${p}` });
    malformed.add('bad_header');
  }

  const key = r.key ? displayHeaderValue(r.key) : null;
  const ceTimeMs = env.time !== undefined ? Date.parse(env.time) : NaN;
  const replayIdRaw = lastHeader(r.headers, REPLAY_HEADERS.id);
  const replayId = replayIdRaw ? displayHeaderValue(replayIdRaw).text.slice(0, 128) : null;
  const countRaw = lastHeader(r.headers, REPLAY_HEADERS.count);
  const count = countRaw ? Number(displayHeaderValue(countRaw).text) : NaN;

  return {
    envelope: env,
    malformed: [...malformed],
    payload: schemas.payload !== undefined ? schemas.payload : truncated ? undefined : value.payload,
    replayCount: Number.isInteger(count) && count >= 0 ? count : null,
    record: {
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      timestamp: Number.isFinite(r.timestamp) ? r.timestamp : 0,
      storedAt: opts.now,
      key: r.key,
      keyText: key ? key.text.slice(0, MAX_KEY_TEXT) : null,
      keyEncoding: key?.encoding ?? null,
      value: stored,
      decodedText: schemas.searchText,
      valueKind: value.kind,
      valueSize: r.value?.length ?? 0,
      valueTruncated: truncated,
      headers,
      problems,
      dlq: dlq.info,
      ceId: env.id ?? null,
      ceType: env.type ?? null,
      ceSource: env.source ?? null,
      ceTime: env.time ?? null,
      ceTimeMs: Number.isFinite(ceTimeMs) ? ceTimeMs : null,
      causationId: env.causationId ?? null,
      correlationId: env.correlationId ?? null,
      traceId: env.trace?.traceId ?? null,
      spanId: env.trace?.spanId ?? null,
      sagaId: env.saga?.id ?? null,
      sagaType: env.saga?.type ?? null,
      sagaStep: env.saga?.step ?? null,
      isDlq: dlq.isDlq,
      isRetry: dlq.isRetry,
      anomalies: [],
      chainId: null,
      replayId,
    },
  };
}
