import type { AnomalyKind } from '../../lib/api/records.ts';
import type { DlqInfo } from '../../lib/events/dlq.ts';

// Store shapes of records and paging (see types.ts for the port itself).

export type ValueKind = 'json' | 'text' | 'binary' | 'tombstone' | 'empty';
export type TextEncoding = 'utf8' | 'hex';

/** A header as stored: UTF-8 text when valid, hex otherwise, so the bytes can be rebuilt exactly. */
export interface StoredHeader {
  readonly key: string;
  readonly value: string;
  readonly encoding: TextEncoding;
}

export interface RecordProblem {
  readonly header?: string;
  readonly problem: string;
}

/** Everything kept about a record except its value and headers (lists, chains, the live tail). */
export interface RecordRow {
  readonly seq: number;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly storedAt: number;
  readonly keyText: string | null;
  readonly keyEncoding: TextEncoding | null;
  readonly valueKind: ValueKind;
  readonly valueSize: number;
  readonly valueTruncated: boolean;
  readonly ceId: string | null;
  readonly ceType: string | null;
  readonly ceSource: string | null;
  readonly ceTime: string | null;
  readonly ceTimeMs: number | null;
  readonly causationId: string | null;
  readonly correlationId: string | null;
  readonly traceId: string | null;
  readonly spanId: string | null;
  readonly sagaId: string | null;
  readonly sagaType: string | null;
  readonly sagaStep: string | null;
  readonly isDlq: boolean;
  readonly isRetry: boolean;
  readonly anomalies: readonly AnomalyKind[];
  readonly chainId: string | null;
  /** `x-causeway-replay-id` when this record was produced by a DLQ replay. */
  readonly replayId: string | null;
}

export interface NewRecord extends Omit<RecordRow, 'seq'> {
  readonly key: Buffer | null;
  /** Possibly truncated to MAX_VALUE_BYTES; `valueSize` keeps the true size. */
  readonly value: Buffer | null;
  /**
   * The key and value decoded from a schema-registry format (collector/schemas) as JSON text:
   * indexed for search like a JSON value, not stored (the record view decodes again).
   */
  readonly decodedText?: string | null;
  readonly headers: readonly StoredHeader[];
  readonly problems: readonly RecordProblem[];
  readonly dlq: DlqInfo | null;
}

export interface StoredRecord extends NewRecord {
  readonly seq: number;
}

export interface AnomalyRow {
  readonly recordSeq: number;
  readonly recordId: string;
  readonly kind: AnomalyKind;
  readonly detail: string;
}

/** Keyset paging: the sort key of the last item returned, opaque to clients. */
export type Cursor = readonly (string | number)[];
export interface PageRequest {
  readonly cursor: Cursor | null;
  readonly limit: number;
}
export interface Page<T> {
  readonly items: T[];
  readonly next: Cursor | null;
}

export interface RecordsFilter {
  readonly topic?: string;
  readonly key?: string;
  readonly type?: string;
  readonly correlationId?: string;
  readonly q?: string;
  readonly from?: number;
  readonly to?: number;
  readonly dlqOnly?: boolean;
  readonly partition?: number;
  /** Browse from this offset on, by offset ascending (with topic and partition). */
  readonly offset?: number;
  /** 'asc': oldest first (by offset when `offset` is set, else by time). Default newest first. */
  readonly order?: 'asc' | 'desc';
}

export interface RecordRepo {
  /** Inserts unless (topic, partition, offset) is already stored; undefined then. */
  insert(r: NewRecord): Promise<StoredRecord | undefined>;
  /**
   * `insert` for each of `rows` in order, in as few statements as the backend allows (PostgreSQL:
   * one multi-row INSERT per chunk instead of a round trip per record). The result has one entry
   * per input at its index: the stored record, or undefined where its (topic, partition, offset)
   * was already stored or appears earlier in `rows` (the earlier one is stored). Seqs grow in input order.
   */
  insertMany(rows: readonly NewRecord[]): Promise<(StoredRecord | undefined)[]>;
  get(topic: string, partition: number, offset: number): Promise<StoredRecord | undefined>;
  list(filter: RecordsFilter, page: PageRequest): Promise<Page<RecordRow>>;
  byChain(chainId: string, limit: number): Promise<RecordRow[]>;
  byCeId(ceId: string, limit: number): Promise<RecordRow[]>;
  byTraceId(traceId: string, limit: number): Promise<RecordRow[]>;
  /** The record with the highest offset below `beforeOffset` with the same key on one partition. */
  previousWithKey(
    topic: string,
    partition: number,
    keyText: string,
    beforeOffset: number,
  ): Promise<RecordRow | undefined>;
  /** Earliest broker time of a retry-topic copy of an event (first failure of a DLQ entry). */
  earliestRetryAt(ceId: string): Promise<number | undefined>;
  setChain(fromChainId: string, toChainId: string): Promise<number>;
  addAnomalies(rows: readonly AnomalyRow[]): Promise<void>;
  anomaliesOfChain(chainId: string, limit: number): Promise<AnomalyRow[]>;
  stats(): Promise<{ approxCount: number; lastStoredAt: number | null }>;
}

/**
 * A run of consecutive fetched records of one partition as it lands: their packed bytes one after
 * another (engine/protocol.ts) and the offsets they span (a compacted topic leaves gaps inside).
 */
export interface LandingChunk {
  readonly topic: string;
  readonly partition: number;
  /** 'packed': records packed by the engine; 'kafka': one Kafka record batch as fetched. */
  readonly format: 'packed' | 'kafka';
  /** The first record's offset; of a Kafka batch, where its records start to count. */
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly count: number;
  readonly landedAt: number;
  readonly body: Uint8Array;
}

export interface LandedChunk extends LandingChunk {
  /** Landing order; a chunk's records are numbered seq - count + 1 .. seq. */
  readonly seq: number;
}

/** Staged ingest's first stage: records stored as fetched, waiting to be decoded and indexed. */
export interface LandingRepo {
  /**
   * Appends chunks as given: the caller (the engine, landing's one writer) lands only records
   * that `highestOffset` / `holds` say are new.
   */
  append(chunks: readonly LandingChunk[]): Promise<void>;
  /** The highest offset of the partition landed or indexed (-1 when none): every later one is new. */
  highestOffset(topic: string, partition: number): Promise<number>;
  /** Whether the record at `offset` is landed or indexed (a redelivery). */
  holds(topic: string, partition: number, offset: number): Promise<boolean>;
  /** The oldest waiting chunks, in landing order: `limit` records and `maxBytes` of bodies, and always the first. */
  next(limit: number, maxBytes: number): Promise<LandedChunk[]>;
  /**
   * Per partition with chunks of this collector waiting: its oldest chunk, and the highest offset
   * waiting. How far back a restart's waiting records hold deadlines (engine/frontier.ts).
   */
  waitingPartitions(): Promise<{ readonly first: LandedChunk; readonly lastOffset: number }[]>;
  /** Drops every chunk up to and including `seq` (they have been indexed). */
  remove(throughSeq: number): Promise<void>;
  /**
   * Records waiting: `waiting` those this collector landed (what its own indexing has to do),
   * `waitingAll` those of every collector sharing the store (what the store has not indexed yet;
   * the same number on a store of one collector).
   */
  stats(): Promise<{ waiting: number; waitingAll: number }>;
}
