import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { Logger } from '../logger.ts';
import { createWakeablePause } from '../wakeable-pause.ts';
import { createAckTracker } from './acks.ts';
import { batchParts, type BatchPart } from './kafka-batch-parts.ts';
import { sleep, type KafkaClients } from './kafka-clients.ts';
import { BusError, type BatchHandler, type BusConsumer, type ConsumerOptions } from './types.ts';

// A consumer-group member on the Kafka bus. What kafkajs does not do and the port promises is
// done here: a pattern subscription that picks up topics created later (kafkajs matches a RegExp
// once, at subscribe time, so the topic list is watched and the member restarted when the match
// set changes), handler receipts committed in offset order (acks.ts), a drain on stop that
// commits what finished while the member still holds its partitions, and a member that rejoins
// after any crash: kafkajs restarts one itself only when it judges the error retriable, and during
// a broker restart some are not (seen in the broker-restart fault test: the shop's retry-topic
// consumers stopped for good, their lag never drained).

/**
 * A consumer used as a group-less reader (kafka.ts, `tail`): it commits nothing and, on every
 * join, seeks each assigned partition to where the reader stands (0 for one it never saw).
 */
export interface ReaderPositions {
  /** Next offset to read per `topic\u0000partition`. */
  readonly positions: Map<string, number>;
}

export const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export interface KafkaConsumerDeps {
  readonly clients: KafkaClients;
  /** Topics matching a pattern, internal ones never. */
  topicsMatching(pattern: RegExp): Promise<string[]>;
  /** Told when the consumer starts and stops running (the bus stops every running one at close). */
  onRunning(c: BusConsumer, running: boolean): void;
}

interface EachBatchDeps {
  readonly consumer: Consumer;
  readonly opts: ConsumerOptions;
  readonly reader: ReaderPositions | undefined;
  readonly handler: BatchHandler;
  readonly acks: ReturnType<typeof createAckTracker>;
  /** Hand-overs in progress, which a drain waits for. */
  readonly active: Set<Promise<unknown>>;
  readonly draining: () => boolean;
  readonly rawBatchOf: KafkaClients['rawBatchOf'];
  readonly log: Logger | undefined;
}

/**
 * kafkajs's eachBatch: the fetched batch is handed over in parts (kafka-batch-parts.ts), each
 * resolved as it is handed over and committed once the handler's receipt settles; a part the
 * handler fails on is fetched again from its first offset after a pause.
 */
function eachBatchHandler(d: EachBatchDeps) {
  return async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    const isRunning = () => !d.draining() && payload.isRunning();
    const isStale = () => payload.isStale();
    const parts = batchParts(batch, {
      // kafkajs 2.x types Batch without the offset it fetched from.
      fetchedOffset: Number((batch as { fetchedOffset?: string }).fetchedOffset ?? 0),
      maxRecords: d.opts.maxBatchRecords ?? Infinity,
      rawBatchOf: (m) => (d.opts.rawBatches ? d.rawBatchOf(m.key, m.value) : null),
    });
    const commit = async (next: number) => {
      if (d.reader) return;
      await d.consumer.commitOffsets([
        { topic: batch.topic, partition: batch.partition, offset: String(next) },
      ]);
    };
    /** One handler call; false when it failed (the partition is then read again from `first`). */
    const handOver = async (part: BatchPart): Promise<boolean> => {
      try {
        const receipt = await d.handler(
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
        if (d.reader) d.reader.positions.set(tpKey(batch.topic, batch.partition), part.last + 1);
        else if (!isStale())
          d.acks.track(
            batch.topic,
            batch.partition,
            part.first,
            part.last + 1,
            receipt ? receipt.done : Promise.resolve(),
          );
        return true;
      } catch (err) {
        // Not committed: fetch the batch again from its first offset after a pause.
        d.log?.warn(
          { err, topic: batch.topic, partition: batch.partition },
          'batch handler failed; will retry',
        );
        await sleep(500);
        await payload.heartbeat();
        if (isRunning() && !isStale())
          d.consumer.seek({ topic: batch.topic, partition: batch.partition, offset: String(part.first) });
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
    d.active.add(body);
    try {
      await body;
    } finally {
      d.active.delete(body);
    }
  };
}

/** The pause before a crashed member rejoins, doubling per failed attempt up to the maximum. */
const REJOIN_FIRST_MS = 1000;
const REJOIN_MAX_MS = 30_000;

export function createKafkaConsumer(
  deps: KafkaConsumerDeps,
  opts: ConsumerOptions,
  reader?: ReaderPositions,
): BusConsumer {
  const k = deps.clients;
  const log = k.log;
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
    return deps.topicsMatching(opts.topicPattern);
  }

  /** The pause before a rejoin, which a stop ends at once. */
  const rejoinPause = createWakeablePause();

  /**
   * After a crash kafkajs will not restart from (`crashed`), or a rejoin for new topics that
   * failed: the member rejoins, with a growing pause.
   */
  function rejoin(crashed?: Consumer) {
    restarting = restarting.then(async () => {
      if (!running || (crashed && current !== crashed)) return;
      await stopCurrent();
      for (let attempt = 0; running; attempt++) {
        await rejoinPause.pause(Math.min(REJOIN_MAX_MS, REJOIN_FIRST_MS * 2 ** attempt));
        if (!running) return;
        try {
          await start(await matchingTopics());
          log?.warn({ groupId: opts.groupId, attempt }, 'Restarting the consumer: rejoined after a crash');
          return;
        } catch (err) {
          log?.warn({ err, groupId: opts.groupId, attempt }, 'rejoining after a crash failed; trying again');
        }
      }
    });
  }

  async function start(topics: string[]) {
    subscribed = topics;
    if (!topics.length || !handler) return;
    const h = handler;
    const c = k.consumerClient(opts).consumer({
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
    c.on(c.events.CRASH, (e) => {
      if (e.payload.restart) return;
      log?.warn(
        { err: e.payload.error, groupId: opts.groupId },
        'kafkajs will not restart this member after its crash; rejoining',
      );
      rejoin(c);
    });
    try {
      await c.connect();
      await c.subscribe({ topics, fromBeginning: opts.fromBeginning ?? true });
    } catch (err) {
      await c.disconnect().catch(() => undefined);
      throw err;
    }
    current = c;
    try {
      await runMember(c, topics, h);
    } catch (err) {
      current = undefined;
      currentDrain = undefined;
      await c.disconnect().catch(() => undefined);
      throw err;
    }
  }

  /** The member's ack tracker, drain and fetch loop. */
  async function runMember(c: Consumer, topics: string[], h: BatchHandler) {
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
      eachBatch: eachBatchHandler({
        consumer: c,
        opts,
        reader,
        handler: h,
        acks,
        active,
        draining: () => draining,
        rawBatchOf: k.rawBatchOf,
        log,
      }),
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
        // Left without a member (it stopped, the new one did not start): rejoin until one does.
        if (running && !current) rejoin();
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
      deps.onRunning(self, true);
      await start(await matchingTopics());
      if (opts.topicPattern) watcher = setInterval(() => void refresh(), opts.topicRefreshMs ?? 5000);
    },
    async stop() {
      if (!running) return;
      running = false;
      if (watcher) clearInterval(watcher);
      rejoinPause.wake();
      await restarting;
      await stopCurrent();
      deps.onRunning(self, false);
    },
    assignment: () => [...assignment],
  };
  return self;
}
