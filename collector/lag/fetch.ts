import type { BusAdmin, CommittedOffset, GroupDescription, PartitionOffsets } from '../../lib/bus/types.ts';
import type { Logger } from '../../lib/logger.ts';

// One poll's worth of facts from the cluster, read-only: the group list, their descriptions,
// their committed offsets (never `resolveOffsets`, which commits), and the watermarks of every topic
// any of them reads, fetched once per topic however many groups read it. Committed offsets are read
// before watermarks, so a group that is caught up never shows a negative lag.
//
// Sized for 200 groups × 50 partitions within 2 s: the calls run in parallel with a cap (a few
// dozen in flight keeps the broker connection busy without queueing hundreds of requests behind
// each other), and nothing is fetched per partition.

export interface GroupFacts {
  readonly description: GroupDescription;
  /** Committed offsets on every topic the group committed on; undefined when the fetch failed. */
  readonly committed: readonly CommittedOffset[] | undefined;
}

export interface ClusterSnapshot {
  readonly groups: readonly GroupFacts[];
  /** Watermarks by topic; a topic whose fetch failed (deleted meanwhile) is missing. */
  readonly offsets: ReadonlyMap<string, readonly PartitionOffsets[]>;
  /** Topics that were asked for and failed: their history is kept rather than dropped. */
  readonly failedTopics: ReadonlySet<string>;
  /** Wall time (from the monitor's clock) when the watermarks were read. */
  readonly at: number;
}

export interface FetchOptions {
  readonly admin: BusAdmin;
  readonly logger: Logger;
  readonly now: () => number;
  readonly excludeGroups: (id: string) => boolean;
  readonly concurrency: number;
  /** describeGroups is one request per coordinator; batches keep each reply small. */
  readonly describeBatch?: number;
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return out;
}

const chunks = <T>(xs: readonly T[], n: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
};

export async function fetchSnapshot(o: FetchOptions): Promise<ClusterSnapshot> {
  const ids = (await o.admin.listGroups()).filter((id) => !o.excludeGroups(id)).sort();
  const described = (
    await mapLimit(chunks(ids, o.describeBatch ?? 50), o.concurrency, (batch) =>
      o.admin.describeGroups(batch),
    )
  ).flat();

  const groups = await mapLimit(described, o.concurrency, async (description): Promise<GroupFacts> => {
    try {
      return { description, committed: await o.admin.committedOffsets(description.groupId) };
    } catch (err) {
      o.logger.warn(
        { err, group: description.groupId },
        'could not read committed offsets; keeping the last figures',
      );
      return { description, committed: undefined };
    }
  });

  const topics = new Set<string>();
  for (const g of groups) {
    for (const c of g.committed ?? []) topics.add(c.topic);
    // A member may be assigned a topic it has not committed on yet: its whole backlog is lag.
    for (const m of g.description.members) for (const a of m.assignments) topics.add(a.topic);
  }

  const offsets = new Map<string, readonly PartitionOffsets[]>();
  const failedTopics = new Set<string>();
  await mapLimit([...topics].sort(), o.concurrency, async (topic) => {
    try {
      offsets.set(topic, await o.admin.topicOffsets(topic));
    } catch (err) {
      failedTopics.add(topic);
      o.logger.debug({ err, topic }, 'could not read topic offsets (deleted?); skipping it this poll');
    }
  });
  return { groups, offsets, failedTopics, at: o.now() };
}
