import { gunzipSync } from 'node:zlib';
import * as zlib from 'node:zlib';
import type { RecordHeader } from '../events/headers.ts';
import { DecompressionError, lz4Decompress, snappyDecompress } from './kafka-compression.ts';
import type { ConsumedRecord } from './types.ts';

// Kafka's record batch (message format v2, "magic 2"), read without kafkajs: the collector takes
// batches from the broker as bytes (kafka-raw-socket.ts), stores them as they are, and decodes their
// records here, later and off the fetching thread. Layout (all big-endian):
//   baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 | crc uint32 |
//   attributes int16 | lastOffsetDelta int32 | baseTimestamp int64 | maxTimestamp int64 |
//   producerId int64 | producerEpoch int16 | baseSequence int32 | recordCount int32 | records
// where each record is: length varint | attributes int8 | timestampDelta varlong |
//   offsetDelta varint | keyLength varint | key | valueLength varint | value |
//   headerCount varint | (headerKeyLength varint | headerKey | headerValueLength varint | value)*
// Varints are zigzag-encoded; a length of -1 is null. Attributes: bits 0-2 the compression codec
// of the records section, bit 3 log-append time, bit 4 transactional, bit 5 control batch.

/** Bytes before `records`; `batchLength` counts from after itself (offset 12). */
export const BATCH_HEADER_BYTES = 61;
/** The attribute bit saying the broker set the batch's timestamps (log-append time). */
export const TIMESTAMP_LOG_APPEND = 0x8;
const LENGTH_PREFIX = 12;

export interface BatchHeader {
  readonly baseOffset: number;
  readonly lastOffset: number;
  /** The whole batch in bytes, from baseOffset to the end of its last record. */
  readonly size: number;
  readonly magic: number;
  readonly attributes: number;
  readonly baseTimestamp: number;
  readonly maxTimestamp: number;
  readonly producerId: bigint;
  readonly recordCount: number;
  readonly transactional: boolean;
  readonly control: boolean;
}

export class RecordBatchError extends Error {
  override readonly name = 'RecordBatchError';
}

/** The header of the batch at `at`, or null when fewer bytes than the whole batch remain. */
export function readBatchHeader(buf: Buffer, at = 0): BatchHeader | null {
  if (buf.length - at < BATCH_HEADER_BYTES) return null;
  const size = LENGTH_PREFIX + buf.readInt32BE(at + 8);
  if (size < BATCH_HEADER_BYTES || buf.length - at < size) return null;
  const baseOffset = Number(buf.readBigInt64BE(at));
  const attributes = buf.readInt16BE(at + 21);
  return {
    baseOffset,
    lastOffset: baseOffset + buf.readInt32BE(at + 23),
    size,
    magic: buf.readInt8(at + 16),
    attributes,
    baseTimestamp: Number(buf.readBigInt64BE(at + 27)),
    maxTimestamp: Number(buf.readBigInt64BE(at + 35)),
    producerId: buf.readBigInt64BE(at + 43),
    recordCount: buf.readInt32BE(at + 57),
    transactional: (attributes & 0x10) !== 0,
    control: (attributes & 0x20) !== 0,
  };
}

/** Zigzag varints, as Kafka's records use them; `at` advances past each. */
class VarReader {
  readonly buf: Buffer;
  at: number;

  constructor(buf: Buffer, at: number) {
    this.buf = buf;
    this.at = at;
  }

  varint(): number {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (this.at >= this.buf.length) throw new RecordBatchError('a record ends inside a varint');
      const b = this.buf[this.at++]!;
      value |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 28) throw new RecordBatchError('a varint is longer than 5 bytes');
    }
    return (value >>> 1) ^ -(value & 1);
  }

  /** A zigzag varlong as a number (timestamp deltas: far below 2^53). */
  varlong(): number {
    let value = 0n;
    let shift = 0n;
    for (;;) {
      if (this.at >= this.buf.length) throw new RecordBatchError('a record ends inside a varlong');
      const b = this.buf[this.at++]!;
      value |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
      if (shift > 63n) throw new RecordBatchError('a varlong is longer than 10 bytes');
    }
    return Number((value >> 1n) ^ -(value & 1n));
  }

  bytes(): Buffer | null {
    const n = this.varint();
    if (n < 0) return null;
    if (this.at + n > this.buf.length) throw new RecordBatchError('a record field runs past its batch');
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
}

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

/** Bounds on what one batch may expand to once decoded. */
export interface DecodeLimits {
  /** Bytes of its records section, decompressed. */
  readonly maxBytes: number;
  /** Records (each becomes objects: a batch of millions of empty records is a bomb too). */
  readonly maxRecords: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxBytes: 64 * 1024 * 1024, maxRecords: 100_000 };

/** node:zlib's answer to an output past `maxOutputLength`. */
const tooLarge = (err: unknown) => (err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';

function decompress(codec: string, section: Buffer, maxBytes: number): Buffer {
  switch (codec) {
    case 'gzip':
      return gunzipSync(section, { maxOutputLength: maxBytes });
    case 'snappy':
      return snappyDecompress(section, maxBytes);
    case 'lz4':
      return lz4Decompress(section, maxBytes);
    case 'zstd':
      if (typeof zlib.zstdDecompressSync === 'function')
        return zlib.zstdDecompressSync(section, { maxOutputLength: maxBytes });
  }
  throw new RecordBatchError(`records compressed with ${codec} cannot be read by this collector`);
}

/** The records section of a batch, decompressed (a view when it is not compressed). */
function recordsSection(buf: Buffer, h: BatchHeader, limits: DecodeLimits): Buffer {
  const section = buf.subarray(BATCH_HEADER_BYTES, h.size);
  const codec = CODECS[h.attributes & 0x7] ?? `codec ${h.attributes & 0x7}`;
  if (codec === 'none') return section;
  try {
    return decompress(codec, section, limits.maxBytes);
  } catch (err) {
    if (err instanceof DecompressionError) throw new RecordBatchError(`${codec}: ${err.message}`);
    if (tooLarge(err)) throw new RecordBatchError(`${codec}: expands past ${limits.maxBytes} bytes`);
    if (err instanceof RecordBatchError) throw err;
    // node:zlib's own complaints (a corrupt stream): the batch cannot be read, the engine goes on.
    throw new RecordBatchError(`${codec}: ${(err as Error).message}`);
  }
}

/**
 * The records of the batch in `buf` (exactly one batch) from `fromOffset` on, as views into it (or
 * into its decompressed records). Control batches (transaction markers) have no records for users.
 */
export function decodeRecordBatch(
  buf: Buffer,
  topic: string,
  partition: number,
  fromOffset = 0,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): ConsumedRecord[] {
  const h = readBatchHeader(buf);
  if (!h) throw new RecordBatchError('the batch is shorter than its header says');
  if (h.magic !== 2) throw new RecordBatchError(`message format v${h.magic} is not a record batch`);
  if (h.control || h.lastOffset < fromOffset) return [];
  if (h.recordCount > limits.maxRecords || h.recordCount < 0)
    throw new RecordBatchError(`the batch holds ${h.recordCount} records, more than ${limits.maxRecords}`);
  const r = new VarReader(recordsSection(buf, h, limits), 0);
  const logAppendTime = (h.attributes & TIMESTAMP_LOG_APPEND) !== 0;
  const out: ConsumedRecord[] = [];
  for (let i = 0; i < h.recordCount; i++) {
    const length = r.varint();
    const end = r.at + length;
    if (length < 0 || end > r.buf.length) throw new RecordBatchError('a record runs past its batch');
    r.at++; // attributes: unused
    const timestampDelta = r.varlong();
    const offset = h.baseOffset + r.varint();
    const key = r.bytes();
    const value = r.bytes();
    const nHeaders = r.varint();
    const headers: RecordHeader[] = [];
    for (let j = 0; j < nHeaders; j++) {
      const k = r.bytes();
      const v = r.bytes();
      headers.push({ key: k ? k.toString('utf8') : '', value: v ?? Buffer.alloc(0) });
    }
    r.at = end;
    if (offset < fromOffset) continue;
    out.push({
      topic,
      partition,
      offset,
      timestamp: logAppendTime ? h.maxTimestamp : h.baseTimestamp + timestampDelta,
      key,
      value,
      headers,
    });
  }
  return out;
}

/** The key of a control batch's one record: version int16 + type int16 (0 abort, 1 commit). */
export function controlRecordKey(buf: Buffer): Buffer | null {
  const r = new VarReader(buf, BATCH_HEADER_BYTES);
  r.varint(); // length
  r.at++; // attributes
  r.varlong(); // timestamp delta
  r.varint(); // offset delta
  return r.bytes();
}
