import { randomUUID } from 'node:crypto';
import { normalizeHeaders } from '../events/headers.ts';
import { createAckTracker } from './acks.ts';
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
  type CommittedOffset,
  type ConsumedRecord,
  type ConsumerOptions,
  type GroupDescription,
  type PartitionOffsets,
  type ProduceRecord,
  type RecordMetadata,
  type RecordBatch,
  type TailOptions,
  type TopicSpec,
} from './types.ts';

// The embedded bus: an in-process partitioned log with consumer groups, for the zero-install
// default and for fast tests. It keeps the Kafka semantics Causeway relies on (murmur2 key
// placement, per-partition order, offsets, committed offsets per group, watermarks, tombstones,
// headers as bytes) and is held to them by the same contract suite as the Kafka adapter.
// Memory is bounded by retention: per partition by record count and by age.

export interface EmbeddedBusOptions {
  readonly retentionRecords?: number;
  readonly retentionMs?: number;
  readonly defaultPartitions?: number;
  readonly now?: () => number;
}

interface PartitionLog {
  records: ConsumedRecord[];
  /** Offset of records[0]: the log start offset. */
  start: number;
  /**
   * When each record was appended. Age retention uses this, not the record timestamp: a producer
   * may write any CreateTime (far past or future), and Kafka deletes by segment age, which for
   * such a record is still the time it arrived.
   */
  appendedAt: number[];
}

interface TopicState {
  readonly name: string;
  readonly partitions: PartitionLog[];
  readonly configs: Readonly<Record<string, string>>;
}

interface Member {
  readonly id: string;
  readonly clientId: string;
  readonly options: ConsumerOptions;
  assigned: string[];
  /** Fetch position per assigned partition, seeded from the committed offset on assignment. */
  positions: Map<string, number>;
}

interface GroupState {
  readonly id: string;
  readonly members: Map<string, Member>;
  readonly committed: Map<string, number>;
  /** Partitions a member is processing right now: a new owner waits for the old one to finish. */
  readonly busy: Set<string>;
}

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;
const splitKey = (key: string): [string, number] => {
  const i = key.lastIndexOf('\u0000');
  return [key.slice(0, i), Number(key.slice(i + 1))];
};
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createEmbeddedBus(options: EmbeddedBusOptions = {}): Bus {
  const retentionRecords = options.retentionRecords ?? 200_000;
  const retentionMs = options.retentionMs ?? 24 * 3600_000;
  const defaultPartitions = options.defaultPartitions ?? 3;
  const now = options.now ?? Date.now;
  const topics = new Map<string, TopicState>();
  const groups = new Map<string, GroupState>();
  let waiters: (() => void)[] = [];
  let roundRobin = 0;
  let closed = false;

  const wakeAll = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const waitForChange = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });

  const topicOrThrow = (name: string) => {
    const t = topics.get(name);
    if (!t)
      throw new BusError(`Unknown topic "${name}": create it first (topics are not auto-created)`, {
        retriable: false,
      });
    return t;
  };

  const highOf = (log: PartitionLog) => log.start + log.records.length;

  function enforceRetention(log: PartitionLog) {
    const cutoff = now() - retentionMs;
    let drop = Math.max(0, log.records.length - retentionRecords);
    while (drop < log.records.length && log.appendedAt[drop]! < cutoff) drop++;
    if (drop > 0) {
      log.records.splice(0, drop);
      log.appendedAt.splice(0, drop);
      log.start += drop;
    }
  }

  function subscribedTopics(m: Member): string[] {
    const all = [...topics.keys()].filter((t) => !isInternalTopic(t));
    if (m.options.topicPattern) {
      const re = m.options.topicPattern;
      return all.filter((t) => new RegExp(re.source, re.flags.replace('g', '')).test(t));
    }
    return all.filter((t) => m.options.topics?.includes(t));
  }

  /** Round-robin assignment over members sorted by id, like Kafka's RoundRobinAssigner. */
  function rebalance(group: GroupState) {
    const members = [...group.members.values()].sort((a, b) => a.id.localeCompare(b.id));
    const wanted = new Map<string, Set<string>>();
    for (const m of members) wanted.set(m.id, new Set(subscribedTopics(m)));
    const allTps = [...new Set(members.flatMap((m) => [...wanted.get(m.id)!]))]
      .sort()
      .flatMap((t) => topics.get(t)!.partitions.map((_, p) => tpKey(t, p)));
    const next = new Map<string, string[]>(members.map((m) => [m.id, []]));
    let i = 0;
    for (const tp of allTps) {
      const [topic] = splitKey(tp);
      for (let tries = 0; tries < members.length; tries++) {
        const m = members[(i + tries) % members.length]!;
        if (wanted.get(m.id)!.has(topic)) {
          next.get(m.id)!.push(tp);
          i = (i + tries + 1) % members.length;
          break;
        }
      }
    }
    for (const m of members) {
      const assigned = next.get(m.id)!;
      // Positions of partitions a member keeps stay; new ones re-read the committed offset.
      for (const tp of [...m.positions.keys()]) if (!assigned.includes(tp)) m.positions.delete(tp);
      m.assigned = assigned;
    }
    wakeAll();
  }

  function groupOf(id: string): GroupState {
    let g = groups.get(id);
    if (!g) {
      g = { id, members: new Map(), committed: new Map(), busy: new Set() };
      groups.set(id, g);
    }
    return g;
  }

  async function produce(records: readonly ProduceRecord[]): Promise<RecordMetadata[]> {
    if (closed) throw new BusError('bus is closed', { retriable: false });
    const out: RecordMetadata[] = [];
    for (const r of records) {
      const t = topicOrThrow(r.topic);
      const n = t.partitions.length;
      const key = toBuffer(r.key);
      let partition: number;
      if (r.partition !== undefined) {
        if (!Number.isInteger(r.partition) || r.partition < 0 || r.partition >= n)
          throw new BusError(`Topic "${r.topic}" has no partition ${r.partition}`, { retriable: false });
        partition = r.partition;
      } else partition = key ? partitionForKey(key, n) : roundRobin++ % n;
      const log = t.partitions[partition]!;
      const timestamp = r.timestamp ?? now();
      const offset = highOf(log);
      log.appendedAt.push(now());
      log.records.push({
        topic: r.topic,
        partition,
        offset,
        timestamp,
        key,
        value: toBuffer(r.value),
        headers: normalizeHeaders(r.headers),
      });
      enforceRetention(log);
      out.push({ topic: r.topic, partition, offset, timestamp });
    }
    wakeAll();
    return Promise.resolve(out);
  }

  function consumer(opts: ConsumerOptions): BusConsumer {
    if (!opts.topics?.length && !opts.topicPattern)
      throw new BusError('A consumer needs topics or a topicPattern', { retriable: false });
    const group = groupOf(opts.groupId);
    const member: Member = {
      id: `${opts.clientId ?? 'embedded'}-${randomUUID()}`,
      clientId: opts.clientId ?? 'embedded',
      options: opts,
      assigned: [],
      positions: new Map(),
    };
    const maxRecords = opts.maxBatchRecords ?? 500;
    let running = false;
    let loop: Promise<void> | undefined;

    const commit = (tp: string, next: number) => {
      const prev = group.committed.get(tp);
      if (prev === undefined || next !== prev) group.committed.set(tp, next);
    };
    // Same deferred-acknowledgement rules as the Kafka adapter (acks.ts), with an in-memory commit.
    const acks = createAckTracker({
      intervalMs: 20,
      commit: (offsets) => {
        for (const o of offsets) commit(tpKey(o.topic, o.partition), o.offset);
        return Promise.resolve();
      },
      rewind: (topic, partition, offset) => {
        const tp = tpKey(topic, partition);
        if (member.positions.has(tp)) member.positions.set(tp, offset);
        wakeAll();
      },
    });

    async function runLoop(handler: BatchHandler) {
      while (running && !closed) {
        let worked = false;
        for (const tp of member.assigned) {
          if (!running) break;
          if (group.busy.has(tp)) continue;
          const [topic, partition] = splitKey(tp);
          const log = topics.get(topic)?.partitions[partition];
          if (!log) continue;
          let pos = member.positions.get(tp);
          if (pos === undefined) {
            pos = group.committed.get(tp) ?? (opts.fromBeginning === false ? highOf(log) : log.start);
            member.positions.set(tp, pos);
          }
          // Like auto.offset.reset=earliest when the position fell out of retention.
          if (pos < log.start) pos = log.start;
          const high = highOf(log);
          if (pos >= high) continue;
          const records = log.records.slice(pos - log.start, pos - log.start + maxRecords);
          group.busy.add(tp);
          worked = true;
          try {
            const receipt = await handler(
              { topic, partition, records, highWatermark: high },
              {
                commit: (next) => Promise.resolve(commit(tp, next)),
                isRunning: () => running && member.assigned.includes(tp),
                // No sessions here: a member stays until it stops.
                heartbeat: () => Promise.resolve(),
              },
            );
            const next = records[records.length - 1]!.offset + 1;
            if (receipt) acks.track(topic, partition, records[0]!.offset, next, receipt.done);
            else commit(tp, next);
            if (member.positions.has(tp)) member.positions.set(tp, next);
          } catch {
            // Nothing committed: the batch comes again from the committed offset after a pause.
            member.positions.delete(tp);
            await sleep(200);
          } finally {
            group.busy.delete(tp);
            wakeAll();
          }
        }
        if (!worked && running) await waitForChange(250);
      }
      await acks.drain();
    }

    return {
      groupId: opts.groupId,
      run(handler) {
        if (running) throw new BusError('consumer is already running', { retriable: false });
        running = true;
        group.members.set(member.id, member);
        rebalance(group);
        loop = runLoop(handler);
        return Promise.resolve();
      },
      async stop() {
        if (!running) return;
        running = false;
        wakeAll();
        await loop;
        group.members.delete(member.id);
        member.positions.clear();
        member.assigned = [];
        rebalance(group);
      },
      assignment: () =>
        member.assigned.map((tp) => {
          const [topic, partition] = splitKey(tp);
          return { topic, partition };
        }),
    };
  }

  /** Reads the logs directly: no group, so nothing for a lag view to list. */
  function tail(t: TailOptions): BusTail {
    const re = new RegExp(t.topicPattern.source, t.topicPattern.flags.replace('g', ''));
    const matching = () => [...topics.values()].filter((x) => !isInternalTopic(x.name) && re.test(x.name));
    const positions = new Map<string, number>();
    let running = false;
    let loop: Promise<void> | undefined;

    /** Hands over what one partition has past its position; false when there was nothing. */
    function readPartition(
      topic: string,
      partition: number,
      log: PartitionLog,
      onBatch: (b: RecordBatch) => void,
    ) {
      const key = tpKey(topic, partition);
      const high = highOf(log);
      let pos = positions.get(key) ?? log.start;
      // Past the end: the topic was deleted and created again.
      if (pos > high || pos < log.start) pos = log.start;
      if (pos >= high) return false;
      const records = log.records.slice(pos - log.start, pos - log.start + 500);
      positions.set(key, pos + records.length);
      try {
        onBatch({ topic, partition, records, highWatermark: high });
      } catch {
        // A view: a batch it fails on is skipped, like the Kafka adapter's reader.
      }
      return true;
    }

    return {
      run(onBatch) {
        if (running) throw new BusError('tail reader is already running', { retriable: false });
        running = true;
        for (const x of matching())
          x.partitions.forEach((log, p) => positions.set(tpKey(x.name, p), highOf(log)));
        loop = (async () => {
          while (running && !closed) {
            let worked = false;
            for (const x of matching())
              x.partitions.forEach((log, p) => {
                if (readPartition(x.name, p, log, onBatch)) worked = true;
              });
            // Yield between rounds either way: a steady producer must not starve the event loop.
            await (worked ? sleep(0) : waitForChange(250));
          }
        })();
        return Promise.resolve();
      },
      async stop() {
        running = false;
        wakeAll();
        await loop;
      },
    };
  }

  const admin: BusAdmin = {
    createTopics(specs: readonly TopicSpec[]) {
      for (const s of specs) {
        if (topics.has(s.topic))
          throw new BusError(`Topic "${s.topic}" already exists`, { retriable: false });
        if (!/^[a-zA-Z0-9._-]{1,249}$/.test(s.topic))
          throw new BusError(`Invalid topic name "${s.topic}"`, { retriable: false });
      }
      for (const s of specs) {
        const n = s.numPartitions ?? defaultPartitions;
        topics.set(s.topic, {
          name: s.topic,
          configs: s.configs ?? {},
          partitions: Array.from({ length: n }, () => ({ records: [], start: 0, appendedAt: [] })),
        });
      }
      // New topics may match pattern subscriptions.
      for (const g of groups.values()) if (g.members.size) rebalance(g);
      return Promise.resolve();
    },
    async ensureTopics(specs) {
      await admin.createTopics(specs.filter((s) => !topics.has(s.topic)));
    },
    deleteTopics(names) {
      for (const n of names) topics.delete(n);
      for (const g of groups.values()) {
        for (const k of [...g.committed.keys()]) if (names.includes(splitKey(k)[0])) g.committed.delete(k);
        if (g.members.size) rebalance(g);
      }
      return Promise.resolve();
    },
    listTopics: () => Promise.resolve([...topics.keys()]),
    topicConfigs(names) {
      const out: Record<string, Record<string, string>> = {};
      for (const n of names) {
        const t = topics.get(n);
        if (t) out[n] = { ...t.configs };
      }
      return Promise.resolve(out);
    },
    topicOffsets(topic): Promise<PartitionOffsets[]> {
      const t = topicOrThrow(topic);
      return Promise.resolve(
        t.partitions.map((log, partition) => ({ partition, low: log.start, high: highOf(log) })),
      );
    },
    listGroups: () => Promise.resolve([...groups.keys()]),
    describeGroups(ids): Promise<GroupDescription[]> {
      return Promise.resolve(
        ids.map((id) => {
          const g = groups.get(id);
          if (!g) return { groupId: id, state: 'Dead', members: [] };
          return {
            groupId: id,
            state: g.members.size ? 'Stable' : 'Empty',
            members: [...g.members.values()].map((m) => {
              const byTopic = new Map<string, number[]>();
              for (const tp of m.assigned) {
                const [t, p] = splitKey(tp);
                byTopic.set(t, [...(byTopic.get(t) ?? []), p]);
              }
              return {
                memberId: m.id,
                clientId: m.clientId,
                host: 'embedded',
                assignments: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
              };
            }),
          };
        }),
      );
    },
    committedOffsets(groupId, topicFilter): Promise<CommittedOffset[]> {
      const g = groups.get(groupId);
      const out: CommittedOffset[] = [];
      const names = topicFilter ?? [...new Set([...(g?.committed.keys() ?? [])].map((k) => splitKey(k)[0]))];
      for (const topic of names) {
        const t = topics.get(topic);
        if (!t) continue;
        t.partitions.forEach((_, partition) =>
          out.push({ topic, partition, offset: g?.committed.get(tpKey(topic, partition)) ?? -1 }),
        );
      }
      return Promise.resolve(out);
    },
  };

  return {
    kind: 'embedded',
    produce,
    consumer,
    tail,
    admin,
    close() {
      closed = true;
      wakeAll();
      return Promise.resolve();
    },
  };
}
