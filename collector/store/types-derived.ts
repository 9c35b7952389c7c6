import type { z } from 'zod';
import type { Span } from '../../lib/api/chains.ts';
import type { sagaHistoryEntrySchema, sagaStepSchema } from '../../lib/api/sagas.ts';
import type { SagaState } from '../../lib/events/shop-events.ts';
import type { Page, PageRequest } from './types-records.ts';

// Store shapes of what is derived from records: spans joined to them, chains and sagas.

export interface SpanRow extends Span {
  readonly chainId: string | null;
  readonly storedAt: number;
  /** Messaging attributes lifted out of `attributes` for joins. */
  readonly msgTopic: string | null;
  readonly msgPartition: number | null;
  readonly msgOffset: number | null;
  readonly msgId: string | null;
  readonly msgGroup: string | null;
}

export interface SpanRepo {
  /** false when the span (trace id, span id) was already stored. */
  insert(s: SpanRow): Promise<boolean>;
  byTraceIds(traceIds: readonly string[], limit: number): Promise<SpanRow[]>;
  byChain(chainId: string, limit: number): Promise<SpanRow[]>;
  byRecordIds(recordIds: readonly string[], limit: number): Promise<SpanRow[]>;
  /** Spans not yet joined to a record that name it by messaging attributes or trace context. */
  unjoinedFor(r: {
    topic: string;
    partition: number;
    offset: number;
    ceId: string | null;
    traceId: string | null;
    spanId: string | null;
  }): Promise<SpanRow[]>;
  setRecord(traceId: string, spanId: string, recordId: string, chainId: string | null): Promise<void>;
  setChain(fromChainId: string, toChainId: string): Promise<void>;
  setChainOfTrace(traceId: string, chainId: string): Promise<void>;
}

export interface ChainRow {
  readonly id: string;
  readonly correlationId: string | null;
  readonly flow: string | null;
  readonly firstTs: number;
  readonly lastTs: number;
  /** Wall time the last record of the chain was stored: `stopped` is judged from it. */
  readonly lastSeen: number;
  readonly recordCount: number;
  /** Event time of the first terminal event, and the latest final event (see config). */
  readonly terminalAt: number | null;
  readonly finalAt: number | null;
  readonly completeAt: number | null;
  readonly lastType: string | null;
  readonly lastTopic: string | null;
}

export type ChainStatus = 'complete' | 'in_progress' | 'stopped' | 'failed';

export interface ChainsFilter {
  readonly status?: ChainStatus;
  readonly flow?: string;
  /** First record at or after / at or before (epoch ms). */
  readonly startedAfter?: number;
  readonly startedBefore?: number;
  /**
   * Up to when silence is judged: a chain not seen for `stoppedAfterMs` before it is `stopped`
   * (the clock, held back while records wait to be indexed: api/routes/chains.ts).
   */
  readonly now: number;
  readonly stoppedAfterMs: number;
}

export interface ChainRepo {
  get(id: string): Promise<ChainRow | undefined>;
  put(row: ChainRow): Promise<void>;
  /**
   * Stores that several collectors share: adds one record's contribution (or a merged chain's)
   * to the chain as a commutative upsert — counts add, first / last times and the terminal time
   * take the min / max, flow and correlation id keep the first known — and completes it when its
   * merged times say so. `completed`: this call completed it. Absent on a one-writer store, whose
   * tracker reads, changes and `put`s the row.
   */
  add?(
    delta: ChainRow,
    opts: { requireFinal: boolean; now: number },
  ): Promise<{ row: ChainRow; completed: boolean }>;
  /** Deletes a chain and returns it (merging): of two concurrent takers, one gets the row. */
  take?(id: string): Promise<ChainRow | undefined>;
  delete(id: string): Promise<void>;
  chainOfTrace(traceId: string): Promise<string | undefined>;
  mapTrace(traceId: string, chainId: string): Promise<void>;
  tracesOf(chainId: string): Promise<string[]>;
  moveTraces(fromChainId: string, toChainId: string): Promise<void>;
  list(filter: ChainsFilter, page: PageRequest): Promise<Page<ChainRow & { status: ChainStatus }>>;
  /** Durations of chains completed since a time (health's p95). */
  completedDurations(since: number, limit: number): Promise<number[]>;
}

export type SagaStepView = z.infer<typeof sagaStepSchema>;
export type SagaHistoryEntry = z.infer<typeof sagaHistoryEntrySchema>;

export interface SagaRow {
  readonly id: string;
  readonly type: string;
  readonly source: 'orchestrated' | 'choreographed';
  /** The state from records; the view shows STUCK instead while `stuck`. */
  readonly state: SagaState;
  readonly stuck: boolean;
  readonly stuckAt: number | null;
  readonly correlationId: string | null;
  readonly currentStep: string | null;
  readonly startedAt: number;
  readonly updatedAt: number;
  readonly deadline: number | null;
  readonly steps: readonly SagaStepView[];
  readonly history: readonly SagaHistoryEntry[];
  readonly nextExpected: { events: string[]; deadline: number | null } | null;
  readonly reason: string | null;
}

/** One record that concerns a saga instance; instances are re-evaluated from all of them. */
export interface SagaEvent {
  readonly sagaId: string;
  readonly recordSeq: number;
  readonly recordId: string;
  readonly type: string | null;
  readonly at: number;
  readonly step: string | null;
  /** The orchestrator's SagaStateChanged payload (JSON), for orchestrated sagas. */
  readonly data: string | null;
}

export interface SagasFilter {
  readonly state?: string;
  readonly type?: string;
  readonly stuck?: boolean;
  readonly startedBefore?: number;
  /** Started at or after (epoch ms). */
  readonly startedAfter?: number;
  readonly correlationId?: string;
}

export interface SagaRepo {
  get(id: string): Promise<SagaRow | undefined>;
  put(row: SagaRow): Promise<void>;
  addEvent(e: SagaEvent): Promise<void>;
  events(sagaId: string): Promise<SagaEvent[]>;
  byCorrelation(correlationId: string): Promise<SagaRow[]>;
  list(filter: SagasFilter, page: PageRequest): Promise<Page<SagaRow>>;
  counts(): Promise<{ type: string; state: string; count: number }[]>;
  /** Marks RUNNING / COMPENSATING sagas whose deadline passed as stuck; returns the newly stuck. */
  markStuck(now: number): Promise<SagaRow[]>;
}
