import type { KafkaMessage } from 'kafkajs';
import { normalizeHeaders } from '../events/headers.ts';
import { readBatchHeader } from './kafka-record-batch.ts';
import type { ConsumedRecord, RawRecordBatches } from './types.ts';

// What one kafkajs batch (a partition's share of a fetch) becomes for a handler: parts of at most
// `maxRecords` records each (`ConsumerOptions.maxBatchRecords`), each one handler call with its own
// offsets. Decoded messages split anywhere; a raw Kafka record batch cannot be split without
// decoding it, so one larger than `maxRecords` is a part by itself.

export interface BatchPart {
  readonly records: ConsumedRecord[];
  readonly raw: RawRecordBatches | undefined;
  /** The part's first and last offsets (the range it commits). */
  readonly first: number;
  readonly last: number;
}

interface Building {
  records: ConsumedRecord[];
  batches: Buffer[];
  count: number;
  rawFirst: number;
  rawLast: number;
  first: number;
  last: number;
}

const empty = (): Building => ({
  records: [],
  batches: [],
  count: 0,
  rawFirst: Infinity,
  rawLast: -1,
  first: Infinity,
  last: -1,
});

function finish(b: Building): BatchPart {
  const raw = b.batches.length
    ? { fromOffset: b.rawFirst, lastOffset: b.rawLast, count: b.count, batches: b.batches }
    : undefined;
  return { records: b.records, raw, first: b.first, last: b.last };
}

export function batchParts(
  batch: { topic: string; partition: number; messages: readonly KafkaMessage[] },
  opts: {
    /** The offset kafkajs fetched from: records of a raw batch before it are not delivered. */
    fetchedOffset: number;
    maxRecords: number;
    /** The original record batch when `m` is a wrapped one (kafka-raw-socket.ts), else null. */
    rawBatchOf: (m: KafkaMessage) => Buffer | null;
  },
): BatchPart[] {
  const parts: BatchPart[] = [];
  let b = empty();
  const size = () => b.records.length + b.count;
  for (const m of batch.messages) {
    const rawBatch = opts.rawBatchOf(m);
    const h = rawBatch && readBatchHeader(rawBatch);
    const n = h ? h.recordCount : 1;
    if (size() > 0 && size() + n > opts.maxRecords) {
      parts.push(finish(b));
      b = empty();
    }
    if (rawBatch && h) {
      b.batches.push(rawBatch);
      b.count += h.recordCount;
      b.rawFirst = Math.min(b.rawFirst, Math.max(h.baseOffset, opts.fetchedOffset));
      b.rawLast = Math.max(b.rawLast, h.lastOffset);
      b.first = Math.min(b.first, b.rawFirst);
      b.last = Math.max(b.last, b.rawLast);
      continue;
    }
    const offset = Number(m.offset);
    b.first = Math.min(b.first, offset);
    b.last = Math.max(b.last, offset);
    b.records.push({
      topic: batch.topic,
      partition: batch.partition,
      offset,
      timestamp: Number(m.timestamp),
      key: m.key ?? null,
      value: m.value ?? null,
      headers: normalizeHeaders(m.headers),
    });
  }
  if (b.last >= 0) parts.push(finish(b));
  return parts;
}
