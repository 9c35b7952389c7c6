import type { Replay } from '../../lib/api/dlq.ts';
import type { Page, PageRequest } from './types-records.ts';

// Store shapes of dead-letter entries, replays and bulk replay jobs.

import type { AlertAction } from '../../lib/api/alerts.ts';

/** An alert silence or acknowledgement (the API shape is the stored shape). */
export type AlertActionRow = AlertAction;

export interface AlertActionRepo {
  insert(a: AlertActionRow): Promise<void>;
  /** Silences not yet ended and acknowledgements newer than `ackSince`, newest first. */
  current(now: number, ackSince: number): Promise<AlertActionRow[]>;
}

export type DlqStatus = 'unresolved' | 'replayed' | 'resolved' | 'quarantined';

export interface DlqEntryRow {
  readonly id: string;
  readonly recordSeq: number;
  readonly recordId: string;
  readonly dlqTopic: string;
  readonly convention: string;
  readonly originTopic: string | null;
  readonly originPartition: number | null;
  readonly originOffset: number | null;
  readonly originGroup: string | null;
  readonly errorClass: string | null;
  readonly errorCauseClass: string | null;
  readonly errorMessage: string | null;
  readonly errorStack: string | null;
  readonly attempts: number | null;
  readonly firstFailedAt: number;
  readonly lastFailedAt: number;
  readonly key: string | null;
  readonly ceId: string | null;
  readonly ceType: string | null;
  readonly correlationId: string | null;
  readonly sagaId: string | null;
  readonly chainId: string | null;
  readonly status: DlqStatus;
  readonly replayCount: number;
}

export interface DlqFilter {
  readonly dlqTopic?: string;
  readonly originTopic?: string;
  readonly errorClass?: string;
  readonly key?: string;
  readonly status?: DlqStatus;
  readonly from?: number;
  readonly to?: number;
}

export interface DlqResolutionRow {
  readonly id: string;
  readonly entryId: string;
  readonly action: 'resolved' | 'discarded';
  readonly reason: string;
  readonly resolvedBy: string;
  readonly resolvedAt: number;
}

export interface DlqRepo {
  insert(e: DlqEntryRow): Promise<void>;
  /** Records an operator's resolve / discard (the audit row) and marks the entry resolved. */
  resolve(r: DlqResolutionRow): Promise<void>;
  /** The audit rows of an entry, oldest first. */
  resolutions(entryId: string): Promise<DlqResolutionRow[]>;
  get(id: string): Promise<DlqEntryRow | undefined>;
  list(filter: DlqFilter, page: PageRequest): Promise<Page<DlqEntryRow>>;
  /** Every entry id matching a filter, oldest first, at most `limit` (bulk replay). */
  ids(filter: DlqFilter, limit: number): Promise<string[]>;
  groups(): Promise<{
    byOrigin: { dlqTopic: string; originTopic: string | null; total: number; unresolved: number }[];
    byError: { errorClass: string | null; total: number; unresolved: number }[];
  }>;
  update(id: string, patch: { status?: DlqStatus }): Promise<void>;
  /**
   * The loop guard's one write: takes a replay slot by raising `replayCount` by one only while it
   * is below `max`, as a single conditional UPDATE, so concurrent replays (in this process or in
   * other collectors sharing the store) cannot take the same last slot. Returns the new count, or
   * undefined when no slot is left (or no such entry). `replayCount` only ever changes here and in
   * `releaseReplay`, so it counts replays produced or in flight.
   */
  reserveReplay(id: string, max: number): Promise<number | undefined>;
  /** Gives back a slot taken by `reserveReplay` whose produce failed (never below 0). */
  releaseReplay(id: string): Promise<void>;
  setChain(fromChainId: string, toChainId: string): Promise<void>;
  bySagaOrCorrelation(sagaId: string, correlationId: string | null): Promise<string[]>;
  /** Unresolved depth and the oldest unresolved failure time per DLQ topic (metrics). */
  depth(): Promise<{ dlqTopic: string; depth: number; oldest: number | null }[]>;
}

export type ReplayState = 'pending' | 'produced' | 'failed' | 'refused';

export interface ReplayRow extends Omit<Replay, 'status'> {
  /** `pending` only between the audit row and the produce; shown as failed if the process died there. */
  readonly state: ReplayState;
  readonly ceId: string | null;
  readonly jobId: string | null;
  readonly dlqTopic: string;
}

export interface BulkJobRow {
  readonly id: string;
  readonly replayKey: string;
  readonly dlqTopics: readonly string[];
  readonly entryIds: readonly string[];
  readonly ratePerSec: number;
  readonly requestedBy: string;
  readonly createdAt: number;
  readonly state: 'running' | 'done' | 'cancelled' | 'interrupted';
  readonly done: number;
}

export interface ReplayRepo {
  get(id: string): Promise<ReplayRow | undefined>;
  byKey(entryId: string, replayKey: string): Promise<ReplayRow | undefined>;
  /** false when (entryId, replayKey) exists already: the caller answers with that one instead. */
  insert(r: ReplayRow): Promise<boolean>;
  update(
    id: string,
    patch: Partial<
      Pick<
        ReplayRow,
        'state' | 'targetPartition' | 'targetOffset' | 'error' | 'outcome' | 'outcomeAt' | 'targetTopic'
      >
    >,
  ): Promise<void>;
  byEntry(entryId: string): Promise<ReplayRow[]>;
  /** Produced replays of an event still waiting for their outcome. */
  /** Whether any produced replay still waits for its outcome (skips the per-record lookups). */
  anyAwaiting(): Promise<boolean>;
  awaitingOutcome(ceId: string): Promise<ReplayRow[]>;
  byChainAwaiting(chainId: string): Promise<ReplayRow[]>;
  insertJob(j: BulkJobRow): Promise<boolean>;
  jobByKey(replayKey: string): Promise<BulkJobRow | undefined>;
  updateJob(id: string, patch: { state?: BulkJobRow['state']; done?: number }): Promise<void>;
  runningJobs(): Promise<BulkJobRow[]>;
}
