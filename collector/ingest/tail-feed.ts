import type { RecordSummary } from '../../lib/api/records.ts';
import { decodeRecordBatch, DEFAULT_DECODE_LIMITS } from '../../lib/bus/kafka-record-batch.ts';
import type { ConsumedRecord, RecordBatch } from '../../lib/bus/types.ts';
import type { Logger } from '../../lib/logger.ts';
import { toSummary } from '../api/record-views.ts';
import { recordAnomalies } from '../chains/anomalies.ts';
import type { CollectorConfig } from '../config.ts';
import { createCatchUpWatch } from './catch-up.ts';
import { decodeOptionsOf, decodeRecord } from './decode-record.ts';

// The live tail, fed as batches are fetched: a record reaches the WebSocket clients before it is
// landed or indexed, so the tail's latency is the fetch's, whatever the store is doing (an
// indexing transaction in progress, a checkpoint). Only while someone watches and the consumer is
// not catching up. Each record carries the anomalies it shows by itself (late, broken or missing
// trace); the ones that need the records before it (duplicate, out of order) appear once it is
// indexed. A batch fetched again (a failed landing, a rebalance) is not shown again: per
// partition, only offsets past the last one shown go out.

export type TailFeedConfig = Pick<
  CollectorConfig,
  'MAX_VALUE_BYTES' | 'DLQ_TOPIC_SUFFIXES' | 'LATE_EVENT_THRESHOLD_MS' | 'COLLECTOR_MAX_BATCH_BYTES'
>;

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

  return {
    offer(batch: RecordBatch): void {
      const last = Math.max(batch.raw?.lastOffset ?? -1, batch.records.at(-1)?.offset ?? -1);
      if (last < 0) return;
      watch.note(batch.topic, batch.partition, batch.highWatermark, last);
      if (!deps.hasSubscribers() || watch.catchingUp()) return;
      const key = `${batch.topic}\u0000${batch.partition}`;
      const after = shown.get(key) ?? -1;
      if (last <= after) return;
      shown.set(key, last);
      try {
        const opts = decodeOptionsOf(config, deps.now());
        const summaries = recordsOf(batch, after).map((r) => {
          const d = decodeRecord(r, opts);
          const anomalies = recordAnomalies(d.record, d.envelope, {
            lateThresholdMs: config.LATE_EVENT_THRESHOLD_MS,
          });
          return toSummary({ ...d.record, anomalies: [...new Set(anomalies.map((a) => a.kind))] });
        });
        if (summaries.length) deps.publish(summaries);
      } catch (err) {
        // The tail is a view: a batch it cannot show is still landed and indexed (and shown there).
        deps.logger.warn(
          { err, topic: batch.topic, partition: batch.partition },
          'could not show a batch on the live tail',
        );
      }
    },
  };
}
export type TailFeed = ReturnType<typeof createTailFeed>;
