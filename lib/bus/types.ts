import type { HeaderInput, RecordHeader } from '../events/headers.ts';

// The Bus port: the part of Kafka's semantics Causeway and the shop rely on. Two adapters
// implement it (kafkajs against a real cluster, and the embedded in-process log), and one contract
// suite (`contract.int.test.ts`) runs against both so they cannot drift apart.
//
// Offsets are numbers: Kafka's are int64, but a partition would need 2^53 records to overflow.

export interface ProduceRecord {
  readonly topic: string;
  readonly key?: Buffer | string | null;
  /** null is a tombstone. */
  readonly value: Buffer | string | null;
  readonly headers?: HeaderInput;
  readonly partition?: number;
  /** CreateTime in ms; defaults to now. */
  readonly timestamp?: number;
}

export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
}

export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
}

export interface RecordBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly ConsumedRecord[];
  /** High watermark of the partition when the batch was fetched. */
  readonly highWatermark: number;
  /** For a consumer with `rawBatches`, on Kafka: the records as the broker sent them (then `records` is usually empty). */
  readonly raw?: RawRecordBatches;
}

/** Kafka record batches as fetched (format v2: lib/bus/kafka-record-batch.ts decodes them). */
export interface RawRecordBatches {
  /** The delivery starts here: records of the first batch before it are not part of it. */
  readonly fromOffset: number;
  readonly lastOffset: number;
  /** The batches' record counts (an upper bound from `fromOffset` on). */
  readonly count: number;
  readonly batches: readonly Buffer[];
}

export interface ConsumerOptions {
  readonly groupId: string;
  /** Explicit topics, or a pattern matched against every topic (new topics are picked up while running). */
  readonly topics?: readonly string[];
  readonly topicPattern?: RegExp;
  /** Where a group with no committed offset starts. Default: earliest. */
  readonly fromBeginning?: boolean;
  /**
   * Records per handler call at most (default: the embedded bus 500, Kafka what one fetch brings).
   * On Kafka a raw record batch is not split: one larger than this is a handler call by itself.
   */
  readonly maxBatchRecords?: number;
  /**
   * Kafka only: deliver record batches undecoded in `RecordBatch.raw` (no per-record work on the
   * fetching thread). The embedded bus delivers records as always.
   */
  readonly rawBatches?: boolean;
  /** Kafka: the client id this consumer's member shows the broker (default: the bus's). */
  readonly clientId?: string;
  /** How often a pattern subscription looks for new topics. */
  readonly topicRefreshMs?: number;
  readonly sessionTimeoutMs?: number;
}

/**
 * A handler that takes a batch in and finishes it later returns a receipt: the adapter fetches on at
 * once, and commits the batch's offsets only when `done` resolves and every earlier batch of the
 * partition is done too. When `done` rejects, the partition is read again from the batch's first
 * offset (later batches of it come again as well).
 */
export interface BatchReceipt {
  readonly done: Promise<void>;
}

/**
 * Called once per fetched batch of one partition. When it resolves (without a receipt), the adapter
 * commits the offset after the batch's last record; when it rejects, nothing is committed and the
 * batch is delivered again after a backoff. `commit` lets a handler commit part of a batch early.
 */
export type BatchHandler = (batch: RecordBatch, ctx: BatchContext) => Promise<void | BatchReceipt>;

export interface BatchContext {
  readonly commit: (nextOffset: number) => Promise<void>;
  /**
   * False once the consumer is stopping or the partition was taken away: a handler that waits
   * (a backoff, a held batch) must end then, or the stop waits for it.
   */
  readonly isRunning: () => boolean;
  /**
   * Keeps the member in its group while a batch takes long (Kafka: a heartbeat when one is due;
   * rejects when the group is rebalancing). A handler that holds a batch longer than the session
   * timeout without calling it is taken for dead and its partitions move elsewhere.
   */
  readonly heartbeat: () => Promise<void>;
}

export interface BusConsumer {
  readonly groupId: string;
  /** Starts consuming; resolves once the consumer has joined its group. */
  run(handler: BatchHandler): Promise<void>;
  /** Stops fetching, waits for the in-flight batch and every receipt, commits, leaves the group. */
  stop(): Promise<void>;
  /** Current partition assignment of this member. */
  assignment(): { topic: string; partition: number }[];
}

/**
 * A reader outside any consumer group (see `Bus.tail`): every partition of the matching topics,
 * from where they ended when `run` was called, nothing ever committed.
 */
export interface TailOptions {
  /** Matched against every topic; new topics and partitions are picked up while running. */
  readonly topicPattern: RegExp;
  /** Names the reader on the broker (Kafka: its throwaway group is `tailGroupId(name)`). */
  readonly name: string;
  /** Kafka only: deliver record batches undecoded in `RecordBatch.raw` (see ConsumerOptions). */
  readonly rawBatches?: boolean;
  readonly clientId?: string;
  /** How often the topic list is read again. */
  readonly topicRefreshMs?: number;
}

export interface BusTail {
  /**
   * Starts reading; resolves once each partition's start position (its high watermark now) is
   * fixed, so every record produced after that is delivered. A partition that appears later is read
   * from its beginning. `onBatch` is called once per fetched batch of one partition, in order.
   */
  run(onBatch: (batch: RecordBatch) => void): Promise<void>;
  /** Stops reading and leaves nothing behind on the broker. */
  stop(): Promise<void>;
}

/**
 * The group a Kafka tail reader named `name` runs in: unique per reader, and recognisable by
 * `isTailGroupId`, so lag views leave it out (it commits nothing: it would look like a group that
 * reads nothing at all).
 */
export const tailGroupId = (name: string, unique: string) => `${name}-tail-${unique}`;
export const isTailGroupId = (id: string) => /-tail-[0-9a-f]{32}$/.test(id);

export interface TopicSpec {
  readonly topic: string;
  readonly numPartitions?: number;
  readonly configs?: Readonly<Record<string, string>>;
}

export interface PartitionOffsets {
  readonly partition: number;
  /** Log start offset. */
  readonly low: number;
  /** High watermark: the offset the next record will get. */
  readonly high: number;
}

export interface GroupMember {
  readonly memberId: string;
  readonly clientId: string;
  readonly host: string;
  readonly assignments: { topic: string; partitions: number[] }[];
}

export type GroupState =
  'Stable' | 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Dead' | 'Unknown';

export interface GroupDescription {
  readonly groupId: string;
  readonly state: GroupState;
  readonly members: readonly GroupMember[];
}

export interface CommittedOffset {
  readonly topic: string;
  readonly partition: number;
  /** -1 when the group has not committed on this partition. */
  readonly offset: number;
}

export interface BusAdmin {
  createTopics(topics: readonly TopicSpec[]): Promise<void>;
  /** Creates the topics that do not exist yet; never fails on existing ones. */
  ensureTopics(topics: readonly TopicSpec[]): Promise<void>;
  deleteTopics(topics: readonly string[]): Promise<void>;
  listTopics(): Promise<string[]>;
  topicOffsets(topic: string): Promise<PartitionOffsets[]>;
  listGroups(): Promise<string[]>;
  describeGroups(groupIds: readonly string[]): Promise<GroupDescription[]>;
  /** Committed offsets of a group, for the given topics or for every topic it has committed on. */
  committedOffsets(groupId: string, topics?: readonly string[]): Promise<CommittedOffset[]>;
  /**
   * The non-default configs of each topic (`cleanup.policy`, `message.timestamp.type`, ...); topics
   * that do not exist are left out. Optional: an adapter that cannot describe configs omits it and
   * callers say "unknown" rather than guess.
   */
  topicConfigs?(topics: readonly string[]): Promise<Record<string, Record<string, string>>>;
}

export interface Bus {
  readonly kind: 'kafka' | 'embedded';
  produce(records: readonly ProduceRecord[]): Promise<RecordMetadata[]>;
  consumer(options: ConsumerOptions): BusConsumer;
  /** A group-less reader of every partition from the latest offsets (a live view, e.g. a tail). */
  tail(options: TailOptions): BusTail;
  readonly admin: BusAdmin;
  close(): Promise<void>;
}

export class BusError extends Error {
  override name = 'BusError';
  readonly retriable: boolean;
  constructor(message: string, options: { retriable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.retriable = options.retriable;
  }
}

/** Internal topics (`__consumer_offsets`, `__transaction_state`, ...) are never user data. */
export const isInternalTopic = (t: string) => t.startsWith('__');

export function toBuffer(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return Buffer.isBuffer(v) ? v : Buffer.from(v, 'utf8');
}
