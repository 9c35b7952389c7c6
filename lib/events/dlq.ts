import {
  decodeBinaryInt,
  decodeFlexibleInt,
  decodeUtf8,
  encodeInt32BE,
  encodeInt64BE,
  firstHeader,
  lastHeader,
  type RecordHeader,
  type RecordHeaders,
} from './headers.ts';

// Dead-letter conventions Causeway reads, normalised to one shape. Spring's blocking recoverer
// republishes with `kafka_dlt-*` headers (binary ints, last occurrence current); Spring's
// non-blocking retry topics use `kafka_original-*` (first occurrence kept) and `kafka_exception-*`;
// Kafka Connect writes `__connect.errors.*` as strings; SmallRye `dead-letter-*`; Karafka
// `original_*`. The shop writes Spring blocking headers, so Java consumers would read them too.

export type DlqConvention =
  'spring' | 'spring-retry-topic' | 'kafka-connect' | 'smallrye' | 'karafka' | 'name-only';

export interface DlqInfo {
  readonly convention: DlqConvention;
  readonly originTopic?: string;
  readonly originPartition?: number;
  readonly originOffset?: number;
  readonly originTimestamp?: number;
  readonly originGroup?: string;
  readonly errorClass?: string;
  readonly errorCauseClass?: string;
  readonly errorMessage?: string;
  readonly errorStack?: string;
  readonly attempts?: number;
  /** Headers that were present but could not be decoded. */
  readonly problems: readonly string[];
}

export const SPRING_DLT = {
  originalTopic: 'kafka_dlt-original-topic',
  originalPartition: 'kafka_dlt-original-partition',
  originalOffset: 'kafka_dlt-original-offset',
  originalTimestamp: 'kafka_dlt-original-timestamp',
  originalTimestampType: 'kafka_dlt-original-timestamp-type',
  originalGroup: 'kafka_dlt-original-consumer-group',
  exceptionFqcn: 'kafka_dlt-exception-fqcn',
  exceptionCauseFqcn: 'kafka_dlt-exception-cause-fqcn',
  exceptionMessage: 'kafka_dlt-exception-message',
  exceptionStacktrace: 'kafka_dlt-exception-stacktrace',
} as const;

export const SPRING_RETRY = {
  originalTopic: 'kafka_original-topic',
  originalPartition: 'kafka_original-partition',
  originalOffset: 'kafka_original-offset',
  originalTimestamp: 'kafka_original-timestamp',
  exceptionFqcn: 'kafka_exception-fqcn',
  exceptionCauseFqcn: 'kafka_exception-cause-fqcn',
  exceptionMessage: 'kafka_exception-message',
  exceptionStacktrace: 'kafka_exception-stacktrace',
  attempts: 'retry_topic-attempts',
  deliveryAttempt: 'kafka_deliveryAttempt',
} as const;

/** Is this topic name a dead-letter topic by the common suffixes? Retry topics are not. */
export function isDlqTopicName(topic: string, extraSuffixes: readonly string[] = []): boolean {
  const lower = topic.toLowerCase();
  return ['-dlt', '.dlt', '-dlq', '.dlq', '_dlq', '_dlt', ...extraSuffixes].some((s) => lower.endsWith(s));
}

/** `orders.events-retry`, `-retry-0`, `-retry-1000`: Spring's retry topics. */
export function isRetryTopicName(topic: string): boolean {
  return /-retry(-\d+)?$/.test(topic);
}

/** The origin topic implied by a DLQ or retry topic's name alone. */
export function originFromTopicName(topic: string): string | undefined {
  const m = /^(.*?)(?:-retry(?:-\d+)?|[-._](?:dlt|dlq|DLT|DLQ))$/.exec(topic);
  return m?.[1] || undefined;
}

export function decodeDlqHeaders(headers: RecordHeaders, topic?: string): DlqInfo | undefined {
  const problems: string[] = [];
  const str = (key: string, pick = lastHeader): string | undefined => {
    const raw = pick(headers, key);
    if (raw === undefined) return undefined;
    const d = decodeUtf8(raw);
    if (d.ok) return d.value;
    problems.push(`${key}: ${d.error}`);
    return undefined;
  };
  const bin = (key: string, pick = lastHeader): number | undefined => {
    const raw = pick(headers, key);
    if (raw === undefined) return undefined;
    const d = decodeBinaryInt(raw);
    if (d.ok) return d.value;
    // Some producers write these as text even under Spring's names; accept that too.
    const f = decodeFlexibleInt(raw);
    if (f.ok) return f.value;
    problems.push(`${key}: ${d.error}`);
    return undefined;
  };
  // Kafka Connect, SmallRye and Karafka write positions as decimal text, never binary. The flexible
  // decoder would read any 2, 4 or 8-byte text that is not digits ("zero", "none") as a binary int
  // and report a made-up partition (2053468783 for "zero") that a replay would then target.
  const num = (key: string): number | undefined => {
    const raw = lastHeader(headers, key);
    if (raw === undefined) return undefined;
    const text = decodeUtf8(raw);
    if (text.ok && /^-?\d{1,16}$/.test(text.value.trim())) return Number(text.value.trim());
    problems.push(`${key}: not a decimal integer (${raw.byteLength} bytes)`);
    return undefined;
  };
  const has = (prefix: string) => headers.some((h) => h.key.startsWith(prefix));

  if (has('kafka_dlt-')) {
    const attempts = bin(SPRING_RETRY.attempts) ?? bin(SPRING_RETRY.deliveryAttempt);
    return clean({
      convention: 'spring',
      originTopic: str(SPRING_DLT.originalTopic) ?? str(SPRING_RETRY.originalTopic, firstHeader),
      originPartition: bin(SPRING_DLT.originalPartition) ?? bin(SPRING_RETRY.originalPartition, firstHeader),
      originOffset: bin(SPRING_DLT.originalOffset) ?? bin(SPRING_RETRY.originalOffset, firstHeader),
      originTimestamp: bin(SPRING_DLT.originalTimestamp) ?? bin(SPRING_RETRY.originalTimestamp, firstHeader),
      originGroup: str(SPRING_DLT.originalGroup),
      errorClass: str(SPRING_DLT.exceptionFqcn) ?? str(SPRING_RETRY.exceptionFqcn),
      errorCauseClass: str(SPRING_DLT.exceptionCauseFqcn) ?? str(SPRING_RETRY.exceptionCauseFqcn),
      errorMessage: str(SPRING_DLT.exceptionMessage) ?? str(SPRING_RETRY.exceptionMessage),
      errorStack: str(SPRING_DLT.exceptionStacktrace) ?? str(SPRING_RETRY.exceptionStacktrace),
      attempts,
      problems,
    });
  }
  if (has('kafka_original-') || has('kafka_exception-')) {
    return clean({
      convention: 'spring-retry-topic',
      originTopic: str(SPRING_RETRY.originalTopic, firstHeader),
      originPartition: bin(SPRING_RETRY.originalPartition, firstHeader),
      originOffset: bin(SPRING_RETRY.originalOffset, firstHeader),
      originTimestamp: bin(SPRING_RETRY.originalTimestamp, firstHeader),
      originGroup: str(SPRING_DLT.originalGroup),
      errorClass: str(SPRING_RETRY.exceptionFqcn),
      errorCauseClass: str(SPRING_RETRY.exceptionCauseFqcn),
      errorMessage: str(SPRING_RETRY.exceptionMessage),
      errorStack: str(SPRING_RETRY.exceptionStacktrace),
      attempts: bin(SPRING_RETRY.attempts) ?? bin(SPRING_RETRY.deliveryAttempt),
      problems,
    });
  }
  if (has('__connect.errors.')) {
    const p = '__connect.errors.';
    return clean({
      convention: 'kafka-connect',
      originTopic: str(`${p}topic`),
      originPartition: num(`${p}partition`),
      originOffset: num(`${p}offset`),
      originGroup: str(`${p}connector.name`),
      errorClass: str(`${p}exception.class.name`) ?? str(`${p}class.name`),
      errorMessage: str(`${p}exception.message`),
      errorStack: str(`${p}exception.stacktrace`),
      problems,
    });
  }
  if (has('dead-letter-')) {
    return clean({
      convention: 'smallrye',
      originTopic: str('dead-letter-topic'),
      originPartition: num('dead-letter-partition'),
      originOffset: num('dead-letter-offset'),
      errorClass: str('dead-letter-exception-class-name') ?? str('dead-letter-cause-class-name'),
      errorMessage: str('dead-letter-reason'),
      errorStack: str('dead-letter-cause'),
      problems,
    });
  }
  if (has('original_topic')) {
    return clean({
      convention: 'karafka',
      originTopic: str('original_topic'),
      originPartition: num('original_partition'),
      originOffset: num('original_offset'),
      originGroup: str('original_consumer_group'),
      problems,
    });
  }
  if (topic !== undefined && isDlqTopicName(topic)) {
    return clean({ convention: 'name-only', originTopic: originFromTopicName(topic), problems });
  }
  return undefined;
}

function clean(info: { [K in keyof DlqInfo]: DlqInfo[K] | undefined }): DlqInfo {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(info)) if (v !== undefined) out[k] = v;
  return out as unknown as DlqInfo;
}

export interface SpringDltInput {
  readonly originTopic: string;
  readonly originPartition: number;
  readonly originOffset: number;
  readonly originTimestamp: number;
  readonly group: string;
  readonly error: { fqcn: string; message: string; stack?: string; causeFqcn?: string };
  readonly attempts?: number;
}

/** Spring Kafka's DeadLetterPublishingRecoverer headers, binary where Spring writes binary. */
export function encodeSpringDltHeaders(d: SpringDltInput): RecordHeader[] {
  const h: RecordHeader[] = [
    { key: SPRING_DLT.originalTopic, value: Buffer.from(d.originTopic) },
    { key: SPRING_DLT.originalPartition, value: encodeInt32BE(d.originPartition) },
    { key: SPRING_DLT.originalOffset, value: encodeInt64BE(d.originOffset) },
    { key: SPRING_DLT.originalTimestamp, value: encodeInt64BE(d.originTimestamp) },
    { key: SPRING_DLT.originalTimestampType, value: Buffer.from('CreateTime') },
    { key: SPRING_DLT.originalGroup, value: Buffer.from(d.group) },
    { key: SPRING_DLT.exceptionFqcn, value: Buffer.from(d.error.fqcn) },
    { key: SPRING_DLT.exceptionMessage, value: Buffer.from(d.error.message) },
  ];
  if (d.error.causeFqcn)
    h.push({ key: SPRING_DLT.exceptionCauseFqcn, value: Buffer.from(d.error.causeFqcn) });
  if (d.error.stack) h.push({ key: SPRING_DLT.exceptionStacktrace, value: Buffer.from(d.error.stack) });
  if (d.attempts !== undefined) h.push({ key: SPRING_RETRY.attempts, value: encodeInt32BE(d.attempts) });
  return h;
}
