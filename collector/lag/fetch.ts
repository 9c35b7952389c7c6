import type { BusAdmin, CommittedOffset, GroupDescription, PartitionOffsets } from '../../lib/bus/types.ts';
import type { Logger } from '../../lib/logger.ts';

// One poll's worth of facts from the cluster, read-only: the group list, their descriptions,
// their committed offsets (never `resolveOffsets`, which commits), the topic list, and the
// watermarks of every listed topic any group reads, fetched once per topic however many groups
// read it. Committed offsets are read before watermarks, so a group that is caught up never shows
// a negative lag.
//
// Sized for 200 groups × 50 partitions within 2 s: the calls run in parallel with a cap (a few
// dozen in flight keeps the broker connection busy without queueing hundreds of requests behind
// each other), and nothing is fetched per partition.
//
// Deleted topics: kafkajs retries a watermark fetch of a topic that is gone for ~20 s, and the
// adapter then tries once more on a fresh client (~40 s in all); while it does, every other fetch on
// the same client fails the same way. So a topic missing from this poll's topic list is not asked
// for (its partitions leave the views), and each watermark fetch is given `callTimeoutMs`: one that
// takes longer (a topic deleted between the list and the fetch) is left to finish in the background,
// its topic counts as failed for this poll (the monitor keeps its last figures), and the topics not
// started yet are not asked for either, since they would wait on the same stale client.

export interface GroupFacts {
  readonly description: GroupDescription;
  /** Committed offsets on every topic the group committed on; undefined when the fetch failed. */
  readonly committed: readonly CommittedOffset[] | undefined;
}

export interface ClusterSnapshot {
  readonly groups: readonly GroupFacts[];
  /** Watermarks by topic; a topic that is gone or whose fetch failed is missing. */
  readonly offsets: ReadonlyMap<string, readonly PartitionOffsets[]>;
  /** Topics that exist (or may) but could not be read this poll: their history and figures are kept. */
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
  /** Longest wait for the topic list or one topic's watermarks. */
  readonly callTimeoutMs: number;
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

export class CallTimeoutError extends Error {
  override name = 'CallTimeoutError';
}

/**
 * `call`'s result, or a CallTimeoutError after `ms`. The call itself cannot be cancelled: it goes
 * on in the background and whatever it ends with is dropped.
 */
export function withTimeout<T>(call: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CallTimeoutError(`${what}: no answer within ${ms} ms`)), ms);
  });
  call.catch(() => undefined);
  return Promise.race([call, expired]).finally(() => clearTimeout(timer));
}

async function readGroups(o: FetchOptions): Promise<GroupFacts[]> {
  const ids = (await o.admin.listGroups()).filter((id) => !o.excludeGroups(id)).sort();
  const described = (
    await mapLimit(chunks(ids, o.describeBatch ?? 50), o.concurrency, (batch) =>
      o.admin.describeGroups(batch),
    )
  ).flat();
  return mapLimit(described, o.concurrency, async (description): Promise<GroupFacts> => {
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
}

/** Every topic some group committed on or is assigned (a member may not have committed yet). */
function topicsRead(groups: readonly GroupFacts[]): string[] {
  const topics = new Set<string>();
  for (const g of groups) {
    for (const c of g.committed ?? []) topics.add(c.topic);
    for (const m of g.description.members) for (const a of m.assignments) topics.add(a.topic);
  }
  return [...topics].sort();
}

/** The topics of `wanted` that exist; all of them when the list cannot be read (their fetches decide). */
async function existing(o: FetchOptions, wanted: readonly string[]): Promise<readonly string[]> {
  let listed: Set<string>;
  try {
    listed = new Set(await withTimeout(o.admin.listTopics(), o.callTimeoutMs, 'listTopics'));
  } catch (err) {
    o.logger.warn({ err }, 'could not list topics; asking for the watermarks of every topic read');
    return wanted;
  }
  const present = wanted.filter((t) => listed.has(t));
  if (present.length < wanted.length)
    o.logger.debug(
      { topics: wanted.filter((t) => !listed.has(t)) },
      'topics read by groups no longer exist; leaving them out',
    );
  return present;
}

async function readWatermarks(o: FetchOptions, topics: readonly string[]) {
  const offsets = new Map<string, readonly PartitionOffsets[]>();
  const failedTopics = new Set<string>();
  let stalled = false;
  await mapLimit(topics, o.concurrency, async (topic) => {
    if (stalled) {
      failedTopics.add(topic);
      return;
    }
    try {
      offsets.set(
        topic,
        await withTimeout(o.admin.topicOffsets(topic), o.callTimeoutMs, `offsets of ${topic}`),
      );
    } catch (err) {
      failedTopics.add(topic);
      if (err instanceof CallTimeoutError) stalled = true;
      o.logger.debug({ err, topic }, 'could not read topic offsets (deleted?); skipping it this poll');
    }
  });
  if (stalled)
    o.logger.warn(
      { failed: failedTopics.size, of: topics.length, timeoutMs: o.callTimeoutMs },
      'watermark fetches timed out (a topic deleted during the poll?); keeping the last figures of those topics',
    );
  return { offsets, failedTopics };
}

export async function fetchSnapshot(o: FetchOptions): Promise<ClusterSnapshot> {
  const groups = await readGroups(o);
  const topics = await existing(o, topicsRead(groups));
  const { offsets, failedTopics } = await readWatermarks(o, topics);
  return { groups, offsets, failedTopics, at: o.now() };
}
