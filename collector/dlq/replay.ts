import { randomUUID } from 'node:crypto';
import { parseRecordId } from '../../lib/api/common.ts';
import type { Replay } from '../../lib/api/dlq.ts';
import type { Bus } from '../../lib/bus/types.ts';
import { notFound } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { CollectorMetrics } from '../metrics/registry.ts';
import type { DlqEntryRow, ReplayRow, Store } from '../store/types.ts';
import { replayHeaders } from './replay-headers.ts';

// Replaying one dead-letter entry. Idempotent by (entry, replay key): the audit row is inserted
// first under a UNIQUE key, so a second request with the same key (a double click, a retry after
// a timeout) gets the first result with `duplicate: true` and produces nothing; concurrent
// requests in this process share one in-flight promise. The record goes back to its origin topic
// (and origin partition when it still exists, so it lands behind the same key's records), with
// its original key, value and headers. The loop guard refuses an entry replayed too often and
// quarantines it; its count is taken in the store by one conditional write per replay (see
// `begin`), so it holds across concurrent requests and across collectors sharing one store.

export interface ReplayResponse {
  readonly replay: Replay;
  readonly duplicate: boolean;
}

export const toApiReplay = (r: ReplayRow): Replay => ({
  id: r.id,
  entryId: r.entryId,
  replayKey: r.replayKey,
  requestedBy: r.requestedBy,
  requestedAt: r.requestedAt,
  status: r.state === 'pending' ? 'failed' : r.state,
  targetTopic: r.targetTopic,
  targetPartition: r.targetPartition,
  targetOffset: r.targetOffset,
  error: r.state === 'pending' ? (r.error ?? 'interrupted before the produce was confirmed') : r.error,
  outcome: r.outcome,
  outcomeAt: r.outcomeAt,
});

export interface ReplayerDeps {
  readonly bus: Bus;
  readonly store: Store;
  readonly logger: Logger;
  readonly metrics: CollectorMetrics;
  readonly maxReplays: number;
  readonly now: () => number;
}

export function createReplayer(deps: ReplayerDeps) {
  const { bus, store, metrics, now } = deps;
  const log = deps.logger.child({ component: 'replay' });
  const inflight = new Map<string, Promise<ReplayResponse>>();

  const loopGuard = (count: number) =>
    `loop guard: ${count} of ${deps.maxReplays} allowed replays (REPLAY_MAX_COUNT) already produced or in flight; entry quarantined`;

  /** Why an entry cannot be replayed, or undefined when it can (as far as its row says). */
  async function refusal(entry: DlqEntryRow): Promise<string | undefined> {
    if (entry.replayCount >= deps.maxReplays) return loopGuard(entry.replayCount);
    if (!entry.originTopic) return 'the dead-letter record names no origin topic';
    const rid = parseRecordId(entry.recordId);
    const rec = rid ? await store.records.get(rid.topic, rid.partition, rid.offset) : undefined;
    if (!rec) return 'the dead-letter record is no longer stored (retention)';
    if (rec.valueTruncated)
      return `the stored value was truncated (${rec.valueSize} bytes > MAX_VALUE_BYTES); it cannot be replayed faithfully`;
    return undefined;
  }

  // The audit row and the loop-guard slot are written in one transaction: the slot is taken by the
  // store's conditional increment (not by comparing a count read earlier), so however many
  // requests with different keys arrive at once, at most the remaining allowance gets a slot.
  async function begin(entryId: string, replayKey: string, requestedBy: string, jobId: string | null) {
    return store.transaction(async (tx) => {
      const existing = await tx.replays.byKey(entryId, replayKey);
      if (existing) return { row: existing, duplicate: true };
      const entry = await tx.dlq.get(entryId);
      if (!entry) throw notFound(`No dead-letter entry ${entryId}`);
      let why = await refusal(entry);
      const count = why ? undefined : await tx.dlq.reserveReplay(entryId, deps.maxReplays);
      if (!why && count === undefined)
        why = loopGuard((await tx.dlq.get(entryId))?.replayCount ?? deps.maxReplays);
      const row: ReplayRow = {
        id: randomUUID(),
        entryId,
        replayKey,
        dlqTopic: entry.dlqTopic,
        requestedBy,
        requestedAt: now(),
        state: why ? 'refused' : 'pending',
        targetTopic: entry.originTopic,
        targetPartition: null,
        targetOffset: null,
        error: why ?? null,
        outcome: 'pending',
        outcomeAt: null,
        ceId: entry.ceId,
        jobId,
      };
      if (!(await tx.replays.insert(row))) {
        // Another collector sharing the store inserted this key first: its replay is the one.
        if (count !== undefined) await tx.dlq.releaseReplay(entryId);
        const first = await tx.replays.byKey(entryId, replayKey);
        if (first) return { row: first, duplicate: true };
        throw new Error(`replay key ${replayKey} of ${entryId} conflicts but is not stored`);
      }
      if (why?.startsWith('loop guard')) await tx.dlq.update(entryId, { status: 'quarantined' });
      return { row, duplicate: false, entry, count };
    });
  }

  async function send(entry: DlqEntryRow, replayId: string, count: number) {
    const rid = parseRecordId(entry.recordId)!;
    const rec = await store.records.get(rid.topic, rid.partition, rid.offset);
    if (!rec) throw new Error('the dead-letter record disappeared before the replay');
    const topic = entry.originTopic!;
    const partitions = await bus.admin.topicOffsets(topic);
    const partition =
      entry.originPartition !== null && partitions.some((p) => p.partition === entry.originPartition)
        ? entry.originPartition
        : undefined;
    const [meta] = await bus.produce([
      {
        topic,
        key: rec.key,
        value: rec.value,
        headers: replayHeaders(rec.headers, { replayId, from: entry.recordId, count }),
        ...(partition !== undefined && { partition }),
      },
    ]);
    return meta;
  }

  /** Produces a replay holding slot `count`; a failed produce gives its slot back. */
  async function produce(row: ReplayRow, entry: DlqEntryRow, count: number): Promise<ReplayRow> {
    let meta: Awaited<ReturnType<typeof send>>;
    try {
      meta = await send(entry, row.id, count);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      await store.transaction(async (tx) => {
        await tx.replays.update(row.id, { state: 'failed', error });
        await tx.dlq.releaseReplay(entry.id);
      });
      metrics.replays.inc({ result: 'failed' });
      log.warn({ entry: entry.id, replay: row.id, err }, 'replay failed');
      return { ...row, state: 'failed', error };
    }
    const done: ReplayRow = {
      ...row,
      state: 'produced',
      targetTopic: entry.originTopic,
      targetPartition: meta?.partition ?? null,
      targetOffset: meta?.offset ?? null,
    };
    await store.transaction(async (tx) => {
      await tx.replays.update(row.id, {
        state: 'produced',
        targetTopic: done.targetTopic,
        targetPartition: done.targetPartition,
        targetOffset: done.targetOffset,
      });
      await tx.dlq.update(entry.id, { status: 'replayed' });
    });
    metrics.replays.inc({ result: 'succeeded' });
    log.info(
      {
        entry: entry.id,
        replay: row.id,
        topic: done.targetTopic,
        partition: done.targetPartition,
        offset: done.targetOffset,
        by: row.requestedBy,
      },
      'replayed',
    );
    return done;
  }

  function replay(
    entryId: string,
    replayKey: string,
    requestedBy: string,
    jobId: string | null = null,
  ): Promise<ReplayResponse> {
    const key = `${entryId}\u0000${replayKey}`;
    const running = inflight.get(key);
    if (running) return running.then((r) => ({ ...r, duplicate: true }));
    const p = (async (): Promise<ReplayResponse> => {
      const started = await begin(entryId, replayKey, requestedBy, jobId);
      if (started.duplicate || !started.entry) return { replay: toApiReplay(started.row), duplicate: true };
      if (started.row.state === 'refused') {
        metrics.replays.inc({ result: 'refused' });
        log.warn({ entry: entryId, reason: started.row.error }, 'replay refused');
        return { replay: toApiReplay(started.row), duplicate: false };
      }
      return {
        replay: toApiReplay(await produce(started.row, started.entry, started.count!)),
        duplicate: false,
      };
    })();
    inflight.set(key, p);
    void p.finally(() => inflight.delete(key)).catch(() => undefined);
    return p;
  }

  return { replay, refusal };
}
export type Replayer = ReturnType<typeof createReplayer>;
