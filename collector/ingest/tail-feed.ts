import type { RecordSummary } from '../../lib/api/records.ts';
import {
  decodeRecordBatch,
  DEFAULT_DECODE_LIMITS,
  readBatchHeader,
} from '../../lib/bus/kafka-record-batch.ts';
import type { ConsumedRecord, RecordBatch } from '../../lib/bus/types.ts';
import type { Logger } from '../../lib/logger.ts';
import { toSummary } from '../api/record-views.ts';
import { recordAnomalies } from '../chains/anomalies.ts';
import type { CollectorConfig } from '../config.ts';
import { createCatchUpWatch } from './catch-up.ts';
import { decodeOptionsOf, decodeRecord, type DecodedRecord } from './decode-record.ts';

// The live tail, fed as batches are fetched: a record reaches the WebSocket clients before it is
// landed or indexed, so the tail's latency is the fetch's, whatever the store is doing. Only while
// someone watches and the consumer is not catching up. The feed decides which records go out
// (`handOff`); the ingest engine decodes them as they arrive, shows them through `show` and keeps
// the decoded records for indexing, so a watched record is decoded once (engine/decode-ahead.ts).
// A tail reader's batches (several collectors: tail-reader.ts), which this collector does not
// index, are decoded here (`offer`). Each record carries the anomalies it shows by itself (late,
// broken or missing trace); the ones that need the records before it (duplicate, out of order)
// appear once it is indexed. A batch fetched again (a rebalance) is not shown again: per
// partition, only offsets past the last one shown go out; one whose landing failed (the engine's
// worker died, maybe before it showed them) is, when fetched again.

/**
 * An arriving batch is decoded ahead by the engine (engine/decode-ahead.ts) up to this many
 * records and bytes of keys and values, all its record batches together. The worker's heap is
 * capped (192 MB) and the batch has not landed yet: one that made the worker run out of memory
 * there would kill it again at every redelivery, where at indexing it is set aside after two
 * deaths (quarantine). So only a batch that surely fits goes to the engine for the tail (`handOff`);
 * a larger one is decoded here, on the fetching thread, as it is for a tail reader.
 */
export const AHEAD_MAX_RECORDS = 10_000;
export const AHEAD_MAX_BYTES = 4 * 1024 * 1024;
/** Fetched bytes of a compressed batch past which its records could take more than AHEAD_MAX_BYTES. */
const AHEAD_MAX_COMPRESSED_BYTES = 256 * 1024;

/** Whether the engine surely decodes all of the batch within the bounds above. */
function fitsAhead(batch: RecordBatch): boolean {
  let records = batch.records.length;
  let bytes = 0;
  for (const r of batch.records) bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
  let compressed = false;
  for (const b of batch.raw?.batches ?? []) {
    const h = readBatchHeader(b);
    records += h?.recordCount ?? 0;
    bytes += b.length;
    if (!h || (h.attributes & 0x07) !== 0) compressed = true;
  }
  return records <= AHEAD_MAX_RECORDS && bytes <= (compressed ? AHEAD_MAX_COMPRESSED_BYTES : AHEAD_MAX_BYTES);
}

export type TailFeedConfig = Pick<
  CollectorConfig,
  'MAX_VALUE_BYTES' | 'DLQ_TOPIC_SUFFIXES' | 'LATE_EVENT_THRESHOLD_MS' | 'COLLECTOR_MAX_BATCH_BYTES'
>;

/** The live tail's view of decoded records past offset `after`, with the anomalies each shows by itself. */
export function tailSummaries(
  records: readonly DecodedRecord[],
  after: number,
  lateThresholdMs: number,
): RecordSummary[] {
  const out: RecordSummary[] = [];
  for (const d of records) {
    if (d.record.offset <= after) continue;
    const anomalies = recordAnomalies(d.record, d.envelope, { lateThresholdMs });
    out.push(toSummary({ ...d.record, anomalies: [...new Set(anomalies.map((a) => a.kind))] }));
  }
  return out;
}

export function createTailFeed(deps: {
  config: TailFeedConfig;
  hasSubscribers: () => boolean;
  publish: (records: readonly RecordSummary[]) => void;
  now: () => number;
  logger: Logger;
}) {
  const { config } = deps;
  const watch = createCatchUpWatch();
  const shown = new Map<string, number>();
  const limits = { ...DEFAULT_DECODE_LIMITS, maxBytes: config.COLLECTOR_MAX_BATCH_BYTES };

  function recordsOf(batch: RecordBatch, after: number): ConsumedRecord[] {
    const out = batch.records.filter((r) => r.offset > after);
    const raw = batch.raw;
    if (raw)
      for (const b of raw.batches)
        out.push(
          ...decodeRecordBatch(b, batch.topic, batch.partition, Math.max(raw.fromOffset, after + 1), limits),
        );
    return out;
  }

  /**
   * Whether the batch's records go to the tail: the offset past which they do (those at or below it
   * were shown already), or undefined when none do. Marks them shown.
   */
  function claim(batch: RecordBatch): number | undefined {
    const last = Math.max(batch.raw?.lastOffset ?? -1, batch.records.at(-1)?.offset ?? -1);
    if (last < 0) return undefined;
    watch.note(batch.topic, batch.partition, batch.highWatermark, last);
    if (!deps.hasSubscribers() || watch.catchingUp()) return undefined;
    const key = `${batch.topic}\u0000${batch.partition}`;
    const after = shown.get(key) ?? -1;
    if (last <= after) return undefined;
    shown.set(key, last);
    return after;
  }

  const show = (records: readonly RecordSummary[]) => {
    if (records.length) deps.publish(records);
  };

  /** Decodes what of a batch goes out past `after`, on this thread, and shows it. */
  function showHere(batch: RecordBatch, after: number): void {
    try {
      const opts = decodeOptionsOf(config, deps.now());
      const decoded = recordsOf(batch, after).map((r) => decodeRecord(r, opts));
      show(tailSummaries(decoded, after, config.LATE_EVENT_THRESHOLD_MS));
    } catch (err) {
      // The tail is a view: a batch it cannot show is still landed and indexed (and shown there).
      deps.logger.warn(
        { err, topic: batch.topic, partition: batch.partition },
        'could not show a batch on the live tail',
      );
    }
  }

  return {
    /**
     * For the ingest engine: the offset past which the batch's records go to the tail (the engine
     * decodes them as it arrives and hands them to `show`), or undefined. A batch too large to be
     * decoded ahead safely is shown here instead.
     */
    handOff(batch: RecordBatch): number | undefined {
      const after = claim(batch);
      if (after === undefined || fitsAhead(batch)) return after;
      showHere(batch, after);
      return undefined;
    },
    /** Records decoded elsewhere (the ingest engine, from what `handOff` let through). */
    show,
    /**
     * The batch handed off past `after` did not land (the engine's worker died, say): its records
     * may never have been shown, so they go out again when it is fetched again.
     */
    unclaim(batch: RecordBatch, after: number): void {
      const key = `${batch.topic}\u0000${batch.partition}`;
      shown.set(key, Math.min(shown.get(key) ?? -1, after));
    },
    /** Claims a batch and decodes what goes out on this thread (a tail reader's batches). */
    offer(batch: RecordBatch): void {
      const after = claim(batch);
      if (after !== undefined) showHere(batch, after);
    },
  };
}
export type TailFeed = ReturnType<typeof createTailFeed>;
