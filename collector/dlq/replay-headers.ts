import type { RecordHeader } from '../../lib/events/headers.ts';
import { REPLAY_HEADERS } from '../ingest/decode-record.ts';
import type { StoredHeader } from '../store/types.ts';

// The headers a replayed record carries: the original ones (trace context, CloudEvents
// attributes, everything the producer wrote) minus what the failure path added (dead-letter
// context of every convention, retry bookkeeping, earlier replay markers), plus our markers.

const STRIP_PREFIXES = [
  'kafka_dlt-',
  'kafka_original-',
  'kafka_exception-',
  'retry_topic-',
  '__connect.errors.',
  'dead-letter-',
  'x-causeway-',
  'shop_retry-',
];
const STRIP_EXACT = new Set([
  'kafka_deliveryAttempt',
  'original_topic',
  'original_partition',
  'original_offset',
  'original_consumer_group',
]);

export const isFailureHeader = (key: string) =>
  STRIP_EXACT.has(key) || STRIP_PREFIXES.some((p) => key.startsWith(p));

export function storedHeaderBytes(h: StoredHeader): Buffer {
  return h.encoding === 'hex' ? Buffer.from(h.value, 'hex') : Buffer.from(h.value, 'utf8');
}

export function replayHeaders(
  original: readonly StoredHeader[],
  marks: { replayId: string; from: string; count: number },
): RecordHeader[] {
  const kept = original
    .filter((h) => !isFailureHeader(h.key))
    .map((h) => ({ key: h.key, value: storedHeaderBytes(h) }));
  return [
    ...kept,
    { key: REPLAY_HEADERS.id, value: Buffer.from(marks.replayId) },
    { key: REPLAY_HEADERS.from, value: Buffer.from(marks.from) },
    { key: REPLAY_HEADERS.count, value: Buffer.from(String(marks.count)) },
  ];
}
