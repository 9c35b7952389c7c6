import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { consumerGroupsSchema } from '../lib/api/consumers.ts';
import type { RecordSummary } from '../lib/api/records.ts';
import { serverFrameSchema, type ServerFrame } from '../lib/api/ws.ts';
import { createKafkaBus, isTailGroupId, type Bus, type RecordMetadata } from '../lib/bus/index.ts';
import { silentLogger } from '../lib/logger.ts';
import { uniqueName, waitFor } from '../lib/testing/wait-for.ts';
import { createCollector, type Collector } from './index.ts';
import { createTestPgDatabase } from './store/postgres/testing.ts';
import { testConfig } from './testing.ts';

// Two collectors of one consumer group over one PostgreSQL store, on the real broker: Kafka splits
// the topic's partitions between them, yet a client watching the live tail on one of them sees the
// records of every partition (its own and the other's), each once, in offsets order; the tail's
// reader never shows up in the lag view, and leaves no group behind.

const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];
if (process.env.CI && !brokers.length) throw new Error('CI must run this test: set KAFKA_BROKERS');
const PG_URL = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const VIEWER = 'viewer-token-tail-cluster';
const PARTITIONS = 4;

describe.skipIf(!brokers.length)('live tail with two collectors on one shared store', () => {
  const ns = uniqueName('tailcl');
  const topic = `${ns}.orders`;
  const groupId = `${ns}-collector`;
  const buses: Bus[] = [];
  const collectors: Collector[] = [];
  let admin: Bus;
  let db: Awaited<ReturnType<typeof createTestPgDatabase>>;
  let ws: WebSocket | undefined;

  beforeAll(async () => {
    admin = createKafkaBus({ brokers, clientId: 'tail-cluster-int-test' });
    await admin.admin.createTopics([{ topic, numPartitions: PARTITIONS }]);
    db = await createTestPgDatabase(PG_URL);
  });

  afterAll(async () => {
    ws?.terminate();
    for (const c of collectors) await c.stop();
    for (const b of buses) await b.close();
    await admin?.admin.deleteTopics([topic]).catch(() => undefined);
    await admin?.close();
    await db?.drop();
  });

  async function startCollector(member: string): Promise<Collector> {
    const bus = createKafkaBus({ brokers, clientId: `tail-cluster-${member}` });
    buses.push(bus);
    const c = createCollector({
      bus,
      config: testConfig({
        KAFKA_BROKERS: brokers.join(','),
        COLLECTOR_STORE_URL: db.url,
        COLLECTOR_GROUP_ID: groupId,
        COLLECTOR_TOPIC_INCLUDE: `${ns}\\..*`,
        COLLECTOR_SESSION_TIMEOUT_MS: '6000',
        VIEWER_TOKEN: VIEWER,
      }),
      logger: silentLogger(),
      store: await db.open(member),
      ownsStore: true,
    });
    collectors.push(c);
    await c.start();
    return c;
  }

  const tailGroups = async () =>
    (await admin.admin.listGroups()).filter((g) => g.startsWith(`${groupId}-tail-`));

  it("shows every partition's records on either collector, each once", async () => {
    await startCollector('a');
    const b = await startCollector('b');
    // Both members hold partitions: whatever B's tail shows of all four, some are A's.
    const shares = await waitFor(
      async () => {
        const [g] = await admin.admin.describeGroups([groupId]);
        const counts = (g?.members ?? []).map((m) => m.assignments.flatMap((a) => a.partitions).length);
        return g?.state === 'Stable' && counts.length === 2 && counts.every((n) => n > 0) && counts;
      },
      { what: 'both collectors assigned partitions', timeoutMs: 60_000 },
    );
    expect(shares.reduce((x, y) => x + y, 0)).toBe(PARTITIONS);

    ws = new WebSocket(`${b.apiUrl.replace(/^http/, 'ws')}/ws`);
    const frames: ServerFrame[] = [];
    ws.on('message', (d: Buffer) => frames.push(serverFrameSchema.parse(JSON.parse(d.toString('utf8')))));
    await waitFor(() => frames[0]?.type === 'hello', { what: 'hello' });
    ws.send(JSON.stringify({ type: 'subscribe', filter: { topics: [topic] }, token: VIEWER }));
    await waitFor(() => frames.some((f) => f.type === 'subscribed'), { what: 'subscribed' });
    const shown = (): RecordSummary[] => frames.flatMap((f) => (f.type === 'records' ? f.records : []));

    const toEach = (value: string) =>
      admin.produce(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition, value })));
    // The reader joins in the background once someone subscribes: records of every partition
    // show up on B from then on.
    await waitFor(
      async () => {
        if (new Set(shown().map((r) => r.partition)).size === PARTITIONS) return true;
        await toEach('warm-up');
        return false;
      },
      { what: 'records of all four partitions on the tail of B', timeoutMs: 60_000, intervalMs: 500 },
    );

    const measured: RecordMetadata[] = [];
    for (let i = 0; i < 5; i++) measured.push(...(await toEach(`measured-${i}`)));
    const last = await toEach('last');
    await waitFor(
      () => last.every((m) => shown().some((r) => r.partition === m.partition && r.offset === m.offset)),
      { what: 'the last record of each partition on the tail', timeoutMs: 30_000 },
    );
    for (let p = 0; p < PARTITIONS; p++) {
      const want = measured.filter((m) => m.partition === p).map((m) => m.offset);
      const got = shown()
        .filter((r) => r.partition === p && r.offset >= want[0]! && r.offset <= want.at(-1)!)
        .map((r) => r.offset);
      expect({ partition: p, offsets: got }).toEqual({ partition: p, offsets: want });
    }
    const keys = shown().map((r) => `${r.partition}/${r.offset}`);
    expect(keys.length).toBe(new Set(keys).size);

    // The reader runs in a group of its own on the broker, which the lag view leaves out.
    const readers = await tailGroups();
    expect(readers.map(isTailGroupId)).toEqual([true]);
    const pollFrom = Date.now();
    for (const c of collectors)
      await waitFor(
        async () => {
          const res = await fetch(`${c.apiUrl}/api/consumers`, {
            headers: { authorization: `Bearer ${VIEWER}` },
          });
          const page = consumerGroupsSchema.parse(await res.json());
          if ((page.polledAt ?? 0) <= pollFrom) return false;
          const ours = page.items.map((g) => g.groupId).filter((g) => g.startsWith(ns));
          expect(ours).toEqual([groupId]);
          return true;
        },
        { what: `a lag poll after the reader joined, on ${c.apiUrl}`, timeoutMs: 30_000 },
      );

    // Stopping leaves no group behind.
    ws.terminate();
    for (const c of collectors.splice(0)) await c.stop();
    expect(await tailGroups()).toEqual([]);
  });
});
