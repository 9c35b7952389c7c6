import type { IHeaders } from 'kafkajs';
import { normalizeHeaders, type RecordHeader } from '../events/headers.ts';
import { isStaleMetadata, sleep, type KafkaClients } from './kafka-clients.ts';
import { partitionForKey } from './murmur2.ts';
import { BusError, toBuffer, type ProduceRecord, type RecordMetadata } from './types.ts';

// Producing on the Kafka bus with per-record offsets: the partition is chosen here with the same
// murmur2 kafkajs (and Java) would use, then each record's offset counted from its partition's
// base offset in the produce response.

/** Waits between asking again for a new topic's metadata (~2.5 s in all). */
const METADATA_RETRY_DELAYS_MS = [50, 100, 200, 400, 800, 1000];

function toKafkaHeaders(headers: readonly RecordHeader[]): IHeaders {
  const out: IHeaders = {};
  for (const h of headers) {
    const prev = out[h.key];
    if (prev === undefined) out[h.key] = h.value;
    else out[h.key] = Array.isArray(prev) ? [...prev, h.value] : [prev, h.value];
  }
  return out;
}

export function createKafkaProduce(c: KafkaClients) {
  const log = c.log;
  let roundRobin = 0;

  async function partitionsOf(topic: string): Promise<number> {
    const known = c.partitionCounts.get(topic);
    if (known) return known;
    // A topic created a moment ago can still be unknown to the broker that answers (its metadata
    // has not reached it yet: UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE, both retriable),
    // so a retriable answer is asked again for a short while before the topic counts as missing.
    for (let attempt = 0; ; attempt++) {
      try {
        const md = await c.withAdmin((a) => a.fetchTopicMetadata({ topics: [topic] }));
        const n = md.topics[0]?.partitions.length ?? 0;
        if (!n) throw new Error('no partitions');
        c.partitionCounts.set(topic, n);
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
    const p = await c.producer();
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
        void c.dropProducer(p);
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

  return produce;
}
