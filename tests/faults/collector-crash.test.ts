import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostileCorpus } from '../../collector/testing-corpus.ts';
import { createKafkaBus, type Bus, type ProduceRecord, type RecordMetadata } from '../../lib/bus/index.ts';
import { uniqueName, waitFor } from '../../lib/testing/wait-for.ts';
import {
  stopAllCollectors,
  startCollectorProcess,
  type CollectorProcess,
} from './support/collector-process.ts';
import { seededRandom, sharedBrokers, sleep } from './support/env.ts';
import { freePort } from './support/net.ts';
import { startTailClient, type TailClient } from './support/tail-client.ts';

// The collector process is SIGKILLed at three random points while a producer keeps writing
// (plain records with the hostile corpus mixed in), and started again each time on the same
// port, database and consumer group. Afterwards the store holds exactly the produced set of
// (topic, partition, offset), each once; and a live-tail client, which reconnects to the same URL
// like the console does, saw every connection drop at once and got records again after each restart.

const PLAIN_RECORDS = 12_000;
const CORPUS_COPIES = 3;
const KILLS = 3;
/** Records produced after each restart, which the reconnected tail client must receive. */
const PROBES = 10;
/** A client that has not seen the close this long after the process died is hanging. */
const CLOSE_SEEN_WITHIN_MS = 2_000;

/** A record's key and value bytes, roughly what it adds to a produce request. */
const sizeOf = (r: ProduceRecord) =>
  (typeof r.value === 'string' ? Buffer.byteLength(r.value) : (r.value?.length ?? 0)) +
  (typeof r.key === 'string' ? Buffer.byteLength(r.key) : (r.key?.length ?? 0));

describe.skipIf(!sharedBrokers.length)('collector killed with SIGKILL during ingest (Kafka)', () => {
  const ns = uniqueName('faults-crash');
  const topic = `${ns}.events`;
  const dlqTopic = `${ns}.events-dlq`;
  const dir = mkdtempSync(join(tmpdir(), 'cw-faults-crash-'));
  const dbPath = join(dir, 'collector.db');
  let bus: Bus;
  let port: number;
  let tail: TailClient | undefined;
  let stopProducing = false;

  beforeAll(async () => {
    bus = createKafkaBus({ brokers: sharedBrokers, clientId: 'faults-crash' });
    await bus.admin.createTopics([
      { topic, numPartitions: 6, configs: { 'max.message.bytes': String(2 * 1024 * 1024) } },
      { topic: dlqTopic, numPartitions: 1 },
    ]);
    port = await freePort();
  });
  afterAll(async () => {
    stopProducing = true;
    await tail?.stop();
    await stopAllCollectors();
    await bus?.admin.deleteTopics([topic, dlqTopic]).catch(() => undefined);
    await bus?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores every record exactly once and the live tail recovers after each kill', async () => {
    const rnd = seededRandom('collector-crash');
    const records: ProduceRecord[] = Array.from({ length: PLAIN_RECORDS }, (_, i) => ({
      topic,
      key: `k${i % 101}`,
      value: JSON.stringify({ n: i, pad: 'x'.repeat(Math.floor(rnd.next() * 600)) }),
    }));
    for (let c = 0; c < CORPUS_COPIES; c++)
      for (const h of hostileCorpus(topic, dlqTopic))
        records.splice(Math.floor(rnd.next() * records.length), 0, h.record);
    const total = records.length;

    const env = {
      KAFKA_BROKERS: sharedBrokers.join(','),
      COLLECTOR_DB_PATH: dbPath,
      COLLECTOR_GROUP_ID: uniqueName('faults-crash-collector'),
      // uniqueName() gives letters, digits and '-' only: nothing to escape. The pattern is anchored.
      COLLECTOR_TOPIC_INCLUDE: `${ns}\\..*`,
      // A fixed port: the tail client reconnects to the URL it knows, as a browser would.
      COLLECTOR_PORT: String(port),
      COLLECTOR_MAX_BATCH_RECORDS: '200',
      // The smallest the config allows: a killed member holds its partitions this long.
      COLLECTOR_SESSION_TIMEOUT_MS: '6000',
      LAG_POLL_INTERVAL_MS: '60000',
    };
    let collector: CollectorProcess = await startCollectorProcess(env);
    tail = startTailClient(`ws://127.0.0.1:${port}/ws`, { topics: [topic, dlqTopic] });
    const t = tail;
    await waitFor(() => t.subscriptions.length === 1, { what: 'the first tail subscription' });

    // The producer runs for ~20 s alongside the kills, so records arrive while the collector is
    // dead, while it rejoins its group, and while it catches up.
    const produced: RecordMetadata[] = [];
    const probed: RecordMetadata[] = [];
    const producing = (async () => {
      // At most 200 records and ~512 KB a request: two of the corpus's large records in one
      // request to one partition would pass the broker's message.max.bytes (1 MB).
      for (let i = 0; i < total && !stopProducing;) {
        let end = i;
        let bytes = 0;
        while (end < total && end - i < 200 && (end === i || bytes < 512 * 1024))
          bytes += sizeOf(records[end++]!);
        produced.push(...(await bus.produce(records.slice(i, end))));
        i = end;
        await sleep(250);
      }
    })();
    // Awaited below; if the test fails first, afterAll stops it and its rejection is not news.
    producing.catch(() => undefined);

    const thresholds = Array.from({ length: KILLS }, () =>
      Math.floor(total * (0.1 + 0.75 * rnd.next())),
    ).sort((a, b) => a - b);
    for (const [i, threshold] of thresholds.entries()) {
      await waitFor(async () => (await collector.health()).recordsStored >= threshold, {
        what: `${threshold} records stored before kill ${i + 1}`,
        timeoutMs: 60_000,
        intervalMs: 20,
      });
      // Kill within the next second, at a random moment: mid-batch, mid-commit, mid-flush.
      await sleep(Math.floor(rnd.next() * 1000));
      const killedAt = Date.now();
      await collector.kill('SIGKILL');
      await waitFor(() => t.closes.length === i + 1, {
        what: `the tail client to see connection ${i + 1} close`,
        timeoutMs: 10_000,
        intervalMs: 10,
      });
      expect(t.closes[i]! - killedAt, 'close seen by the tail client').toBeLessThan(CLOSE_SEEN_WITHIN_MS);
      expect(t.records.length, 'records on the tail before the kill').toBeGreaterThan(0);
      expect(t.connected()).toBe(false);

      await sleep(Math.floor(rnd.next() * 1500));
      collector = await startCollectorProcess(env);
      await waitFor(() => t.subscriptions.length === i + 2, {
        what: `the tail client to resubscribe after restart ${i + 1}`,
        timeoutMs: 10_000,
      });
      // Records written now are new to the store whatever the backlog was (redelivered ones are
      // duplicates and never reach the tail), so the reconnected client must get exactly these.
      const probes = await bus.produce(
        Array.from({ length: PROBES }, (_, j) => ({
          topic,
          key: `probe-${i}-${j}`,
          value: `{"probe":${j}}`,
        })),
      );
      probed.push(...probes);
      const probeIds = new Set(probes.map((m) => `${m.topic}:${m.partition}:${m.offset}`));
      await waitFor(
        () => new Set(t.records.filter((r) => probeIds.has(r.id)).map((r) => r.id)).size === PROBES,
        {
          what: `the probe records on the tail after restart ${i + 1}`,
          timeoutMs: 90_000,
          intervalMs: 100,
        },
      );
    }
    await producing;
    expect(produced).toHaveLength(total);
    produced.push(...probed);
    const expected = total + KILLS * PROBES;

    await waitFor(async () => (await collector.health()).recordsStored >= expected, {
      what: `all ${expected} records stored`,
      timeoutMs: 90_000,
      intervalMs: 200,
    });
    await collector.kill('SIGTERM');
    expect(collector.exitCode(), collector.output().slice(-2000)).toBe(0);

    const db = new DatabaseSync(dbPath, { readOnly: true });
    try {
      const rows = db
        .prepare('SELECT topic, partition, offset FROM records WHERE topic IN (?, ?)')
        .all(topic, dlqTopic);
      const stored = rows.map((r) => `${String(r.topic)}:${Number(r.partition)}:${Number(r.offset)}`);
      expect(stored).toHaveLength(expected);
      expect(new Set(stored).size).toBe(expected);
      expect(new Set(stored)).toEqual(new Set(produced.map((m) => `${m.topic}:${m.partition}:${m.offset}`)));
    } finally {
      db.close();
    }
    expect(t.badFrames).toEqual([]);
  });
});
