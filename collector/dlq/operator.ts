import { randomUUID } from 'node:crypto';
import { parseRecordId } from '../../lib/api/common.ts';
import type { BulkJob, ReplayPlan, ResolveRequest, Resolution } from '../../lib/api/dlq.ts';
import { conflict, notFound } from '../../lib/errors.ts';
import { TERMINAL_SAGA_STATES } from '../../lib/events/shop-events.ts';
import type { DlqEntryRow, Store } from '../store/types.ts';
import { isFailureHeader, storedHeaderBytes } from './replay-headers.ts';
import { REPLAY_HEADERS } from '../ingest/decode-record.ts';

// The operator's side of the dead-letter workbench that does not produce anything: the dry run
// of a single replay (what would be sent where, what the loop guard still allows, whether the
// flow it belongs to already finished), resolve / discard with an audited reason, and the
// progress of a bulk job entry by entry. The replay itself stays in replay.ts.

const HEADER_PREVIEW_BYTES = 200;

export interface OperatorDeps {
  readonly store: Store;
  readonly maxReplays: number;
  readonly now: () => number;
  readonly refusal: (entry: DlqEntryRow) => Promise<string | undefined>;
  readonly sagaOf: (entry: DlqEntryRow) => Promise<string | null>;
}

function headerText(bytes: Buffer): string {
  const text = bytes.subarray(0, HEADER_PREVIEW_BYTES).toString('utf8');
  // Binary headers are shown as hex rather than as replacement characters.
  const printable = ![...text].some((c) => {
    const code = c.charCodeAt(0);
    return (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0xfffd;
  });
  const shown = printable ? text : bytes.subarray(0, HEADER_PREVIEW_BYTES / 2).toString('hex');
  return bytes.length > HEADER_PREVIEW_BYTES ? `${shown}…` : shown;
}

export function createDlqOperator(deps: OperatorDeps) {
  const { store, now } = deps;

  async function plan(entryId: string): Promise<ReplayPlan> {
    const entry = await store.dlq.get(entryId);
    if (!entry) throw notFound(`No dead-letter entry ${entryId}`);
    const rid = parseRecordId(entry.recordId);
    const rec = rid ? await store.records.get(rid.topic, rid.partition, rid.offset) : undefined;
    const refusal = (await deps.refusal(entry)) ?? null;
    const sagaId = await deps.sagaOf(entry);
    const saga = sagaId ? await store.sagas.get(sagaId) : undefined;
    const warnings: string[] = [];
    const terminal = saga ? TERMINAL_SAGA_STATES.has(saga.state) : false;
    if (saga && terminal)
      warnings.push(
        `Its saga ${saga.type} ${saga.id} already finished as ${saga.state}: the replayed record will be processed for a flow that is over (e.g. a payment for a cancelled order).`,
      );
    const decided = (await store.dlq.resolutions(entry.id)).at(-1);
    if (decided)
      warnings.push(`An operator ${decided.action} this entry (${decided.resolvedBy}): ${decided.reason}`);
    const replaysLeft = Math.max(0, deps.maxReplays - entry.replayCount);
    if (replaysLeft === 1)
      warnings.push('This is the last replay the loop guard allows; a further one will be refused.');
    const count = String(entry.replayCount + 1);
    const headers = rec
      ? [
          ...rec.headers
            .filter((h) => !isFailureHeader(h.key))
            .map((h) => ({ key: h.key, value: headerText(storedHeaderBytes(h)) })),
          { key: REPLAY_HEADERS.id, value: '(assigned when replayed)' },
          { key: REPLAY_HEADERS.from, value: entry.recordId },
          { key: REPLAY_HEADERS.count, value: count },
        ]
      : [];
    return {
      entryId: entry.id,
      targetTopic: entry.originTopic,
      targetPartition: entry.originPartition,
      key: rec?.key ? headerText(rec.key) : entry.key,
      headers,
      valueSize: rec ? rec.valueSize : null,
      replayCount: entry.replayCount,
      maxReplays: deps.maxReplays,
      replaysLeft,
      refusal,
      saga: saga ? { id: saga.id, type: saga.type, state: saga.state, terminal } : null,
      warnings,
    };
  }

  async function resolve(entryId: string, req: ResolveRequest, identity: string): Promise<Resolution> {
    const row = {
      id: randomUUID(),
      entryId,
      action: req.action,
      reason: req.reason,
      resolvedBy: req.actor ? `${identity} (${req.actor})` : identity,
      resolvedAt: now(),
    };
    await store.transaction(async (tx) => {
      const entry = await tx.dlq.get(entryId);
      if (!entry) throw notFound(`No dead-letter entry ${entryId}`);
      if (entry.status === 'resolved')
        throw conflict('This entry is already resolved; its audit shows by whom and why');
      await tx.dlq.resolve(row);
    });
    return row;
  }

  /** A bulk job by the replay key it was started with, with each entry's replay so far. */
  async function job(replayKey: string, maxItems = 500): Promise<BulkJob> {
    const j = await store.replays.jobByKey(replayKey);
    if (!j) throw notFound(`No bulk replay job with key ${replayKey}`);
    const counts = { produced: 0, failed: 0, refused: 0, waiting: 0 };
    const items: BulkJob['items'] = [];
    for (const entryId of j.entryIds) {
      const r = await store.replays.byKey(entryId, `bulk:${j.replayKey}`);
      const status = !r || r.state === 'pending' ? 'waiting' : r.state === 'produced' ? 'produced' : r.state;
      counts[status]++;
      if (items.length < maxItems)
        items.push({
          entryId,
          status,
          targetTopic: r?.targetTopic ?? null,
          targetOffset: r?.targetOffset ?? null,
          error: r?.error ?? null,
          outcome: r && r.state === 'produced' ? r.outcome : null,
        });
    }
    return {
      id: j.id,
      state: j.state,
      total: j.entryIds.length,
      done: counts.produced + counts.failed + counts.refused,
      requestedBy: j.requestedBy,
      createdAt: j.createdAt,
      counts,
      items,
    };
  }

  return { plan, resolve, job };
}
export type DlqOperator = ReturnType<typeof createDlqOperator>;
