// Whether the collector's consumer is catching up: the records its recent batches were behind
// their partitions' high watermarks, summed. While it is, indexing waits (the engine lands at full
// speed instead) and the live tail stays quiet (old records at a rate no one can read); both resume
// once the consumer is close to live. A partition's report counts for `freshMs` only, so a revoked
// partition cannot hold either back.

export interface CatchUpWatch {
  note(topic: string, partition: number, highWatermark: number, lastOffset: number): void;
  catchingUp(): boolean;
}

export function createCatchUpWatch(opts: { thresholdRecords?: number; freshMs?: number } = {}): CatchUpWatch {
  const threshold = opts.thresholdRecords ?? 20_000;
  const freshMs = opts.freshMs ?? 3000;
  const behind = new Map<string, { records: number; at: number }>();
  return {
    note(topic, partition, highWatermark, lastOffset) {
      behind.set(`${topic}\u0000${partition}`, {
        records: Math.max(0, highWatermark - lastOffset - 1),
        at: performance.now(),
      });
    },
    catchingUp() {
      const t = performance.now();
      let total = 0;
      for (const [k, v] of behind) {
        if (t - v.at > freshMs) behind.delete(k);
        else total += v.records;
      }
      return total > threshold;
    },
  };
}
