import type { AuditRepo } from './types-audit.ts';
import type { ChainRepo, SagaRepo, SpanRepo } from './types-derived.ts';
import type { AlertActionRepo, DlqRepo, ReplayRepo } from './types-dlq.ts';
import type { LandingRepo, RecordRepo } from './types-records.ts';

// The store port. Ingest, derivations and the API only talk to this interface; the SQLite
// adapter (`sqlite/`) implements it with `node:sqlite`. Every method is async so a PostgreSQL
// adapter can be added without touching any caller. Writes happen inside `transaction`, which
// the adapter serialises: ingest writes one batch plus everything derived from it atomically.

export type * from './types-records.ts';
export type * from './types-derived.ts';
export type * from './types-dlq.ts';
export type * from './types-audit.ts';

export interface StoreTx {
  readonly landing: LandingRepo;
  readonly records: RecordRepo;
  readonly spans: SpanRepo;
  readonly chains: ChainRepo;
  readonly sagas: SagaRepo;
  readonly dlq: DlqRepo;
  readonly replays: ReplayRepo;
  /** Who revealed a masked value, when, which record (collector/masking). */
  readonly audit: AuditRepo;
  readonly alertActions: AlertActionRepo;
  /** Runs `fn` so that, if it throws, only its own writes are undone (a per-record savepoint). */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
}

export interface RetentionResult {
  readonly records: number;
  readonly spans: number;
  readonly other: number;
}

export interface Store extends StoreTx {
  readonly kind: string;
  /**
   * Several collector processes write this store at once (PostgreSQL): no in-process cache may
   * answer for it — another process can make any cached answer false (engine/cache.ts).
   */
  readonly shared?: boolean;
  /**
   * Shared stores: a view the elected collector computes (collector/leader.ts) and the others
   * serve, e.g. consumer lag; one JSON document per name, the latest only.
   */
  publish?(name: string, at: number, json: string): Promise<void>;
  published?(name: string): Promise<{ at: number; json: string } | undefined>;
  /**
   * Shared stores: how far each collector is through its records (engine/frontier.ts), so that
   * no collector judges a saga's deadline while another still holds records that could answer it.
   * `report` gives this collector's own; `through` is the smallest of every live collector's, as
   * last read (each second).
   */
  readonly frontiers?: { report(through: () => number): void; through(): number };
  /** Serialised, atomic: everything `fn` writes commits together or not at all. */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** One bounded retention step: at most `maxDeletes` rows per table. */
  enforceRetention(opts: {
    olderThan: number;
    maxRecords: number;
    maxDeletes: number;
  }): Promise<RetentionResult>;
  /**
   * Every id the derivation cache's filters must know (collector/engine/cache.ts), streamed from
   * the store; absent on stores that cannot stream, which leaves every lookup to the store.
   */
  warmKeys?(): WarmKeys;
  /**
   * A SQLite store file: its text-search index is filled outside the record transactions by a
   * search worker on this file (collector/engine/search.ts), which the collector starts.
   */
  readonly searchIndexPath?: string;
  /**
   * Sagas are derived by that search worker from the committed records, not by the ingest engine
   * (store/sqlite/sagas-apart.ts): the engine neither derives nor sweeps them, retention leaves
   * them to the worker.
   */
  readonly sagasDerivedApart?: boolean;
  /**
   * Stored records not yet searchable by text, nor in their sagas where those are derived apart
   * (0 or absent where both happen with the record).
   */
  searchBacklog?(): Promise<number>;
  close(): Promise<void>;
}

export interface WarmKeys {
  readonly ceIds: Iterable<string>;
  readonly keys: Iterable<string>;
  readonly chains: Iterable<string>;
  readonly sagas: Iterable<string>;
  readonly spanKeys: Iterable<string>;
}
