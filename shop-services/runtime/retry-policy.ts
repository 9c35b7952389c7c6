import type { ConsumedRecord } from '../../lib/bus/types.ts';
import { SPRING_RETRY, encodeSpringDltHeaders } from '../../lib/events/dlq.ts';
import {
  decodeBinaryInt,
  encodeInt32BE,
  encodeInt64BE,
  firstHeader,
  headerString,
  lastHeader,
  type RecordHeader,
} from '../../lib/events/headers.ts';
import { AppError } from '../../lib/errors.ts';

// Retry-or-dead-letter decisions and the headers of the records they produce, kept pure so the
// rules are unit-tested apart from any bus. Retries follow Spring Kafka's non-blocking retry
// topics (`<topic>-retry`, `retry_topic-*`, first `kafka_original-*` kept); dead letters follow
// Spring's DeadLetterPublishingRecoverer (`kafka_dlt-*`, binary ints) with every original header
// kept, so a replay carries the same ce_id and the receivers' idempotency still holds.

/** Which consumer group a retry record is for: several groups share one `<topic>-retry`. */
export const RETRY_GROUP_HEADER = 'shop_retry-group';
const BACKOFF_HEADER = 'retry_topic-backoff-timestamp';
const MAX_BACKOFF_MS = 30_000;

export interface FailureInfo {
  readonly retriable: boolean;
  readonly fqcn: string;
  readonly message: string;
  readonly stack?: string;
}

/**
 * AppError says itself whether it is retriable. Anything else (a driver error, SQLITE_BUSY, a
 * bug) is treated as transient, as Spring's DefaultErrorHandler does: retried a bounded number of
 * times, then dead-lettered, so nothing is lost and nothing loops forever.
 */
export function describeFailure(err: unknown): FailureInfo {
  if (err instanceof AppError)
    return {
      retriable: err.retriable,
      fqcn: `AppError.${err.code}`,
      message: err.message.slice(0, 1000),
      ...(err.stack && { stack: err.stack.slice(0, 4000) }),
    };
  if (err instanceof Error)
    return {
      retriable: true,
      fqcn: err.name,
      message: err.message.slice(0, 1000),
      ...(err.stack && { stack: err.stack.slice(0, 4000) }),
    };
  return { retriable: true, fqcn: 'Error', message: String(err).slice(0, 1000) };
}

export type FailureDecision =
  | { readonly action: 'retry'; readonly nextAttempt: number; readonly delayMs: number }
  | { readonly action: 'dead-letter'; readonly reason: 'non-retriable' | 'attempts-exhausted' };

/** `attempt` is 1 for the first delivery. After `maxAttempts` deliveries the record is dead. */
export function decideFailure(
  failure: Pick<FailureInfo, 'retriable'>,
  attempt: number,
  maxAttempts: number,
  backoffMs: number,
): FailureDecision {
  if (!failure.retriable) return { action: 'dead-letter', reason: 'non-retriable' };
  if (attempt >= maxAttempts) return { action: 'dead-letter', reason: 'attempts-exhausted' };
  return { action: 'retry', nextAttempt: attempt + 1, delayMs: retryDelayMs(attempt, backoffMs) };
}

/** Exponential: backoff, 2×backoff, 4×backoff... capped. */
export const retryDelayMs = (attempt: number, backoffMs: number) =>
  Math.min(backoffMs * 2 ** Math.max(0, attempt - 1), MAX_BACKOFF_MS);

const int = (h: Buffer | undefined) => {
  if (!h) return undefined;
  const d = decodeBinaryInt(h);
  return d.ok ? d.value : undefined;
};

/** The delivery number of a record: 1 unless a retry topic says otherwise. */
export const attemptOf = (record: ConsumedRecord) =>
  int(lastHeader(record.headers, SPRING_RETRY.attempts)) ?? 1;

/** When a retry record becomes due (ms since epoch); 0 when it has no backoff header. */
export const dueAtOf = (record: ConsumedRecord) => int(lastHeader(record.headers, BACKOFF_HEADER)) ?? 0;

export const retryGroupOf = (record: ConsumedRecord) => headerString(record.headers, RETRY_GROUP_HEADER);

export interface Origin {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
}

/** Where a record first arrived: the first `kafka_original-*` of a retried record, else itself. */
export function originOf(record: ConsumedRecord, mainTopic: string): Origin {
  return {
    topic: headerString(record.headers, SPRING_RETRY.originalTopic) ?? mainTopic,
    partition: int(firstHeader(record.headers, SPRING_RETRY.originalPartition)) ?? record.partition,
    offset: int(firstHeader(record.headers, SPRING_RETRY.originalOffset)) ?? record.offset,
    timestamp: int(firstHeader(record.headers, SPRING_RETRY.originalTimestamp)) ?? record.timestamp,
  };
}

const REPLACED_ON_RETRY = new Set<string>([
  SPRING_RETRY.attempts,
  BACKOFF_HEADER,
  RETRY_GROUP_HEADER,
  SPRING_RETRY.exceptionFqcn,
  SPRING_RETRY.exceptionMessage,
  SPRING_RETRY.exceptionStacktrace,
]);

export function retryHeaders(
  record: ConsumedRecord,
  origin: Origin,
  group: string,
  nextAttempt: number,
  dueAt: number,
  failure: FailureInfo,
): RecordHeader[] {
  const kept = record.headers.filter((h) => !REPLACED_ON_RETRY.has(h.key));
  const hasOriginal = record.headers.some((h) => h.key === SPRING_RETRY.originalTopic);
  const out: RecordHeader[] = [...kept];
  if (!hasOriginal)
    out.push(
      { key: SPRING_RETRY.originalTopic, value: Buffer.from(origin.topic) },
      { key: SPRING_RETRY.originalPartition, value: encodeInt32BE(origin.partition) },
      { key: SPRING_RETRY.originalOffset, value: encodeInt64BE(origin.offset) },
      { key: SPRING_RETRY.originalTimestamp, value: encodeInt64BE(origin.timestamp) },
    );
  out.push(
    { key: SPRING_RETRY.exceptionFqcn, value: Buffer.from(failure.fqcn) },
    { key: SPRING_RETRY.exceptionMessage, value: Buffer.from(failure.message) },
    { key: SPRING_RETRY.attempts, value: encodeInt32BE(nextAttempt) },
    { key: BACKOFF_HEADER, value: encodeInt64BE(dueAt) },
    { key: RETRY_GROUP_HEADER, value: Buffer.from(group) },
  );
  return out;
}

export function deadLetterHeaders(
  record: ConsumedRecord,
  origin: Origin,
  group: string,
  attempt: number,
  failure: FailureInfo,
): RecordHeader[] {
  return [
    ...record.headers,
    ...encodeSpringDltHeaders({
      originTopic: origin.topic,
      originPartition: origin.partition,
      originOffset: origin.offset,
      originTimestamp: origin.timestamp,
      group,
      error: { fqcn: failure.fqcn, message: failure.message, ...(failure.stack && { stack: failure.stack }) },
      attempts: attempt,
    }),
  ];
}
