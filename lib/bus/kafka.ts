import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import kafkajs from 'kafkajs';
import type { Admin, Consumer, IHeaders, KafkaConfig, Producer, SASLOptions } from 'kafkajs';
import type { Logger } from '../logger.ts';
import { normalizeHeaders, type RecordHeader } from '../events/headers.ts';
import { createAckTracker } from './acks.ts';
import { rawFetchSocketFactory } from './kafka-raw-socket.ts';
import { batchParts, type BatchPart } from './kafka-batch-parts.ts';
import { fixRequestQueueTimer } from './kafka-request-queue.ts';
import { partitionForKey } from './murmur2.ts';
import {
  BusError,
  isInternalTopic,
  toBuffer,
  type BatchHandler,
  type Bus,
  type BusAdmin,
  type BusConsumer,
  type BusTail,
  type ConsumerOptions,
  type ProduceRecord,
  type RecordMetadata,
  type TailOptions,
  tailGroupId,
} from './types.ts';

const { Kafka, logLevel, AssignerProtocol, Partitioners } = kafkajs;

// The kafkajs adapter. Two things kafkajs does not do that the port promises are done here:
// a pattern subscription that picks up topics created later (kafkajs matches a RegExp once, at
// subscribe time, so we watch the topic list and restart the member when the match set changes),
// and per-record offsets from a produce (we choose the partition ourselves with the same murmur2
// kafkajs would use, then count from each partition's base offset).

/**
 * A consumer used as a group-less reader (see `tail`): it commits nothing and, on every join,
 * seeks each assigned partition to where the reader stands (0 for one it never saw).
 */
interface ReaderPositions {
  /** Next offset to read per `topic\u0000partition`. */
  readonly positions: Map<string, number>;
}

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

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

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits between asking again for a new topic's metadata (~2.5 s in all). */
const METADATA_RETRY_DELAYS_MS = [50, 100, 200, 400, 800, 1000];

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
function isStaleMetadata(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const x = e as { type?: unknown; originalError?: unknown; cause?: unknown };
    if (typeof x.type === 'string' && STALE_METADATA.has(x.type)) return true;
    e = x.originalError ?? x.cause;
  }
  return false;
}

function toKafkaHeaders(headers: readonly RecordHeader[]): IHeaders {
  const out: IHeaders = {};
  for (const h of headers) {
    const prev = out[h.key];
    if (prev === undefined) out[h.key] = h.value;
    else out[h.key] = Array.isArray(prev) ? [...prev, h.value] : [prev, h.value];
  }
  return out;
}

function toSasl(s: NonNullable<KafkaBusOptions['sasl']>): SASLOptions {
  const { username, password } = s;
  if (s.mechanism === 'plain') return { mechanism: 'plain', username, password };
  if (s.mechanism === 'scram-sha-256') return { mechanism: 'scram-sha-256', username, password };
  return { mechanism: 'scram-sha-512', username, password };
}

export function createKafkaBus(options: KafkaBusOptions): Bus {
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
  const consumers = new Set<BusConsumer>();
  let roundRobin = 0;

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

  async function partitionsOf(topic: string): Promise<number> {
    const known = partitionCounts.get(topic);
    if (known) return known;
    // A topic created a moment ago can still be unknown to the broker that answers (its metadata
    // has not reached it yet: UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE, both retriable),
    // so a retriable answer is asked again for a short while before the topic counts as missing.
    for (let attempt = 0; ; attempt++) {
      try {
        const md = await withAdmin((a) => a.fetchTopicMetadata({ topics: [topic] }));
        const n = md.topics[0]?.partitions.length ?? 0;
        if (!n) throw new Error('no partitions');
        partitionCounts.set(topic, n);
        return n;
      } catch (e) {
        if (isStaleMetadata(e) && attempt < METADATA_RETRY_DELAYS_MS.length) {
          await sleep(METADATA_RETRY_DELAYS_MS[attempt]!);
          continue;
        }
        throw new BusError(`Unknown topic "${topic}": create it first (topics are not auto-created)`, {
          retriable: false,
          cause: e,
        });
      }
    }
  }

  async function produce(records: readonly ProduceRecord[]): Promise<RecordMetadata[]> {
    if (records.length === 0) return [];
    const p = await getProducer();
    const placed = await Promise.all(
      records.map(async (r) => {
        const n = await partitionsOf(r.topic);
        const key = toBuffer(r.key);
        const partition = r.partition ?? (key ? partitionForKey(key, n) : roundRobin++ % n);
        return { r, key, partition, timestamp: r.timestamp ?? Date.now() };
      }),
    );
    const byTopic = new Map<string, typeof placed>();
    for (const x of placed) byTopic.set(x.r.topic, [...(byTopic.get(x.r.topic) ?? []), x]);
    const batch = {
      acks: -1,
      topicMessages: [...byTopic].map(([topic, xs]) => ({
        topic,
        messages: xs.map((x) => ({
          key: x.key,
          value: toBuffer(x.r.value),
          partition: x.partition,
          timestamp: String(x.timestamp),
          headers: toKafkaHeaders(normalizeHeaders(x.r.headers)),
        })),
      })),
    };
    let results;
    try {
      results = await p.sendBatch(batch);
    } catch (err) {
      if (isStaleMetadata(err)) {
        // A topic this producer once wrote to may be gone: the next call gets a fresh producer
        // that forgets it. Not retried here: part of the batch may already be written, and a
        // blind resend would duplicate it; callers (outbox relays, replays) retry idempotently.
        log?.debug({ err }, 'producer metadata is stale; reconnecting on the next send');
        producerReady = undefined;
        producer = undefined;
        void p.disconnect().catch(() => undefined);
      }
      throw err;
    }
    const base = new Map(
      results.map((res) => [`${res.topicName}\u0000${res.partition}`, Number(res.baseOffset)]),
    );
    const seen = new Map<string, number>();
    return placed.map((x) => {
      const k = `${x.r.topic}\u0000${x.partition}`;
      const i = seen.get(k) ?? 0;
      seen.set(k, i + 1);
      return {
        topic: x.r.topic,
        partition: x.partition,
        offset: (base.get(k) ?? 0) + i,
        timestamp: x.timestamp,
      };
    });
  }

  /** Topics matching `pattern`, internal ones never. */
  async function topicsMatching(pattern: RegExp): Promise<string[]> {
    const re = new RegExp(pattern.source, pattern.flags.replace('g', ''));
    return (await withAdmin((a) => a.listTopics())).filter((t) => !isInternalTopic(t) && re.test(t)).sort();
  }

  function consumer(opts: ConsumerOptions, reader?: ReaderPositions): BusConsumer {
    if (!opts.topics?.length && !opts.topicPattern)
      throw new BusError('A consumer needs topics or a topicPattern', { retriable: false });
    let current: Consumer | undefined;
    let subscribed: string[] = [];
    let running = false;
    let handler: BatchHandler | undefined;
    let watcher: NodeJS.Timeout | undefined;
    let restarting: Promise<void> = Promise.resolve();
    let assignment: { topic: string; partition: number }[] = [];
    let currentDrain: (() => Promise<void>) | undefined;

    async function matchingTopics(): Promise<string[]> {
      if (!opts.topicPattern) return [...(opts.topics ?? [])].sort();
      return topicsMatching(opts.topicPattern);
    }

    async function start(topics: string[]) {
      subscribed = topics;
      if (!topics.length || !handler) return;
      const h = handler;
      const c = (opts.rawBatches || opts.clientId ? consumerClient(opts) : kafka).consumer({
        groupId: opts.groupId,
        allowAutoTopicCreation: false,
        sessionTimeout: opts.sessionTimeoutMs ?? 30_000,
        heartbeatInterval: 3000,
        maxWaitTimeInMs: 250,
        retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10_000 },
      });
      c.on(c.events.GROUP_JOIN, (e) => {
        assignment = Object.entries(e.payload.memberAssignment).flatMap(([topic, ps]) =>
          ps.map((partition) => ({ topic, partition })),
        );
        // Emitted after the join and before the first fetch, which applies these seeks. Without
        // them a reader's group (no commits) would start each partition at its end again on every
        // rejoin (a new topic, a restart), losing what was produced meanwhile.
        if (reader)
          for (const a of assignment) {
            const offset = reader.positions.get(tpKey(a.topic, a.partition)) ?? 0;
            c.seek({ topic: a.topic, partition: a.partition, offset: String(offset) });
          }
      });
      await c.connect();
      await c.subscribe({ topics, fromBeginning: opts.fromBeginning ?? true });
      current = c;
      const acks = createAckTracker({
        owns: (topic, partition) => assignment.some((a) => a.topic === topic && a.partition === partition),
        commit: (offsets) =>
          c.commitOffsets(
            offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })),
          ),
        rewind: (topic, partition, offset) => {
          try {
            c.seek({ topic, partition, offset: String(offset) });
          } catch (err) {
            // Not ours any more: its new owner reads from the last commit.
            log?.debug({ err, topic, partition }, 'rewind skipped');
          }
        },
        onError: (err, what) => log?.warn({ err, groupId: opts.groupId, what }, 'deferred batch failed'),
      });
      const active = new Set<Promise<unknown>>();
      // Set when a stop begins: handlers then see isRunning() false and end their waits. kafkajs's
      // own isRunning() stays true until disconnect, which comes only after the drain, so a handler
      // waiting on it (a held batch, a backoff) and the drain waiting on that handler would wait
      // for each other for ever.
      let draining = false;
      currentDrain = async () => {
        draining = true;
        // No new fetches; the batches in hand finish, every receipt settles, and what is done commits
        // while the member is still in its group.
        c.pause(topics.map((topic) => ({ topic })));
        await Promise.allSettled([...active]);
        await acks.drain();
      };
      await c.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async (payload) => {
          const { batch } = payload;
          const isRunning = () => !draining && payload.isRunning();
          const isStale = () => payload.isStale();
          const parts = batchParts(batch, {
            // kafkajs 2.x types Batch without the offset it fetched from.
            fetchedOffset: Number((batch as { fetchedOffset?: string }).fetchedOffset ?? 0),
            maxRecords: opts.maxBatchRecords ?? Infinity,
            rawBatchOf: (m) => (opts.rawBatches ? rawFetch.rawBatchOf(m.key, m.value) : null),
          });
          const commit = async (next: number) => {
            if (reader) return;
            await c.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(next) }]);
          };
          /** One handler call; false when it failed (the partition is then read again from `first`). */
          const handOver = async (part: BatchPart): Promise<boolean> => {
            try {
              const receipt = await h(
                {
                  topic: batch.topic,
                  partition: batch.partition,
                  records: part.records,
                  highWatermark: Number(batch.highWatermark),
                  ...(part.raw && { raw: part.raw }),
                },
                {
                  commit,
                  isRunning: () => isRunning() && !isStale(),
                  // kafkajs sends one only when the heartbeat interval has passed since the last.
                  heartbeat: () => payload.heartbeat(),
                },
              );
              // With auto-resolve off, kafkajs advances its fetch position only on resolveOffset.
              payload.resolveOffset(String(part.last));
              if (reader) reader.positions.set(tpKey(batch.topic, batch.partition), part.last + 1);
              else if (!isStale())
                acks.track(
                  batch.topic,
                  batch.partition,
                  part.first,
                  part.last + 1,
                  receipt ? receipt.done : Promise.resolve(),
                );
              return true;
            } catch (err) {
              // Not committed: fetch the batch again from its first offset after a pause.
              log?.warn(
                { err, topic: batch.topic, partition: batch.partition },
                'batch handler failed; will retry',
              );
              await sleep(500);
              await payload.heartbeat();
              if (isRunning() && !isStale())
                c.seek({ topic: batch.topic, partition: batch.partition, offset: String(part.first) });
              return false;
            }
          };
          // The whole hand-over, retry pause included, is what a drain must wait for.
          const body = (async () => {
            for (const [i, part] of parts.entries()) {
              if (i > 0 && (!isRunning() || isStale())) return;
              if (!(await handOver(part))) return;
            }
          })();
          active.add(body);
          try {
            await body;
          } finally {
            active.delete(body);
          }
        },
      });
    }

    async function stopCurrent() {
      const c = current;
      const drain = currentDrain;
      current = undefined;
      currentDrain = undefined;
      if (!c) {
        assignment = [];
        return;
      }
      try {
        // Still a member with its assignment: the finished batches commit before it leaves.
        await drain?.();
      } catch (err) {
        log?.warn({ err, groupId: opts.groupId }, 'could not commit every finished batch before leaving');
      }
      assignment = [];
      await c.disconnect();
    }

    const refresh = () => {
      restarting = restarting.then(async () => {
        if (!running) return;
        try {
          const topics = await matchingTopics();
          if (topics.join('\n') === subscribed.join('\n')) return;
          log?.info({ groupId: opts.groupId, topics: topics.length }, 'subscription changed; rejoining');
          await stopCurrent();
          await start(topics);
        } catch (err) {
          log?.warn({ err, groupId: opts.groupId }, 'topic refresh failed');
        }
      });
      return restarting;
    };

    const self: BusConsumer = {
      groupId: opts.groupId,
      async run(h) {
        if (running) throw new BusError('consumer is already running', { retriable: false });
        running = true;
        handler = h;
        consumers.add(self);
        await start(await matchingTopics());
        if (opts.topicPattern) watcher = setInterval(() => void refresh(), opts.topicRefreshMs ?? 5000);
      },
      async stop() {
        if (!running) return;
        running = false;
        if (watcher) clearInterval(watcher);
        await restarting;
        await stopCurrent();
        consumers.delete(self);
      },
      assignment: () => [...assignment],
    };
    return self;
  }

  // kafkajs has no group-less (assign) consumer, and its public API offers no Fetch of its own. So
  // a tail reader is a consumer alone in a throwaway group that never commits: the broker assigns
  // it every partition, and the positions are ours (seeded from the high watermarks at `run`,
  // applied on each join). The group is deleted on stop; one left by a crash holds no offsets, so
  // the broker drops it once it is empty (offsets.retention.check.interval.ms). Its name marks it
  // (`isTailGroupId`) so lag views leave it out. This reuses all of `consumer` (pattern refresh,
  // raw batches, rejoin on new topics) instead of a second fetch loop.
  function tail(t: TailOptions): BusTail {
    const groupId = tailGroupId(t.name, randomBytes(16).toString('hex'));
    const reader: ReaderPositions = { positions: new Map() };
    const c = consumer(
      {
        groupId,
        topicPattern: t.topicPattern,
        fromBeginning: false,
        ...(t.rawBatches !== undefined && { rawBatches: t.rawBatches }),
        ...(t.clientId !== undefined && { clientId: t.clientId }),
        ...(t.topicRefreshMs !== undefined && { topicRefreshMs: t.topicRefreshMs }),
        sessionTimeoutMs: 10_000,
      },
      reader,
    );
    let joined = false;
    return {
      async run(onBatch) {
        const topics = await topicsMatching(t.topicPattern);
        await Promise.all(
          topics.map(async (topic) => {
            for (const p of await admin.topicOffsets(topic))
              reader.positions.set(tpKey(topic, p.partition), p.high);
          }),
        );
        joined = true;
        await c.run((batch) => {
          try {
            onBatch(batch);
          } catch (err) {
            // A view: a batch it fails on is skipped, never read again in a loop.
            log?.warn({ err, topic: batch.topic, partition: batch.partition }, 'tail reader handler failed');
          }
          return Promise.resolve();
        });
      },
      async stop() {
        await c.stop();
        if (!joined) return;
        await withAdmin((a) => a.deleteGroups([groupId])).catch((err: unknown) =>
          log?.debug({ err, groupId }, 'could not delete a tail reader group (the broker drops it later)'),
        );
      },
    };
  }

  const admin: BusAdmin = {
    async createTopics(specs) {
      if (!specs.length) return;
      await withAdmin((a) =>
        a.createTopics({
          waitForLeaders: true,
          topics: specs.map((s) => ({
            topic: s.topic,
            numPartitions: s.numPartitions ?? 3,
            configEntries: Object.entries(s.configs ?? {}).map(([name, value]) => ({ name, value })),
          })),
        }),
      );
    },
    async ensureTopics(specs) {
      const existing = new Set(await withAdmin((a) => a.listTopics()));
      const missing = specs.filter((s) => !existing.has(s.topic));
      if (!missing.length) return;
      try {
        await admin.createTopics(missing);
      } catch (err) {
        // Another process may have created them in between; only fail if they are still missing.
        const now = new Set(await withAdmin((a) => a.listTopics()));
        if (missing.some((s) => !now.has(s.topic))) throw err;
      }
      // A topic just created can still be unknown to a metadata request for it (seen on a busy
      // KRaft broker), and a consumer subscribing to it then fails: return once it answers.
      const topics = missing.map((s) => s.topic);
      for (let attempt = 0; ; attempt++) {
        try {
          await withAdmin((a) => a.fetchTopicMetadata({ topics }));
          return;
        } catch (err) {
          if (!isStaleMetadata(err) || attempt >= 50) throw err;
          await sleep(100);
        }
      }
    },
    async deleteTopics(names) {
      await withAdmin((a) => a.deleteTopics({ topics: [...names] }));
      // These clients knew those topics; fresh ones will not ask for their metadata again.
      await resetAdmin();
      const stale = producer;
      producer = undefined;
      producerReady = undefined;
      await stale?.disconnect().catch(() => undefined);
    },
    async listTopics() {
      return withAdmin((a) => a.listTopics());
    },
    async topicConfigs(names) {
      if (!names.length) return {};
      const res = await withAdmin((a) =>
        a.describeConfigs({
          includeSynonyms: false,
          resources: names.map((name) => ({ type: kafkajs.ConfigResourceTypes.TOPIC, name })),
        }),
      );
      const out: Record<string, Record<string, string>> = {};
      for (const r of res.resources) {
        if (r.errorCode !== 0) continue;
        out[r.resourceName] = Object.fromEntries(
          r.configEntries.filter((e) => e.configValue !== null).map((e) => [e.configName, e.configValue]),
        );
      }
      return out;
    },
    async topicOffsets(topic) {
      const res = await withAdmin((a) => a.fetchTopicOffsets(topic));
      return res
        .map((p) => ({ partition: p.partition, low: Number(p.low), high: Number(p.high) }))
        .sort((x, y) => x.partition - y.partition);
    },
    async listGroups() {
      const res = await withAdmin((a) => a.listGroups());
      return res.groups.map((g) => g.groupId);
    },
    async describeGroups(ids) {
      if (!ids.length) return [];
      const res = await withAdmin((a) => a.describeGroups([...ids]));
      return res.groups.map((g) => ({
        groupId: g.groupId,
        state: g.state,
        members: g.members.map((m) => {
          let assignments: { topic: string; partitions: number[] }[] = [];
          try {
            const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
            assignments = Object.entries(decoded?.assignment ?? {}).map(([topic, partitions]) => ({
              topic,
              partitions,
            }));
          } catch {
            // A member of a non-consumer protocol (Connect, Streams) has another assignment format.
          }
          return { memberId: m.memberId, clientId: m.clientId, host: m.clientHost, assignments };
        }),
      }));
    },
    async committedOffsets(groupId, topics) {
      // Never `resolveOffsets: true`: it commits on the group's behalf.
      const res = await withAdmin((a) => a.fetchOffsets({ groupId, ...(topics && { topics: [...topics] }) }));
      return res.flatMap((t) =>
        t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: Number(p.offset) })),
      );
    },
  };

  return {
    kind: 'kafka',
    produce,
    consumer,
    tail,
    admin,
    async close() {
      await Promise.all([...consumers].map((c) => c.stop()));
      await producer?.disconnect();
      producer = undefined;
      producerReady = undefined;
      const a = sharedAdmin;
      sharedAdmin = undefined;
      if (a) await (await a.catch(() => undefined))?.disconnect();
    },
  };
}
