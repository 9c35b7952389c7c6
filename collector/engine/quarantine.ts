import type { Logger } from '../../lib/logger.ts';
import { decodeOptionsOf } from '../ingest/decode-record.ts';
import type { Deriver, RecordEffects } from '../ingest/derive.ts';
import type { LandedChunk, StoreTx } from '../store/types.ts';
import type { EngineConfig } from './core.ts';
import type { createChunkDecoder } from './decode-chunk.ts';
import { outcomesOf, type BatchOutcome } from './outcomes.ts';

// Setting a landed chunk aside (indexer.ts decides when: it failed indexing three times alone in
// its transaction, or the worker died twice while indexing it): it is stored as one record holding
// its bytes, findable at its first offset with the reason as a problem, and leaves the landing
// table, so indexing goes on. Counted in `batchesQuarantined`.

export interface QuarantineDeps {
  readonly decoder: ReturnType<typeof createChunkDecoder>;
  readonly derive: Deriver;
  /** A store transaction through the derivation cache (indexer.ts). */
  readonly write: <T>(fn: (tx: StoreTx) => Promise<T>) => Promise<T>;
  readonly config: EngineConfig;
  readonly now: () => number;
  readonly onIndexed: (outcomes: BatchOutcome[]) => void;
  readonly log: Logger;
}

export function createQuarantine(deps: QuarantineDeps) {
  return async function setAside(chunk: LandedChunk, reason: string): Promise<void> {
    const at = deps.now();
    const opts = decodeOptionsOf(deps.config, at);
    const d = deps.decoder.keptAsBytes(chunk, `quarantined: ${reason}; its bytes are the value`, opts);
    const effects: RecordEffects | undefined = await deps.write(async (tx) => {
      const e = await deps.derive(tx, d, true);
      await tx.landing.remove(chunk.seq);
      return e;
    });
    deps.log.error(
      { topic: chunk.topic, partition: chunk.partition, firstOffset: chunk.firstOffset, reason },
      'a landed batch could not be indexed; set aside as one record',
    );
    const [outcome] = outcomesOf([chunk], [[effects]], at);
    deps.onIndexed([
      { ...outcome!, counts: [...outcome!.counts, ['batchesQuarantined', { topic: chunk.topic }, 1]] },
    ]);
  };
}
