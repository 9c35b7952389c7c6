import { recordId } from '../../lib/api/common.ts';
import type { Logger } from '../../lib/logger.ts';
import { detectAnomalies, type Anomaly } from '../chains/anomalies.ts';
import type { ChainCompletion, ChainTracker } from '../chains/tracker.ts';
import { createDlqEntry } from '../dlq/entries.ts';
import { chainCompleted, followReplays, type ReplayResult } from '../dlq/outcome.ts';
import type { SagaTracker, SagaTransition } from '../sagas/tracker.ts';
import type { StoredRecord, StoreTx } from '../store/types.ts';
import type { DecodedRecord, MalformedKind } from './decode-record.ts';

// Everything one record changes, inside the ingest transaction: the record itself (idempotent by
// topic/partition/offset: a redelivered record changes nothing), then its anomalies, chain, dead-
// letter entry, replay outcomes and saga instances.
//
// A derivation that throws must not wedge a partition, so in `safe` mode each record's
// derivations run under a savepoint: on failure only they are undone and logged, and the record
// stays stored. Savepoints make SQLite journal every page a record touches (about a third of
// the write cost), so ingest runs a batch without them first and only replays it in safe mode
// when that attempt threw a DerivationError (and rolled back whole).

/** A derivation failed in fast mode: the batch is retried record by record under savepoints. */
export class DerivationError extends Error {
  override name = 'DerivationError';
}

export interface RecordEffects {
  readonly record: StoredRecord;
  readonly malformed: readonly MalformedKind[];
  readonly anomalies: readonly Anomaly[];
  readonly sagaTransitions: readonly SagaTransition[];
  readonly completion: ChainCompletion | undefined;
  readonly replayResults: readonly ReplayResult[];
}

export interface DeriverDeps {
  readonly chains: ChainTracker;
  /** Absent where sagas are derived elsewhere (a store file's search worker). */
  readonly sagas: SagaTracker | undefined;
  readonly lateThresholdMs: number;
  readonly now: () => number;
  readonly logger: Logger;
}

export function createDeriver(deps: DeriverDeps) {
  const { chains, sagas, logger } = deps;

  return async function ingestOne(
    tx: StoreTx,
    d: DecodedRecord,
    safe: boolean,
  ): Promise<RecordEffects | undefined> {
    const lookups = async () => ({
      chainId: await chains.assign(tx, d.record),
      anomalies: await detectAnomalies(tx, d.record, d.envelope, { lateThresholdMs: deps.lateThresholdMs }),
    });
    let found: { chainId: string | null; anomalies: Anomaly[] };
    try {
      found = await lookups();
    } catch (err) {
      if (!safe)
        throw new DerivationError(
          `deriving from ${d.record.topic}:${d.record.partition}:${d.record.offset} failed`,
          { cause: err },
        );
      logger.error(
        { err, topic: d.record.topic, offset: d.record.offset },
        'chain and anomaly lookups failed; storing the record without them',
      );
      found = { chainId: null, anomalies: [] };
    }
    const { chainId, anomalies } = found;
    const record = await tx.records.insert({
      ...d.record,
      chainId,
      anomalies: [...new Set(anomalies.map((a) => a.kind))],
    });
    if (!record) return undefined;
    const rid = recordId(record.topic, record.partition, record.offset);
    let sagaTransitions: SagaTransition[] = [];
    let completion: ChainCompletion | undefined;
    const replayResults: ReplayResult[] = [];
    const derive = async () => {
      if (anomalies.length)
        await tx.records.addAnomalies(anomalies.map((a) => ({ recordSeq: record.seq, recordId: rid, ...a })));
      completion = await chains.onStored(tx, record);
      if (record.isDlq) await createDlqEntry(tx, record, d.replayCount);
      replayResults.push(...(await followReplays(tx, record, deps.now())));
      if (completion) replayResults.push(...(await chainCompleted(tx, completion.chainId, deps.now())));
      if (sagas) sagaTransitions = await sagas.onRecord(tx, record, d.payload);
    };
    if (!safe) {
      try {
        await derive();
      } catch (err) {
        throw new DerivationError(`deriving from ${rid} failed`, { cause: err });
      }
    } else {
      try {
        await tx.savepoint(derive);
      } catch (err) {
        logger.error(
          { err, record: rid },
          'deriving from a record failed; the record is stored without its derived state',
        );
        sagaTransitions = [];
        completion = undefined;
        replayResults.length = 0;
      }
    }
    return { record, malformed: d.malformed, anomalies, sagaTransitions, completion, replayResults };
  };
}
export type Deriver = ReturnType<typeof createDeriver>;
