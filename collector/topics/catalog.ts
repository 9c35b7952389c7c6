import type { TopicInfo, TopicRole, TopicsResponse } from '../../lib/api/topics.ts';
import type { BusAdmin } from '../../lib/bus/types.ts';
import { isDlqTopicName, isRetryTopicName } from '../../lib/events/dlq.ts';
import type { Logger } from '../../lib/logger.ts';
import type { TrafficCounter } from '../topology/traffic.ts';

// The topics the collector ingests (its subscription pattern applied to the broker's list), with
// partitions and offsets from the bus admin, rates from the traffic counter and each topic's role.
// Configs change rarely and describing them is a broker round trip, so they are cached; the list
// itself is cached for a few seconds so a page polling it does not poll the broker per request.

const CONFIG_TTL_MS = 60_000;
const LIST_TTL_MS = 3_000;
const RATE_WINDOW_MS = 60_000;

export interface TopicCatalog {
  list(): Promise<TopicsResponse>;
  /**
   * `message.timestamp.type` of each topic, in one describe call for those not cached; null when
   * unknown (no config API, or the call failed).
   */
  timestampTypes(topics: readonly string[]): Promise<Map<string, 'CreateTime' | 'LogAppendTime' | null>>;
}

export function roleOf(
  name: string,
  configs: Record<string, string> | undefined,
  dlqSuffixes: readonly string[],
): TopicRole {
  if (isDlqTopicName(name, dlqSuffixes)) return 'dlq';
  if (isRetryTopicName(name)) return 'retry';
  if (configs?.['cleanup.policy']?.split(',').includes('compact')) return 'compacted';
  return 'data';
}

const tsType = (c: Record<string, string> | undefined) => {
  const v = c?.['message.timestamp.type'];
  return v === 'LogAppendTime' ? 'LogAppendTime' : v === 'CreateTime' || c ? 'CreateTime' : null;
};

export function createTopicCatalog(deps: {
  readonly admin: BusAdmin;
  readonly topicPattern: RegExp;
  readonly dlqSuffixes: readonly string[];
  readonly traffic: TrafficCounter;
  readonly now: () => number;
  readonly logger: Logger;
}): TopicCatalog {
  const configs = new Map<string, { at: number; value: Record<string, string> | undefined }>();
  let cachedList: { at: number; value: Promise<TopicsResponse> } | undefined;

  async function configsOf(
    names: readonly string[],
  ): Promise<Map<string, Record<string, string> | undefined>> {
    const now = deps.now();
    const stale = names.filter((n) => (configs.get(n)?.at ?? -Infinity) < now - CONFIG_TTL_MS);
    if (stale.length && deps.admin.topicConfigs) {
      try {
        const got = await deps.admin.topicConfigs(stale);
        for (const n of stale) configs.set(n, { at: now, value: got[n] });
      } catch (err) {
        // Unknown rather than wrong: a failed describe leaves roles to names and timestamps unknown.
        // Cached as unknown for the TTL too: a chain read must not pay a broker round trip (and
        // its retries) per request for a topic the broker cannot describe.
        for (const n of stale) configs.set(n, { at: now, value: undefined });
        deps.logger.warn({ err, topics: stale.length }, 'describing topic configs failed');
      }
    }
    return new Map(names.map((n) => [n, configs.get(n)?.value]));
  }

  async function build(): Promise<TopicsResponse> {
    const names = (await deps.admin.listTopics()).filter((t) => deps.topicPattern.test(t)).sort();
    const cfg = await configsOf(names);
    const since = deps.now() - RATE_WINDOW_MS;
    const counts = new Map<string, number>();
    for (const t of deps.traffic.traffic(since)) counts.set(t.topic, (counts.get(t.topic) ?? 0) + t.count);
    const items: TopicInfo[] = [];
    for (const name of names) {
      const c = cfg.get(name);
      const partitions = await deps.admin.topicOffsets(name).catch(() => []);
      items.push({
        name,
        role: roleOf(name, c, deps.dlqSuffixes),
        compacted: c ? Boolean(c['cleanup.policy']?.split(',').includes('compact')) : null,
        timestampType: tsType(c),
        partitions,
        ratePerSec: Math.round(((counts.get(name) ?? 0) / (RATE_WINDOW_MS / 1000)) * 100) / 100,
      });
    }
    return {
      items,
      configsKnown: typeof deps.admin.topicConfigs === 'function' && names.every((n) => cfg.get(n)),
      polledAt: deps.now(),
    };
  }

  return {
    list() {
      const now = deps.now();
      if (!cachedList || cachedList.at < now - LIST_TTL_MS) {
        const value = build();
        cachedList = { at: now, value };
        value.catch(() => (cachedList = undefined));
      }
      return cachedList.value;
    },
    async timestampTypes(topics) {
      const got = await configsOf([...new Set(topics)]);
      return new Map([...got].map(([t, c]) => [t, tsType(c)]));
    },
  };
}
