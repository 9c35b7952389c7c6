import type { ReplayRow, StoredRecord, StoreTx } from '../store/types.ts';

// Following a replay after it was produced: the console must be able to say whether the replayed
// record was processed, whether its flow then completed, or whether it dead-lettered again.
//   processed       a record caused by the replayed event (ce_causationid = its ce_id) arrived
//                   after the replay, on a topic that is not a retry or dead-letter topic;
//   chain_completed the chain of the entry reached `complete` (see chains/tracker.ts);
//   failed_again    a dead-letter record carrying the replay id (headers are kept on the way).

export type ReplayResult = 'processed' | 'failed_again' | 'chain_completed';

async function settle(tx: StoreTx, r: ReplayRow, outcome: ReplayResult, at: number) {
  await tx.replays.update(r.id, { outcome, outcomeAt: at });
  if (outcome !== 'failed_again') await tx.dlq.update(r.entryId, { status: 'resolved' });
}

export async function followReplays(tx: StoreTx, rec: StoredRecord, now: number): Promise<ReplayResult[]> {
  const out: ReplayResult[] = [];
  if (rec.isDlq) {
    const candidates: ReplayRow[] = [];
    if (rec.replayId) {
      const r = await tx.replays.get(rec.replayId);
      if (r) candidates.push(r);
    } else if (rec.ceId) {
      candidates.push(
        ...(await tx.replays.awaitingOutcome(rec.ceId)).filter((r) => r.targetTopic === rec.dlq?.originTopic),
      );
    }
    for (const r of candidates)
      if (r.state === 'produced' && r.outcome !== 'failed_again') {
        await settle(tx, r, 'failed_again', now);
        out.push('failed_again');
      }
    return out;
  }
  if (rec.isRetry || !rec.causationId || rec.causationId === rec.ceId) return out;
  for (const r of await tx.replays.awaitingOutcome(rec.causationId))
    if (r.outcome === 'pending' && rec.storedAt >= r.requestedAt) {
      await settle(tx, r, 'processed', now);
      out.push('processed');
    }
  return out;
}

export async function chainCompleted(tx: StoreTx, chainId: string, now: number): Promise<ReplayResult[]> {
  const out: ReplayResult[] = [];
  for (const r of await tx.replays.byChainAwaiting(chainId)) {
    await settle(tx, r, 'chain_completed', now);
    out.push('chain_completed');
  }
  return out;
}
