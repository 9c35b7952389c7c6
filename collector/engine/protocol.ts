import type { Span } from '../../lib/api/chains.ts';
import type { RecordSummary } from '../../lib/api/records.ts';
import type { ConsumedRecord, RecordBatch } from '../../lib/bus/types.ts';
import type { RecordHeader } from '../../lib/events/headers.ts';
import { readBatchHeader, TIMESTAMP_LOG_APPEND } from '../../lib/bus/kafka-record-batch.ts';
import type { SagaDefinition } from '../sagas/definitions.ts';
import type { BatchOutcome, EngineConfig } from './core.ts';
import type { Passed } from './frontier.ts';

// Messages between the collector's main thread and its ingest worker (engine-worker.ts).

export interface WorkerInit {
  readonly dbPath: string;
  readonly config: EngineConfig;
  readonly sagaDefinitions: readonly SagaDefinition[];
  readonly logLevel: string;
  /** Set by the engine when it restarts a worker that died: index one landing chunk per transaction for a while. */
  readonly afterCrash?: boolean;
  /** [landing seq, worker deaths] of chunks whose indexing was under way when a worker died. */
  readonly suspects?: readonly (readonly [number, number])[];
}

export type Request =
  | {
      readonly id: number;
      readonly op: 'land';
      readonly batch: PackedBatch;
      /** Its records past this offset go to the live tail (core.ts `land`). */
      readonly tailAfter: number | undefined;
    }
  | { readonly id: number; readonly op: 'spans'; readonly spans: readonly Span[] }
  | {
      readonly id: number;
      readonly op: 'maintain';
      readonly opts: { olderThan: number; maxRecords: number; maxDeletes: number };
    }
  | { readonly id: number; readonly op: 'close' };

export type Reply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: { name: string; message: string; stack?: string };
    }
  | { readonly id: 0; readonly ready: true }
  /** Unasked: arriving records for the live tail (the engine core's `onTail`). */
  | { readonly id: 0; readonly tail: RecordSummary[] }
  /** Unasked: records indexed (the engine core's event). */
  | { readonly id: 0; readonly indexed: BatchOutcome[] }
  /** Unasked: landed batches indexed or set aside (frontier.ts), and the core's `indexedThrough` after. */
  | { readonly id: 0; readonly passed: Passed[]; readonly indexedThrough: number }
  /** Unasked: an indexing transaction begins with this landing seq (who to blame if the worker dies). */
  | { readonly id: 0; readonly indexing: number }
  /** Unasked, every THROUGH_REPORT_MS: the core's `indexedThrough`. */
  | { readonly id: 0; readonly indexedThrough: number };

/** How often the ingest worker says how far it is through. */
export const THROUGH_REPORT_MS = 250;

/**
 * A batch as one transferable buffer. Structured clone of thousands of small records (objects,
 * Buffers, header arrays) cost the main thread ~45 µs per record, as much as fetching it; packed,
 * it is a few memcpys and the worker reads Buffers that are views into the one it received.
 * Layout per record: offset f64, timestamp f64, key length i32 (-1 null), value length i32,
 * header count u32, then per header key length u32 + UTF-8 key + value length u32 + bytes, then
 * key and value bytes.
 */
export interface PackedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly highWatermark: number;
  /** Offset of the batch's last record (null when empty): with the watermark, how far behind. */
  readonly lastOffset: number | null;
  readonly count: number;
  /**
   * The oldest timestamp among the records (+Infinity when none): where the batch holds back the
   * frontier of the stages it passes through (frontier.ts).
   */
  readonly minTimestamp: number;
  /** The last record is part of a transaction: a commit marker follows it on the partition. */
  readonly endsInTransaction: boolean;
  /**
   * 'packed': records in the layout above; 'kafka': Kafka record batches as fetched, one after
   * another, their records from `fromOffset` on (`count` is then the batches' record counts).
   */
  readonly format: 'packed' | 'kafka';
  readonly fromOffset: number;
  readonly bytes: ArrayBuffer;
}

/**
 * A fetched batch as what crosses to the worker: its records packed, and its raw Kafka record
 * batches (from a raw consumer) copied into one buffer as they are; usually just one of the two.
 */
export function packBatches(b: RecordBatch): PackedBatch[] {
  const out = b.records.length || !b.raw ? [packBatch(b)] : [];
  if (b.raw) {
    const bytes = Buffer.allocUnsafeSlow(b.raw.batches.reduce((n, x) => n + x.length, 0));
    let at = 0;
    for (const x of b.raw.batches) at += x.copy(bytes, at);
    out.push({
      topic: b.topic,
      partition: b.partition,
      highWatermark: b.highWatermark,
      lastOffset: b.raw.lastOffset,
      count: b.raw.count,
      minTimestamp: oldestInBatches(b.raw.batches),
      endsInTransaction: lastIsTransactional(b.raw.batches),
      format: 'kafka',
      fromOffset: b.raw.fromOffset,
      bytes: bytes.buffer,
    });
  }
  return out;
}

/**
 * The oldest timestamp of a landed chunk's records (+Infinity when it has none), from its bytes:
 * a Kafka record batch's header, or each packed record. -Infinity when the bytes cannot be read:
 * of unknown time, it holds every deadline back until indexed.
 */
export function oldestInChunk(format: 'packed' | 'kafka', body: Buffer): number {
  if (format === 'kafka') return readBatchHeader(body) ? oldestInBatches([body]) : -Infinity;
  try {
    let min = Infinity;
    for (const r of readPackedRecords(body, '', 0)) if (r.timestamp < min) min = r.timestamp;
    return min;
  } catch {
    return -Infinity;
  }
}

/** The oldest first timestamp of Kafka record batches (their log-append time where the broker set it). */
function oldestInBatches(batches: readonly Buffer[]): number {
  let min = Infinity;
  for (const x of batches) {
    const h = readBatchHeader(x);
    if (!h || h.control) continue;
    const ts = h.attributes & TIMESTAMP_LOG_APPEND ? h.maxTimestamp : h.baseTimestamp;
    if (ts < min) min = ts;
  }
  return min;
}

/** Whether the last of the record batches with records was written in a transaction. */
function lastIsTransactional(batches: readonly Buffer[]): boolean {
  for (let i = batches.length - 1; i >= 0; i--) {
    const h = readBatchHeader(batches[i]!);
    if (h && !h.control) return h.transactional;
  }
  return false;
}

export function packBatch(b: RecordBatch): PackedBatch {
  // Header keys are measured, then encoded straight into the buffer: no Buffer per header (this
  // runs on the fetching thread, for every record).
  let size = 0;
  let minTimestamp = Infinity;
  for (const r of b.records) {
    if (r.timestamp < minTimestamp) minTimestamp = r.timestamp;
    size += 28 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
    for (const h of r.headers) size += 8 + Buffer.byteLength(h.key, 'utf8') + h.value.length;
  }
  const buf = Buffer.allocUnsafeSlow(size);
  let at = 0;
  for (const r of b.records) {
    at = buf.writeDoubleLE(r.offset, at);
    at = buf.writeDoubleLE(r.timestamp, at);
    at = buf.writeInt32LE(r.key ? r.key.length : -1, at);
    at = buf.writeInt32LE(r.value ? r.value.length : -1, at);
    at = buf.writeUInt32LE(r.headers.length, at);
    for (const h of r.headers) {
      const kl = buf.write(h.key, at + 4, 'utf8');
      buf.writeUInt32LE(kl, at);
      at += 4 + kl;
      at = buf.writeUInt32LE(h.value.length, at);
      at += h.value.copy(buf, at);
    }
    if (r.key) at += r.key.copy(buf, at);
    if (r.value) at += r.value.copy(buf, at);
  }
  const bytes = buf.buffer;
  return {
    topic: b.topic,
    partition: b.partition,
    highWatermark: b.highWatermark,
    lastOffset: b.records.at(-1)?.offset ?? null,
    count: b.records.length,
    minTimestamp,
    endsInTransaction: false,
    format: 'packed',
    fromOffset: b.records[0]?.offset ?? 0,
    bytes,
  };
}

/** Reads the packed record at `at` (views into `buf`, no copies) and where the next one starts. */
export function readPackedRecord(
  buf: Buffer,
  at: number,
  topic: string,
  partition: number,
): { record: ConsumedRecord; end: number } {
  const offset = buf.readDoubleLE(at);
  const timestamp = buf.readDoubleLE(at + 8);
  const keyLen = buf.readInt32LE(at + 16);
  const valueLen = buf.readInt32LE(at + 20);
  const nHeaders = buf.readUInt32LE(at + 24);
  at += 28;
  const headers: RecordHeader[] = [];
  for (let j = 0; j < nHeaders; j++) {
    const kl = buf.readUInt32LE(at);
    const key = buf.toString('utf8', at + 4, at + 4 + kl);
    at += 4 + kl;
    const vl = buf.readUInt32LE(at);
    headers.push({ key, value: buf.subarray(at + 4, at + 4 + vl) });
    at += 4 + vl;
  }
  const key = keyLen < 0 ? null : buf.subarray(at, at + keyLen);
  at += Math.max(0, keyLen);
  const value = valueLen < 0 ? null : buf.subarray(at, at + valueLen);
  at += Math.max(0, valueLen);
  return { record: { topic, partition, offset, timestamp, key, value, headers }, end: at };
}

/** Each packed record's offset and where it ends: where a batch may be cut into landing chunks. */
export function packedLayout(buf: Buffer, count: number): { offsets: Float64Array; ends: Float64Array } {
  const offsets = new Float64Array(count);
  const ends = new Float64Array(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    offsets[i] = buf.readDoubleLE(at);
    const keyLen = buf.readInt32LE(at + 16);
    const valueLen = buf.readInt32LE(at + 20);
    const nHeaders = buf.readUInt32LE(at + 24);
    at += 28;
    for (let j = 0; j < nHeaders; j++) {
      at += 4 + buf.readUInt32LE(at);
      at += 4 + buf.readUInt32LE(at);
    }
    at += Math.max(0, keyLen) + Math.max(0, valueLen);
    ends[i] = at;
  }
  return { offsets, ends };
}

/** Every record packed one after another in `body` (a landing chunk's), as views into it. */
export function readPackedRecords(body: Buffer, topic: string, partition: number): ConsumedRecord[] {
  const out: ConsumedRecord[] = [];
  for (let at = 0; at < body.length;) {
    const r = readPackedRecord(body, at, topic, partition);
    out.push(r.record);
    at = r.end;
  }
  return out;
}
