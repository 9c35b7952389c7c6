import { recordId } from '../../lib/api/common.ts';
import type { DlqEntryRow, StoredRecord, StoreTx } from '../store/types.ts';

// One dead-letter entry per record on a dead-letter topic, whatever convention wrote it. The
// first failure is the earliest retry-topic copy of the same event when there is one.
export async function createDlqEntry(
  tx: StoreTx,
  rec: StoredRecord,
  inheritedReplayCount: number | null,
): Promise<DlqEntryRow> {
  const info = rec.dlq;
  const firstRetry = rec.ceId ? await tx.records.earliestRetryAt(rec.ceId) : undefined;
  const id = recordId(rec.topic, rec.partition, rec.offset);
  const entry: DlqEntryRow = {
    id,
    recordSeq: rec.seq,
    recordId: id,
    dlqTopic: rec.topic,
    convention: info?.convention ?? 'name-only',
    originTopic: info?.originTopic ?? null,
    originPartition: info?.originPartition ?? null,
    originOffset: info?.originOffset ?? null,
    originGroup: info?.originGroup ?? null,
    errorClass: info?.errorClass ?? null,
    errorCauseClass: info?.errorCauseClass ?? null,
    errorMessage: info?.errorMessage ?? null,
    errorStack: info?.errorStack ?? null,
    attempts: info?.attempts ?? null,
    firstFailedAt: Math.min(firstRetry ?? rec.timestamp, rec.timestamp),
    lastFailedAt: rec.timestamp,
    key: rec.keyText,
    ceId: rec.ceId,
    ceType: rec.ceType,
    correlationId: rec.correlationId,
    sagaId: rec.sagaId,
    chainId: rec.chainId,
    status: 'unresolved',
    // A replayed record that dead-letters again keeps counting toward the loop guard.
    replayCount: inheritedReplayCount ?? 0,
  };
  await tx.dlq.insert(entry);
  return entry;
}
