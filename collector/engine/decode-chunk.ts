import {
  decodeRecordBatch,
  DEFAULT_DECODE_LIMITS,
  readBatchHeader,
  RecordBatchError,
  type DecodeLimits,
} from '../../lib/bus/kafka-record-batch.ts';
import type { Logger } from '../../lib/logger.ts';
import { decodeRecord, type DecodedRecord, type DecodeOptions } from '../ingest/decode-record.ts';
import type { LandingChunk } from '../store/types.ts';
import { readPackedRecords } from './protocol.ts';

// The one decode of a landed chunk, for indexing: a Kafka record batch as the broker sent it
// (every codec, expansion bounded by COLLECTOR_MAX_BATCH_BYTES) or a packed run from the embedded
// bus, to decoded records. A batch that cannot be read is kept, not dropped: one record at its
// first offset holding the batch's bytes, with a problem saying why.

export interface ChunkDecoder {
  decode(chunk: LandingChunk, opts: DecodeOptions): DecodedRecord[];
  /** A chunk kept as one record at its first offset: its bytes as the value, `problem` saying why. */
  keptAsBytes(chunk: LandingChunk, problem: string, opts: DecodeOptions): DecodedRecord;
}

const bodyOf = (chunk: LandingChunk) =>
  Buffer.from(chunk.body.buffer, chunk.body.byteOffset, chunk.body.byteLength);

export function createChunkDecoder(o: { maxBatchBytes: number; logger: Logger }): ChunkDecoder {
  const limits: DecodeLimits = { ...DEFAULT_DECODE_LIMITS, maxBytes: o.maxBatchBytes };

  function keptAsBytes(chunk: LandingChunk, problem: string, opts: DecodeOptions): DecodedRecord {
    const body = bodyOf(chunk);
    const d = decodeRecord(
      {
        topic: chunk.topic,
        partition: chunk.partition,
        offset: chunk.firstOffset,
        timestamp: (chunk.format === 'kafka' && readBatchHeader(body)?.maxTimestamp) || chunk.landedAt,
        key: null,
        value: body,
        headers: [],
      },
      opts,
    );
    return { ...d, record: { ...d.record, problems: [...d.record.problems, { problem }] } };
  }

  function decode(chunk: LandingChunk, opts: DecodeOptions): DecodedRecord[] {
    const body = bodyOf(chunk);
    if (chunk.format === 'packed')
      return readPackedRecords(body, chunk.topic, chunk.partition).map((r) => decodeRecord(r, opts));
    try {
      return decodeRecordBatch(body, chunk.topic, chunk.partition, chunk.firstOffset, limits).map((r) =>
        decodeRecord(r, opts),
      );
    } catch (err) {
      if (!(err instanceof RecordBatchError)) throw err;
      o.logger.warn(
        { err, topic: chunk.topic, partition: chunk.partition },
        'a record batch could not be decoded',
      );
      return [keptAsBytes(chunk, `record batch not decoded (${err.message}); its bytes are the value`, opts)];
    }
  }

  return { decode, keptAsBytes };
}
