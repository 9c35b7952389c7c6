import { performance } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import type { ConsumerGroup, LagStatus } from '../../lib/api/consumers.ts';
import { isTailGroupId, type Bus, type PartitionOffsets } from '../../lib/bus/types.ts';
import type { Logger } from '../../lib/logger.ts';
import {
  STATUS_SEVERITY,
  evaluate,
  newHistory,
  observe,
  worstStatus,
  type PartitionHistory,
} from './evaluate.ts';
import { fetchSnapshot, type GroupFacts } from './fetch.ts';
import { createLagMetrics } from './metrics.ts';
import { createOffsetTimeTable, lagSeconds, type OffsetTimeTable } from './time-table.ts';

// The consumer-lag poller: every `intervalMs` it reads the cluster (see fetch.ts), feeds each
// partition's watermark table (time lag, see time-table.ts) and each group's commit window (status,
// see evaluate.ts), and publishes the result as `ConsumerGroup`s for the API and as gauges.
// Strictly read-only towards the groups it watches.

export interface LagMonitorOptions {
  readonly bus: Pick<Bus, 'admin'>;
  readonly logger: Logger;
  readonly intervalMs: number;
  /** Where the gauges are registered; a private registry when omitted. */
  readonly registry?: Registry;
  /** Wall clock for observations; injected by tests. */
  readonly now?: () => number;
  /** Groups to leave out besides tail readers' (always left out). Default: none. */
  readonly excludeGroups?: (id: string) => boolean;
  /** Points kept per group for the total-lag sparkline. Default 120. */
  readonly historyPoints?: number;
  /** Polls per partition in the Burrow window. Default 15. */
  readonly windowSize?: number;
  /** Committed offset unchanged with lag > 0 for this long → STALL. Default 3 × intervalMs. */
  readonly stallAfterMs?: number;
  /** Floor of the STOP threshold (the window span otherwise). Default 3 × intervalMs. */
  readonly stopAfterMinMs?: number;
  /** (high watermark, time) points per partition. Default 60. */
  readonly tablePoints?: number;
  /** Admin requests in flight at once. Default 16. */
  readonly concurrency?: number;
  /**
   * Longest wait for the topic list or one topic's watermarks; a topic that takes longer keeps its
   * last figures this poll (see fetch.ts). Default 3 s: a healthy fetch takes milliseconds, a fetch
   * of a topic deleted under the poll ~40 s.
   */
  readonly callTimeoutMs?: number;
}

export interface LagMonitor {
  start(): void;
  stop(): Promise<void>;
  pollOnce(): Promise<void>;
  /** Every group, worst status first, then largest total lag. */
  groups(): ConsumerGroup[];
  group(id: string): ConsumerGroup | undefined;
  lastPollAt(): number | null;
}

interface GroupState {
  readonly partitions: Map<string, PartitionHistory>;
  readonly history: [number, number][];
}

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

const byWorst = (a: ConsumerGroup, b: ConsumerGroup) =>
  STATUS_SEVERITY[b.status] - STATUS_SEVERITY[a.status] ||
  b.totalLag - a.totalLag ||
  a.groupId.localeCompare(b.groupId);

export function createLagMonitor(options: LagMonitorOptions): LagMonitor {
  const logger = options.logger.child({ component: 'lag' });
  const now = options.now ?? Date.now;
  const windowSize = Math.max(2, options.windowSize ?? 15);
  const historyPoints = Math.max(1, options.historyPoints ?? 120);
  const stallAfterMs = options.stallAfterMs ?? 3 * options.intervalMs;
  const stopAfterMinMs = options.stopAfterMinMs ?? 3 * options.intervalMs;
  const metrics = createLagMetrics(options.registry ?? new Registry());
  const tables = new Map<string, OffsetTimeTable>();
  const states = new Map<string, GroupState>();
  const views = new Map<string, ConsumerGroup>();
  let sorted: ConsumerGroup[] = [];
  let lastPoll: number | null = null;
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  /** Bumped by start/stop so a timer chain from an earlier start() ends instead of doubling up. */
  let generation = 0;

  function tableOf(topic: string, partition: number) {
    const key = tpKey(topic, partition);
    let t = tables.get(key);
    if (!t) tables.set(key, (t = createOffsetTimeTable(options.tablePoints)));
    return t;
  }

  function buildGroup(
    facts: GroupFacts,
    offsets: ReadonlyMap<string, readonly PartitionOffsets[]>,
    failedTopics: ReadonlySet<string>,
    at: number,
  ): ConsumerGroup {
    const { description } = facts;
    const previous = views.get(description.groupId)?.partitions ?? [];
    const state: GroupState = states.get(description.groupId) ?? { partitions: new Map(), history: [] };
    states.set(description.groupId, state);
    const committed = new Map((facts.committed ?? []).map((c) => [tpKey(c.topic, c.partition), c.offset]));
    const topics = new Set((facts.committed ?? []).map((c) => c.topic));
    const assigned = new Set<string>();
    for (const m of description.members) {
      for (const a of m.assignments) {
        topics.add(a.topic);
        for (const p of a.partitions) assigned.add(tpKey(a.topic, p));
      }
    }
    // Members whose assignment could not be decoded (Connect, Streams) own every partition as far as we know.
    const ownsAll = description.members.length > 0 && assigned.size === 0;

    const partitions: ConsumerGroup['partitions'] = [];
    const seen = new Set<string>();
    for (const topic of [...topics].sort()) {
      const watermarks = offsets.get(topic);
      if (!watermarks && failedTopics.has(topic)) {
        // Unread this poll (a stalled fetch, see fetch.ts): the last figures, rather than a lag of 0.
        partitions.push(...previous.filter((p) => p.topic === topic));
        continue;
      }
      for (const p of watermarks ?? []) {
        const key = tpKey(topic, p.partition);
        seen.add(key);
        const c = committed.get(key) ?? -1;
        // No commit yet: everything still retained is unread. Otherwise Kafka's definition.
        const lag = c < 0 ? Math.max(0, p.high - p.low) : Math.max(0, p.high - c);
        const history = state.partitions.get(key) ?? newHistory();
        state.partitions.set(key, history);
        observe(history, { committed: c, lag, at }, windowSize);
        const status = evaluate(history, {
          windowSize,
          stallAfterMs,
          stopAfterMinMs,
          hasMembers: ownsAll || assigned.has(key),
        });
        const position = c < 0 ? p.low : Math.max(c, p.low);
        const seconds = lagSeconds(tableOf(topic, p.partition), position, lag, at);
        partitions.push({
          topic,
          partition: p.partition,
          committed: c,
          high: p.high,
          lag,
          lagSeconds: seconds,
          status,
        });
      }
    }
    // Partitions that went away lose their window; those of a topic whose fetch failed this once keep it.
    for (const key of [...state.partitions.keys()])
      if (!seen.has(key) && !failedTopics.has(key.slice(0, key.lastIndexOf('\u0000'))))
        state.partitions.delete(key);

    const totalLag = partitions.reduce((sum, p) => sum + p.lag, 0);
    const maxLagSeconds = partitions.reduce<number | null>(
      (max, p) => (p.lagSeconds === null ? max : Math.max(max ?? 0, p.lagSeconds)),
      null,
    );
    state.history.push([at, totalLag]);
    if (state.history.length > historyPoints) state.history.splice(0, state.history.length - historyPoints);
    const status: LagStatus = worstStatus(partitions.map((p) => p.status));
    return {
      groupId: description.groupId,
      state: description.state,
      status,
      members: description.members.map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        host: m.host,
        assignments: m.assignments.map((a) => ({ topic: a.topic, partitions: [...a.partitions] })),
      })),
      totalLag,
      maxLagSeconds,
      partitions,
      // A copy of the list; the pairs themselves are never changed after they are pushed.
      history: state.history.slice(),
      polledAt: at,
    };
  }

  async function poll() {
    const started = performance.now();
    const snap = await fetchSnapshot({
      admin: options.bus.admin,
      logger,
      now,
      // A tail reader's throwaway group (any collector's, lib/bus `tail`) is a view, not a
      // consumer: it commits nothing, so it would show as a group reading nothing and alert.
      excludeGroups: (id) => isTailGroupId(id) || (options.excludeGroups?.(id) ?? false),
      concurrency: options.concurrency ?? 16,
      callTimeoutMs: options.callTimeoutMs ?? 3000,
    });
    for (const [topic, parts] of snap.offsets)
      for (const p of parts) tableOf(topic, p.partition).add(p.high, snap.at);
    // Tables of topics nobody reads any more go; a topic that failed this once keeps its history.
    for (const key of tables.keys()) {
      const topic = key.slice(0, key.lastIndexOf('\u0000'));
      if (!snap.offsets.has(topic) && !snap.failedTopics.has(topic)) tables.delete(key);
    }

    const alive = new Set<string>();
    for (const facts of snap.groups) {
      const id = facts.description.groupId;
      if (facts.committed === undefined) {
        // The fetch failed: show the last figures rather than a group with no partitions.
        if (views.has(id)) alive.add(id);
        continue;
      }
      if (facts.description.state === 'Dead' && !facts.committed.length && !facts.description.members.length)
        continue;
      views.set(id, buildGroup(facts, snap.offsets, snap.failedTopics, snap.at));
      alive.add(id);
    }
    for (const id of [...views.keys()]) {
      if (alive.has(id)) continue;
      views.delete(id);
      states.delete(id);
    }

    sorted = [...views.values()].sort(byWorst);
    lastPoll = snap.at;
    metrics.update(sorted);
    metrics.observePollDuration((performance.now() - started) / 1000);
    logger.debug({ groups: sorted.length, ms: Math.round(performance.now() - started) }, 'lag poll done');
  }

  const pollOnce = () => {
    // One poll at a time: two overlapping polls would append to the same windows out of order. A call
    // during a poll gets that poll's promise.
    inFlight ??= poll().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  const loop = (gen: number) => {
    void pollOnce()
      .catch((err: unknown) => logger.warn({ err }, 'lag poll failed; retrying next interval'))
      .finally(() => {
        // The next poll starts an interval after this one ended: a slow cluster never gets overlapping polls.
        if (running && gen === generation) timer = setTimeout(() => loop(gen), options.intervalMs);
      });
  };

  return {
    start() {
      if (running) return;
      running = true;
      loop(++generation);
    },
    async stop() {
      running = false;
      generation++;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await inFlight?.catch(() => undefined);
    },
    pollOnce,
    groups: () => [...sorted],
    group: (id) => views.get(id),
    lastPollAt: () => lastPoll,
  };
}
