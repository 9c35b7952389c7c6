import { readFileSync } from 'node:fs';
import kafkajs from 'kafkajs';
import type { Admin, KafkaConfig, Producer, SASLOptions } from 'kafkajs';
import type { Logger } from '../logger.ts';
import { rawFetchSocketFactory } from './kafka-raw-socket.ts';
import { fixRequestQueueTimer } from './kafka-request-queue.ts';
import type { ConsumerOptions } from './types.ts';

const { Kafka, logLevel, Partitioners } = kafkajs;
type KafkaClient = InstanceType<typeof Kafka>;

// The kafkajs clients behind one Kafka bus (kafka.ts): the configured client, one per consumer
// kind that needs its own, and the shared admin and producer, each replaced when its metadata
// went stale.

export interface KafkaBusOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  readonly ssl?: { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean } | boolean;
  readonly sasl?: {
    mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
    username: string;
    password: string;
  };
  readonly logger?: Logger;
  readonly connectionTimeoutMs?: number;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const STALE_METADATA = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'NOT_LEADER_FOR_PARTITION',
  'LEADER_NOT_AVAILABLE',
]);

/**
 * A kafkajs client remembers every topic it has touched and asks for their metadata on each
 * refresh; once one of them is deleted, every later call of that client fails. Such errors are
 * answered by replacing the client (see `withAdmin` and `produce`).
 */
export function isStaleMetadata(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const x = e as { type?: unknown; originalError?: unknown; cause?: unknown };
    if (typeof x.type === 'string' && STALE_METADATA.has(x.type)) return true;
    e = x.originalError ?? x.cause;
  }
  return false;
}

function toSasl(s: NonNullable<KafkaBusOptions['sasl']>): SASLOptions {
  const { username, password } = s;
  if (s.mechanism === 'plain') return { mechanism: 'plain', username, password };
  if (s.mechanism === 'scram-sha-256') return { mechanism: 'scram-sha-256', username, password };
  return { mechanism: 'scram-sha-512', username, password };
}

export interface KafkaClients {
  readonly log: Logger | undefined;
  /** The client for a consumer: its own when it takes raw batches or names its clientId. */
  consumerClient(opts: ConsumerOptions): KafkaClient;
  /** A fetched record's raw Kafka batch, when its client rewrote the Fetch (kafka-raw-socket.ts). */
  rawBatchOf: ReturnType<typeof rawFetchSocketFactory>['rawBatchOf'];
  /** Runs an admin call, once more on a fresh client when the old one's metadata went stale. */
  withAdmin<T>(fn: (a: Admin) => Promise<T>): Promise<T>;
  /** Replaces the admin client (and forgets partition counts). */
  resetAdmin(): Promise<void>;
  producer(): Promise<Producer>;
  /** Drops the producer (when `p` is given: only if it is still the current one). */
  dropProducer(p?: Producer): Promise<void>;
  /** Partition counts per topic, forgotten with the admin client. */
  readonly partitionCounts: Map<string, number>;
  close(): Promise<void>;
}

export function createKafkaClients(options: KafkaBusOptions): KafkaClients {
  fixRequestQueueTimer();
  const log = options.logger;
  const ssl =
    typeof options.ssl === 'object'
      ? {
          rejectUnauthorized: options.ssl.rejectUnauthorized ?? true,
          ...(options.ssl.ca && { ca: [readFileSync(options.ssl.ca, 'utf8')] }),
          ...(options.ssl.cert && { cert: readFileSync(options.ssl.cert, 'utf8') }),
          ...(options.ssl.key && { key: readFileSync(options.ssl.key, 'utf8') }),
        }
      : options.ssl;
  const config: KafkaConfig = {
    clientId: options.clientId ?? 'causeway',
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 5000,
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      const { message, ...extra } = entry.log;
      const fields = { namespace: entry.namespace, ...extra };
      // kafkajs logs every protocol error response at ERROR even though it retries them (a
      // partition leader moving, a topic deleted under a poll); those are debug noise here.
      if (message.startsWith('Response ')) log?.debug(fields, message);
      else if (entry.level === logLevel.ERROR) log?.error(fields, message);
      else log?.warn(fields, message);
    },
    ...(ssl !== undefined && { ssl }),
    ...(options.sasl && { sasl: toSasl(options.sasl) }),
  };
  const kafka = new Kafka(config);
  // Consumers that take record batches undecoded get their own client: its connections are the
  // ones whose Fetch responses kafka-raw-socket.ts rewrites.
  const rawFetch = rawFetchSocketFactory();
  // A consumer's clientId (what the broker and `describeGroups` show for its member) is a kafkajs
  // client's: one client per (raw or not, clientId) pair.
  const consumerClients = new Map<string, InstanceType<typeof Kafka>>();
  const consumerClient = (opts: ConsumerOptions) => {
    const key = `${opts.rawBatches ? 'raw' : 'plain'}\u0000${opts.clientId ?? ''}`;
    let client = consumerClients.get(key);
    if (!client) {
      client = new Kafka({
        ...config,
        ...(opts.clientId && { clientId: opts.clientId }),
        ...(opts.rawBatches && { socketFactory: rawFetch.socketFactory }),
      });
      consumerClients.set(key, client);
    }
    return client;
  };
  let producer: Producer | undefined;
  let producerReady: Promise<Producer> | undefined;
  let sharedAdmin: Promise<Admin> | undefined;
  const partitionCounts = new Map<string, number>();

  const getAdmin = () => {
    sharedAdmin ??= (async () => {
      const a = kafka.admin();
      await a.connect();
      return a;
    })().catch((e: unknown) => {
      sharedAdmin = undefined;
      throw e;
    });
    return sharedAdmin;
  };

  /**
   * Replaces the admin client, or only `used` when given and still current: a late failure of a
   * call made on an older client must not disconnect the fresh one other calls are using.
   */
  async function resetAdmin(used?: Promise<Admin>) {
    const stale = sharedAdmin;
    if (used && stale !== used) return;
    sharedAdmin = undefined;
    partitionCounts.clear();
    await stale?.then((a) => a.disconnect()).catch(() => undefined);
  }

  /** Runs an admin call, once more on a fresh client when the old one's metadata went stale. */
  async function withAdmin<T>(fn: (a: Admin) => Promise<T>): Promise<T> {
    const used = getAdmin();
    try {
      return await fn(await used);
    } catch (err) {
      if (!isStaleMetadata(err)) throw err;
      log?.debug({ err }, 'admin metadata is stale (a topic was deleted?); reconnecting');
      await resetAdmin(used);
      return fn(await getAdmin());
    }
  }

  const getProducer = () => {
    producerReady ??= (async () => {
      // We choose partitions ourselves (murmur2, like Java); naming the default partitioner silences kafkajs's v2 migration warning.
      const p = kafka.producer({
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await p.connect();
      producer = p;
      return p;
    })().catch((e: unknown) => {
      producerReady = undefined;
      throw e;
    });
    return producerReady;
  };

  async function dropProducer(p?: Producer) {
    if (p && producer !== p) return;
    const stale = producer;
    producer = undefined;
    producerReady = undefined;
    await stale?.disconnect().catch(() => undefined);
  }

  return {
    log,
    consumerClient: (opts) => (opts.rawBatches || opts.clientId ? consumerClient(opts) : kafka),
    rawBatchOf: (key, value) => rawFetch.rawBatchOf(key, value),
    withAdmin,
    resetAdmin: () => resetAdmin(),
    producer: getProducer,
    dropProducer,
    partitionCounts,
    async close() {
      await producer?.disconnect();
      producer = undefined;
      producerReady = undefined;
      const a = sharedAdmin;
      sharedAdmin = undefined;
      if (a) await (await a.catch(() => undefined))?.disconnect();
    },
  };
}
