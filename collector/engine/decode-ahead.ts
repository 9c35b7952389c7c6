import type { RecordSummary } from '../../lib/api/records.ts';
import {
  decodeRecordBatch,
  DEFAULT_DECODE_LIMITS,
  readBatchHeader,
  RecordBatchError,
} from '../../lib/bus/kafka-record-batch.ts';
import type { Logger } from '../../lib/logger.ts';
import { decodeRecord, type DecodedRecord, type DecodeOptions } from '../ingest/decode-record.ts';
import { AHEAD_MAX_BYTES, AHEAD_MAX_RECORDS, tailSummaries } from '../ingest/tail-feed.ts';
import type { LandingChunk } from '../store/types.ts';
import { readPackedRecords, type PackedBatch } from './protocol.ts';

// The live tail's records, decoded once. While someone watches, a batch is decoded as it reaches
// the engine, before it lands: its records go to the tail at once, and the decoded records are
// held, chunk by chunk once landed, until indexing takes them instead of decoding the chunk's
// bytes again (decode-chunk.ts). What is held is bounded; past the bound, or for a chunk whose
// bytes do not decode, indexing decodes as always. Held records are views into the batch's
// buffer and, decoded from the same bytes with the same function, equal what indexing would get.

/**
 * Bytes held decoded at most: each chunk's bytes as fetched plus its records' values as decoded
 * (a parsed JSON value takes a few times that again; the worker's heap is capped at 192 MB).
 */
const MAX_HELD_BYTES = 8 * 1024 * 1024;

/** The records of a run of offsets decoded on arrival: a Kafka record batch, or a packed batch. */
export interface Part {
  readonly from: number;
  readonly to: number;
  readonly records: readonly DecodedRecord[];
}

const keyOf = (topic: string, partition: number, firstOffset: number) =>
  `${topic}\u0000${partition}\u0000${firstOffset}`;

export function createDecodeAhead(o: { maxBatchBytes: number; lateThresholdMs: number; logger: Logger }) {
  const held = new Map<string, { lastOffset: number; records: readonly DecodedRecord[]; bytes: number }>();
  let heldBytes = 0;

  /**
   * A batch's records, decoded, within the bounds of one arriving batch (tail-feed.ts: main hands
   * over only batches that surely fit; these hold all the same); a Kafka record batch that cannot
   * be read, or that would take the batch past them, is left to indexing (and not shown).
   */
  function decodeParts(batch: PackedBatch, opts: DecodeOptions): Part[] {
    const buf = Buffer.from(batch.bytes);
    const { topic, partition } = batch;
    if (batch.format === 'packed') {
      if (batch.count > AHEAD_MAX_RECORDS || buf.length > AHEAD_MAX_BYTES) {
        o.logger.warn(
          { topic, partition, records: batch.count },
          'a batch too large to show on the live tail',
        );
        return [];
      }
      const records = readPackedRecords(buf, topic, partition).map((r) => decodeRecord(r, opts));
      return records.length
        ? [{ from: records[0]!.record.offset, to: records.at(-1)!.record.offset, records }]
        : [];
    }
    const parts: Part[] = [];
    let records = AHEAD_MAX_RECORDS;
    let bytes = AHEAD_MAX_BYTES;
    for (let at = 0; at < buf.length;) {
      const h = readBatchHeader(buf, at);
      if (!h) break;
      const from = Math.max(h.baseOffset, batch.fromOffset);
      try {
        // Refused before decompressing when it holds too many records, while decompressing when
        // its records take too many bytes: a compression bomb costs at most the bound.
        const limits = {
          maxRecords: Math.min(records, DEFAULT_DECODE_LIMITS.maxRecords),
          maxBytes: Math.max(1, Math.min(bytes, o.maxBatchBytes)),
        };
        const consumed = decodeRecordBatch(buf.subarray(at, at + h.size), topic, partition, from, limits);
        const size = consumed.reduce((n, r) => n + (r.key?.length ?? 0) + (r.value?.length ?? 0), 0);
        if (size > bytes) throw new RecordBatchError(`its records take more than the ${bytes} bytes left`);
        records -= consumed.length;
        bytes -= size;
        parts.push({ from, to: h.lastOffset, records: consumed.map((r) => decodeRecord(r, opts)) });
      } catch (err) {
        if (!(err instanceof RecordBatchError)) throw err;
        o.logger.warn({ err, topic, partition }, 'a record batch is not shown on the live tail');
      }
      at += h.size;
    }
    return parts;
  }

  return {
    /**
     * Decodes an arriving batch: the tail's view of its records past `after`, and the decoded
     * records by run of offsets, for `hold` once the batch has landed.
     */
    decode(batch: PackedBatch, after: number, opts: DecodeOptions): { tail: RecordSummary[]; parts: Part[] } {
      const parts = decodeParts(batch, opts);
      const tail = parts.flatMap((p) => tailSummaries(p.records, after, o.lateThresholdMs));
      return { tail, parts };
    },
    /** Holds the decoded records of a batch's landed chunks, while the bound allows. */
    hold(chunks: readonly LandingChunk[], parts: readonly Part[]): void {
      for (const c of chunks) {
        const part = parts.find((p) => p.from <= c.firstOffset && c.lastOffset <= p.to);
        if (!part) continue;
        const records = part.records.filter(
          (d) => d.record.offset >= c.firstOffset && d.record.offset <= c.lastOffset,
        );
        // Counted as decoded: a compressed chunk's records take many times its bytes.
        const bytes = records.reduce((n, d) => n + (d.record.value?.length ?? 0), c.body.byteLength);
        if (heldBytes + bytes > MAX_HELD_BYTES) continue;
        held.set(keyOf(c.topic, c.partition, c.firstOffset), { lastOffset: c.lastOffset, records, bytes });
        heldBytes += bytes;
      }
    },
    /**
     * The chunk's records if they are held (then no longer), stored at `storedAt` as a decode at
     * indexing would say; else undefined.
     */
    take(c: LandingChunk, storedAt: number): readonly DecodedRecord[] | undefined {
      const key = keyOf(c.topic, c.partition, c.firstOffset);
      const h = held.get(key);
      if (!h) return undefined;
      held.delete(key);
      heldBytes -= h.bytes;
      if (h.lastOffset !== c.lastOffset) return undefined;
      return h.records.map((d) => ({ ...d, record: { ...d.record, storedAt } }));
    },
    /** Drops everything held (indexing failed or set a chunk aside: what it takes next is not known). */
    clear(): void {
      held.clear();
      heldBytes = 0;
    },
    held: () => held.size,
  };
}
export type DecodeAhead = ReturnType<typeof createDecodeAhead>;
