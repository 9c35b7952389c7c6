import type { LandingChunk, Store, StoreTx } from '../store/types.ts';
import { readBatchHeader } from '../../lib/bus/kafka-record-batch.ts';
import type { CatchUpWatch } from '../ingest/catch-up.ts';
import type { DecodeAhead, Part } from './decode-ahead.ts';
import type { Frontier } from './frontier.ts';
import { packedLayout, type PackedBatch } from './protocol.ts';

// Stage 2 of ingest, landing: fetched batches are appended to the landing table as the bytes the
// broker sent, in chunks of consecutive records, all batches queued meanwhile in one transaction
// (see core.ts for how landing and indexing share the one writer). A record at or below the
// highest offset its partition holds is a redelivery and does not land again.

/**
 * A landing chunk's records and bytes at most (a larger record is a chunk of its own). Indexing
 * takes whole chunks, so this is also how far a transaction may run past its time budget.
 */
const CHUNK_RECORDS = 32;
const CHUNK_BYTES = 256 * 1024;
/** Records per landing transaction at most (all queued batches, usually far fewer). */
const MAX_LAND_RECORDS = 20_000;

export interface LandJob {
  readonly batch: PackedBatch;
  /** Its records, decoded on arrival for the live tail (decode-ahead.ts): held for indexing once landed. */
  readonly decoded?: readonly Part[];
  /** With the number of the batch's records that were redeliveries (already landed or indexed). */
  readonly resolve: (duplicates: number) => void;
  readonly reject: (err: unknown) => void;
}

export interface Landing {
  readonly chunks: LandingChunk[];
  /** Records of the batch already landed or indexed. */
  readonly held: number;
  /** The partition's highest offset landed, this batch included. */
  readonly mark: number;
}

/**
 * Kafka record batches land whole, each a chunk, from the first offset not yet held: a
 * partition's records land in offset order, so every record at or below `mark` is held.
 */
export function kafkaChunks(batch: PackedBatch, landedAt: number, mark: number): Landing {
  const { topic, partition } = batch;
  const buf = Buffer.from(batch.bytes);
  const chunks: LandingChunk[] = [];
  let held = 0;
  for (let at = 0; at < buf.length;) {
    const h = readBatchHeader(buf, at);
    if (!h) throw new Error(`a fetched record batch of ${topic}/${partition} is cut short`);
    const start = Math.max(h.baseOffset, batch.fromOffset);
    const from = Math.max(start, mark + 1);
    held += Math.max(0, Math.min(from, h.lastOffset + 1) - start);
    if (from <= h.lastOffset) {
      chunks.push({
        topic,
        partition,
        format: 'kafka',
        firstOffset: from,
        lastOffset: h.lastOffset,
        count: h.recordCount,
        landedAt,
        body: buf.subarray(at, at + h.size),
      });
      mark = h.lastOffset;
    }
    at += h.size;
  }
  return { chunks, held, mark };
}

/**
 * Packed records land in chunks of consecutive new ones. A record above `mark` is new; one at or
 * below it is probed (a redelivery, or a record the store's retention deleted and a reset re-read).
 */
export async function packedChunks(
  tx: StoreTx,
  batch: PackedBatch,
  landedAt: number,
  mark: number,
): Promise<Landing> {
  const { topic, partition } = batch;
  const buf = Buffer.from(batch.bytes);
  const { offsets, ends } = packedLayout(buf, batch.count);
  const chunks: LandingChunk[] = [];
  // Records from..to-1 are new: cut them into chunks.
  const cut = (from: number, to: number) => {
    for (let i = from; i < to;) {
      const start = i === 0 ? 0 : ends[i - 1]!;
      let j = i + 1;
      while (j < to && j - i < CHUNK_RECORDS && ends[j]! - start <= CHUNK_BYTES) j++;
      chunks.push({
        topic,
        partition,
        format: 'packed',
        firstOffset: offsets[i]!,
        lastOffset: offsets[j - 1]!,
        count: j - i,
        landedAt,
        body: buf.subarray(start, ends[j - 1]),
      });
      i = j;
    }
  };
  let run = -1;
  let held = 0;
  for (let i = 0; i < batch.count; i++) {
    const o = offsets[i]!;
    if (o > mark || !(await tx.landing.holds(topic, partition, o))) {
      if (run < 0) run = i;
      mark = Math.max(mark, o);
      continue;
    }
    held++;
    if (run >= 0) cut(run, i);
    run = -1;
  }
  if (run >= 0) cut(run, batch.count);
  return { chunks, held, mark };
}

/** Lands groups of queued batches, one transaction per group; the engine is landing's one writer. */
function createLandingWriter(deps: { store: Store; now: () => number }) {
  const { store, now } = deps;
  /**
   * Per partition, the highest offset landed or indexed (read from the store on first sight, raised
   * after each landing commits): a record above it is new without a probe. Never too low, as this
   * engine is landing's one writer; should retention delete records below it, those are probed.
   */
  const highest = new Map<string, number>();

  /** Lands the jobs' batches; what landed of each (nothing of a batch that was all redelivered). */
  async function landGroup(jobs: readonly LandJob[]): Promise<Landing[]> {
    const landedAt = now();
    const landings = await store.transaction(async (tx) => {
      const marks = new Map<string, number>();
      const out: Landing[] = [];
      for (const { batch } of jobs) {
        const key = `${batch.topic}\u0000${batch.partition}`;
        const mark =
          marks.get(key) ??
          highest.get(key) ??
          (await tx.landing.highestOffset(batch.topic, batch.partition));
        const l =
          batch.format === 'kafka'
            ? kafkaChunks(batch, landedAt, mark)
            : await packedChunks(tx, batch, landedAt, mark);
        marks.set(key, l.mark);
        out.push(l);
      }
      await tx.landing.append(out.flatMap((l) => l.chunks));
      return out;
    });
    jobs.forEach((j, i) => {
      const l = landings[i]!;
      highest.set(`${j.batch.topic}\u0000${j.batch.partition}`, l.mark);
      j.resolve(l.held);
    });
    return landings;
  }

  return landGroup;
}

/**
 * The landing step of the engine: batches queue as they arrive and land a group per transaction.
 * Each landed batch enters the frontier, where it holds deadlines back until it is indexed, and
 * what was decoded of it for the live tail is held for indexing.
 */
export function createLandingStage(deps: {
  store: Store;
  now: () => number;
  frontier: Frontier;
  catchUp: CatchUpWatch;
  ahead: DecodeAhead;
}) {
  const { frontier, catchUp, ahead } = deps;
  const queue: LandJob[] = [];
  const landGroup = createLandingWriter(deps);
  let lastLandAt = -Infinity;

  /** Where a batch holds deadlines back until it is indexed (frontier.ts), noted as it is fetched. */
  function holdOf(batch: PackedBatch): number {
    if (batch.lastOffset === null) return Infinity;
    catchUp.note(batch.topic, batch.partition, batch.highWatermark, batch.lastOffset);
    // After a transaction's records comes its commit marker, which no consumer is handed: one
    // offset short of the end is then the end.
    const end = batch.lastOffset + (batch.endsInTransaction ? 2 : 1);
    const behind = batch.highWatermark > end;
    const floor = frontier.fetched(batch.topic, batch.partition, behind, batch.minTimestamp);
    return Math.max(batch.minTimestamp, floor);
  }

  /** Lands the batches queued first (up to MAX_LAND_RECORDS) in one transaction. */
  async function landQueued(): Promise<void> {
    const group: LandJob[] = [];
    let n = 0;
    while (queue.length && (group.length === 0 || n + queue[0]!.batch.count <= MAX_LAND_RECORDS)) {
      const j = queue.shift()!;
      n += j.batch.count;
      group.push(j);
    }
    lastLandAt = performance.now();
    const holds = group.map(({ batch }) => holdOf(batch));
    try {
      const landings = await landGroup(group);
      group.forEach(({ batch, decoded }, i) => {
        const { chunks } = landings[i]!;
        const last = chunks.at(-1);
        if (last) frontier.enter(batch.topic, batch.partition, last.lastOffset, holds[i]!);
        if (decoded) ahead.hold(chunks, decoded);
      });
    } catch (err) {
      for (const j of group) j.reject(err);
    }
  }

  return {
    enqueue: (job: LandJob): void => void queue.push(job),
    queued: (): number => queue.length,
    /** Batches wait, or one landed within `windowMs`. */
    busy: (windowMs: number): boolean => queue.length > 0 || performance.now() - lastLandAt < windowMs,
    landQueued,
    rejectQueued(err: Error): void {
      for (const j of queue.splice(0)) j.reject(err);
    },
  };
}
