// Recent traffic for the topology and health, counted in memory as records and spans arrive:
// per-bucket counts over a sliding window, so a topology request costs the same whatever the
// ingest rate (a SQL scan over five minutes of records would not). Counts start empty after a
// restart, which is what "recent traffic" means anyway.

interface Bucket {
  readonly start: number;
  readonly counts: Map<string, { n: number; errors: number }>;
}

function createCounter(bucketMs: number, windowMs: number, now: () => number) {
  const buckets: Bucket[] = [];
  const current = () => {
    const start = Math.floor(now() / bucketMs) * bucketMs;
    let b = buckets[buckets.length - 1];
    if (!b || b.start !== start) {
      b = { start, counts: new Map() };
      buckets.push(b);
      while (buckets.length && buckets[0]!.start < start - windowMs) buckets.shift();
    }
    return b;
  };
  return {
    add(key: string, n: number, errors = 0) {
      const c = current().counts;
      const e = c.get(key) ?? { n: 0, errors: 0 };
      e.n += n;
      e.errors += errors;
      c.set(key, e);
    },
    since(since: number): Map<string, { n: number; errors: number }> {
      const out = new Map<string, { n: number; errors: number }>();
      for (const b of buckets) {
        if (b.start + bucketMs <= since) continue;
        for (const [k, v] of b.counts) {
          const e = out.get(k) ?? { n: 0, errors: 0 };
          e.n += v.n;
          e.errors += v.errors;
          out.set(k, e);
        }
      }
      return out;
    },
  };
}

const SEP = '\u0000';
const join = (...parts: (string | null)[]) => parts.map((p) => p ?? '').join(SEP);
const split = (k: string) => k.split(SEP).map((p) => (p === '' ? null : p));

export function createTrafficCounter(opts: { windowMs: number; now: () => number; bucketMs?: number }) {
  const bucketMs = opts.bucketMs ?? 5000;
  const window = Math.max(opts.windowMs, 60_000);
  const records = createCounter(bucketMs, window, opts.now);
  const dead = createCounter(bucketMs, window, opts.now);
  const producers = createCounter(bucketMs, window, opts.now);
  const consumers = createCounter(bucketMs, window, opts.now);
  return {
    record(source: string | null, topic: string, isDlq: boolean, count = 1) {
      records.add(join(source, topic, isDlq ? '1' : '0'), count);
    },
    deadLetter(originTopic: string | null, originGroup: string | null, count = 1) {
      dead.add(join(originTopic, originGroup), count);
    },
    producerSpan(service: string, topic: string, error: boolean) {
      producers.add(join(service, topic), 1, error ? 1 : 0);
    },
    consumerSpan(group: string | null, service: string, topic: string | null, error: boolean) {
      consumers.add(join(group, service, topic), 1, error ? 1 : 0);
    },
    traffic(since: number) {
      return [...records.since(since)].map(([k, v]) => {
        const [source, topic, dlq] = split(k);
        return { source: source ?? null, topic: topic ?? '', isDlq: dlq === '1', count: v.n };
      });
    },
    dlqTraffic(since: number) {
      return [...dead.since(since)].map(([k, v]) => {
        const [originTopic, originGroup] = split(k);
        return { originTopic: originTopic ?? null, originGroup: originGroup ?? null, count: v.n };
      });
    },
    producers(since: number) {
      return [...producers.since(since)].map(([k, v]) => {
        const [service, topic] = split(k);
        return { service: service ?? '', topic: topic ?? '', count: v.n, errors: v.errors };
      });
    },
    consumers(since: number) {
      return [...consumers.since(since)].map(([k, v]) => {
        const [group, service, topic] = split(k);
        return {
          group: group ?? null,
          service: service ?? '',
          topic: topic ?? null,
          count: v.n,
          errors: v.errors,
        };
      });
    },
    recordsSince(since: number) {
      let n = 0;
      for (const v of records.since(since).values()) n += v.n;
      return n;
    },
  };
}
export type TrafficCounter = ReturnType<typeof createTrafficCounter>;
