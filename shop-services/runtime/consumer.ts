import type { Tracer } from '@opentelemetry/api';
import type { BatchContext, Bus, BusConsumer, ConsumedRecord, RecordBatch } from '../../lib/bus/types.ts';
import { retryTopic } from '../../lib/events/shop-topics.ts';
import type { Logger } from '../../lib/logger.ts';
import type { ServiceDb } from './db.ts';
import type { FaultController } from './faults.ts';
import type { HandlerTable } from './handlers.ts';
import type { ShopMetrics } from './metrics.ts';
import type { Outbox } from './outbox.ts';
import { createRecordProcessor } from './record-processor.ts';
import { dueAtOf, retryGroupOf } from './retry-policy.ts';

// The one consumer runtime every service uses: a main member on the service's topics and a second
// member (its own group) on their `-retry` companions, so waiting out a backoff never holds up the
// main topics. Records are handled in runs (record-processor.ts): envelope and payload checked,
// handler + processed-message row + outbox rows in one transaction, failures re-routed to the
// retry or dead-letter topic. The bus commits offsets only after the batch handler resolved.
// Faults act here: processing delay, a stalled consumer (in its group, no handling, no commits), a
// stopped consumer (out of its group until the fault is switched off), a crash. Every wait ends
// when the consumer stops, so a stop never waits for a fault.

export interface ConsumerRuntimeDeps {
  readonly service: string;
  readonly groupId: string;
  /** Main topics; their `-retry` companions are consumed too. */
  readonly topics: readonly string[];
  readonly handlers: HandlerTable;
  readonly bus: Bus;
  readonly db: ServiceDb;
  readonly outbox: Outbox;
  readonly tracer: Tracer;
  readonly logger: Logger;
  readonly metrics: ShopMetrics;
  readonly faults: FaultController;
  readonly maxAttempts: number;
  readonly retryBackoffMs: number;
  readonly exit: (code: number) => void;
  readonly sessionTimeoutMs?: number;
  /** Processed-message rows older than this are deleted (redeliveries come much sooner). */
  readonly keepProcessedMs?: number;
}

export interface ConsumerRuntime {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Batches the stall fault holds right now (each a member's partition that is not moving). */
  heldBatches(): number;
}

const RETRY_SUFFIX = '-retry';
/** Records per transaction; bounded so a deep backlog still yields to HTTP and timers between runs. */
const RUN_SIZE = 64;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

class ConsumerStopping extends Error {
  override name = 'ConsumerStopping';
}

/** Waits `ms`, or less when the consumer stops meanwhile. */
async function wait(ms: number, ctx: Pick<BatchContext, 'isRunning'>) {
  const until = Date.now() + ms;
  while (ctx.isRunning() && Date.now() < until) await sleep(Math.min(100, until - Date.now()));
}

export function createConsumerRuntime(deps: ConsumerRuntimeDeps): ConsumerRuntime {
  const { groupId, bus, db, faults } = deps;
  const log = deps.logger.child({ component: 'consumer', group: groupId });
  const processRun = createRecordProcessor(deps);
  const pruneProcessed = db.db.prepare('DELETE FROM processed_messages WHERE processed_at < ?');
  const members: BusConsumer[] = [];
  let pruneTimer: NodeJS.Timeout | undefined;
  let held = 0;
  /** Between start() and stop(). */
  let wanted = false;
  let unsubscribe: (() => void) | undefined;
  /** Joins and leaves, one after another. */
  let membership: Promise<void> = Promise.resolve();
  let leftByFault = false;

  async function holdForFaults(batch: RecordBatch, ctx: BatchContext) {
    if (faults.get().stallConsumer && ctx.isRunning()) {
      log.warn(
        { topic: batch.topic, partition: batch.partition },
        'stall fault: holding a batch (not handled, not committed, still in the group)',
      );
      // Stalled: neither handling nor committing, but heartbeating, so the member keeps its place
      // in the group and the lag monitor sees live members whose offsets do not move (STALL), not
      // an empty group (STOP). A rebalance makes heartbeat() reject: the batch comes again.
      held++;
      try {
        while (faults.get().stallConsumer && ctx.isRunning()) {
          await ctx.heartbeat();
          await sleep(100);
        }
      } finally {
        held--;
      }
    }
    if (faults.get().crash) {
      log.fatal('crash fault switched on: exiting');
      deps.exit(1);
      throw new ConsumerStopping('crash fault');
    }
    if (!ctx.isRunning()) throw new ConsumerStopping('consumer is stopping');
  }

  const mainTopic = (r: ConsumedRecord) => r.topic;
  const originTopic = (r: ConsumedRecord) => r.topic.slice(0, -RETRY_SUFFIX.length);

  /** The next run: consecutive records (one at a time when a delay is injected or on a retry topic). */
  async function nextRun(
    records: readonly ConsumedRecord[],
    from: number,
    fromRetry: boolean,
    ctx: BatchContext,
  ) {
    const delay = faults.get().processingDelayMs;
    if (delay > 0) await wait(delay, ctx);
    if (!ctx.isRunning()) throw new ConsumerStopping('consumer is stopping');
    if (!fromRetry) return records.slice(from, from + (delay > 0 ? 1 : RUN_SIZE));
    const record = records[from]!;
    if (retryGroupOf(record) !== groupId) return [];
    await wait(dueAtOf(record) - Date.now(), ctx);
    if (!ctx.isRunning()) throw new ConsumerStopping('consumer is stopping');
    return [record];
  }

  function batchHandler(fromRetry: boolean) {
    return async (batch: RecordBatch, ctx: BatchContext) => {
      const { records } = batch;
      let done = 0;
      try {
        while (done < records.length) {
          await holdForFaults(batch, ctx);
          const run = await nextRun(records, done, fromRetry, ctx);
          if (run.length) await processRun(run, fromRetry ? originTopic : mainTopic);
          done += Math.max(1, run.length);
          // Runs resolve in microtasks; let HTTP and timers in between.
          await new Promise<void>((r) => setImmediate(r));
        }
      } catch (err) {
        // Keep what was handled: commit up to the last finished record, let the bus redeliver the rest.
        if (done > 0 && ctx.isRunning())
          await ctx.commit(records[done - 1]!.offset + 1).catch(() => undefined);
        throw err;
      }
    };
  }

  async function join() {
    const session = deps.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: deps.sessionTimeoutMs } : {};
    const main = bus.consumer({
      groupId,
      topics: [...deps.topics],
      clientId: `shop-${deps.service}`,
      ...session,
    });
    const retry = bus.consumer({
      groupId: `${groupId}-retry`,
      topics: deps.topics.map(retryTopic),
      clientId: `shop-${deps.service}-retry`,
      ...session,
    });
    members.push(main, retry);
    await Promise.all([main.run(batchHandler(false)), retry.run(batchHandler(true))]);
  }

  /** In the groups while started and the stop fault is off; out of them otherwise. */
  function reconcile(): Promise<void> {
    const step = membership.then(async () => {
      const inGroups = wanted && !faults.get().stopConsumer;
      if (inGroups && !members.length) {
        await join();
        if (leftByFault) log.info('stop fault switched off: consumers joined their groups again');
        leftByFault = false;
      } else if (!inGroups && members.length) {
        await Promise.all(members.splice(0).map((c) => c.stop()));
        leftByFault = wanted;
        if (leftByFault) log.warn('stop fault switched on: consumers left their groups');
      }
    });
    membership = step.catch(() => undefined);
    return step;
  }

  return {
    async start() {
      wanted = true;
      unsubscribe = faults.onChange(() => {
        reconcile().catch((err: unknown) =>
          log.error({ err }, 'joining or leaving the consumer groups failed'),
        );
      });
      await reconcile();
      const keep = deps.keepProcessedMs ?? 7 * 24 * 3600_000;
      pruneTimer = setInterval(() => pruneProcessed.run(Date.now() - keep), 3600_000);
      pruneTimer.unref();
    },
    async stop() {
      wanted = false;
      unsubscribe?.();
      if (pruneTimer) clearInterval(pruneTimer);
      await reconcile();
    },
    heldBatches: () => held,
  };
}
