import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainSchema } from '../lib/api/chains.ts';
import { dlqPageSchema, replayResponseSchema } from '../lib/api/dlq.ts';
import { recordDetailSchema, recordsPageSchema } from '../lib/api/records.ts';
import { healthSchema } from '../lib/api/topology.ts';
import { createEmbeddedBus, createKafkaBus, type Bus } from '../lib/bus/index.ts';
import { uniqueName, waitFor } from '../lib/testing/wait-for.ts';
import { startTestCollector } from './testing.ts';
import { hostileCorpus } from './testing-corpus.ts';
import { allFlowTopics, flowTopics, orderFlow } from './testing-flows.ts';

// The collector against both Bus adapters (the Kafka half when KAFKA_BROKERS is set), plus the
// crash test: SIGKILL `node collector/main.ts` in the middle of ingest, restart it, and the store
// holds every record exactly once.

const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];
if (process.env.CI && !brokers.length) throw new Error('CI must run the Kafka half: set KAFKA_BROKERS');
const TOKEN = 'operator-token-int';

const adapters: [string, () => Bus][] = [
  ['embedded', () => createEmbeddedBus({ retentionMs: 1000 * 365 * 86_400_000 })],
];
if (brokers.length)
  adapters.push(['kafka', () => createKafkaBus({ brokers, clientId: 'collector-int-test' })]);

describe.each(adapters)('collector on the %s bus', (kind, make) => {
  const ns = `${uniqueName(`cint-${kind}`)}.`;
  const topics = flowTopics(ns);
  const hostile = `${ns}hostile`;
  const hostileDlq = `${ns}hostile-dlq`;
  let bus: Bus;
  let t: Awaited<ReturnType<typeof startTestCollector>>;

  beforeAll(async () => {
    bus = make();
    await bus.admin.createTopics([
      ...allFlowTopics(topics),
      { topic: hostile, numPartitions: 3, configs: { 'max.message.bytes': String(2 * 1024 * 1024) } },
      { topic: hostileDlq, numPartitions: 1 },
    ]);
    t = await startTestCollector({
      bus,
      env: {
        OPERATOR_TOKEN: TOKEN,
        COLLECTOR_GROUP_ID: uniqueName('collector'),
        COLLECTOR_TOPIC_INCLUDE: `${ns.replace(/\./g, '\\.')}.*`,
      },
    });
  });
  afterAll(async () => {
    await t?.stop();
    await bus?.admin
      .deleteTopics([...allFlowTopics(topics).map((x) => x.topic), hostile, hostileDlq])
      .catch(() => undefined);
    await bus?.close();
  });

  it('stores hostile and CloudEvents records exactly once, each retrievable through the API', async () => {
    const corpus = hostileCorpus(hostile, hostileDlq);
    const meta = await bus.produce(corpus.map((c) => c.record));
    const stored = await waitFor(
      async () => {
        const a = recordsPageSchema.parse(
          (await t.api(`/api/records?topic=${hostile}&limit=500`)).body,
        ).items;
        const b = recordsPageSchema.parse(
          (await t.api(`/api/records?topic=${hostileDlq}&limit=500`)).body,
        ).items;
        return a.length + b.length >= corpus.length && [...a, ...b];
      },
      { what: 'hostile corpus stored', timeoutMs: 60_000 },
    );
    expect(stored).toHaveLength(corpus.length);
    for (const [i, m] of meta.entries()) {
      const r = await t.api(`/api/records/${m.topic}:${m.partition}:${m.offset}`);
      expect(r.status, corpus[i]!.name).toBe(200);
      const d = recordDetailSchema.parse(r.body);
      const value = corpus[i]!.record.value;
      expect(d.valueSize, corpus[i]!.name).toBe(value === null ? 0 : Buffer.byteLength(value));
    }
  });

  it('stitches one chain by correlation id across topics', async () => {
    const flow = orderFlow({ topics });
    await bus.produce(flow.records);
    const chain = await waitFor(
      async () => {
        const r = await t.api(`/api/chains/${flow.orderId}`);
        const c = r.status === 200 ? chainSchema.parse(r.body) : undefined;
        return c?.status === 'complete' && c.records.length === flow.records.length && c;
      },
      { what: 'complete chain', timeoutMs: 60_000 },
    );
    expect(new Set(chain.records.map((r) => r.topic)).size).toBeGreaterThanOrEqual(8);
    expect(chain.flow).toBe('order-fulfilment');
  });

  it('decodes a Spring dead letter and replays it exactly once under two concurrent requests', async () => {
    const flow = orderFlow({ topics, outcome: 'poison' });
    await bus.produce(flow.records);
    const entry = await waitFor(
      async () =>
        dlqPageSchema
          .parse((await t.api(`/api/dlq?dlqTopic=${topics.paymentCommandsDlt}`)).body)
          .items.find((e) => e.correlationId === flow.orderId),
      { what: 'dead-letter entry', timeoutMs: 60_000 },
    );
    expect(entry).toMatchObject({
      convention: 'spring',
      originTopic: topics.paymentCommands,
      originGroup: 'payment',
      errorClass: 'AppError.poison',
    });
    const high = async () =>
      (await bus.admin.topicOffsets(topics.paymentCommands)).reduce((s, p) => s + p.high, 0);
    const before = await high();
    const post = () =>
      t.api(`/api/dlq/${encodeURIComponent(entry.id)}/replay`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ replayKey: 'double-click-1' }),
      });
    const res = await Promise.all([post(), post()]);
    const [a, b] = res.map((r) => replayResponseSchema.parse(r.body));
    expect([a!.duplicate, b!.duplicate].sort()).toEqual([false, true]);
    expect(a!.replay.status).toBe('produced');
    expect(a!.replay.targetPartition).toBe(0);
    expect((await high()) - before).toBe(1);
    await waitFor(
      async () =>
        recordsPageSchema
          .parse((await t.api(`/api/records?topic=${topics.paymentCommands}&limit=500`)).body)
          .items.some((r) => r.offset === a!.replay.targetOffset && r.partition === 0),
      { what: 'replayed record ingested', timeoutMs: 60_000 },
    );
    expect((await high()) - before).toBe(1);
  });
});

describe.skipIf(!brokers.length)('collector process crash (Kafka)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-crash-'));
  const topic = uniqueName('crash');
  const group = uniqueName('crash-collector');
  const children: ChildProcess[] = [];
  let bus: Bus;
  beforeAll(async () => {
    bus = createKafkaBus({ brokers, clientId: 'crash-test' });
    await bus.admin.createTopics([{ topic, numPartitions: 3 }]);
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await bus.admin.deleteTopics([topic]).catch(() => undefined);
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    const child = spawn(process.execPath, ['collector/main.ts'], {
      env: {
        ...process.env,
        KAFKA_BROKERS: brokers.join(','),
        COLLECTOR_DB_PATH: join(dir, 'collector.db'),
        COLLECTOR_GROUP_ID: group,
        COLLECTOR_TOPIC_INCLUDE: topic,
        COLLECTOR_PORT: '0',
        OTLP_PORT: '0',
        COLLECTOR_MAX_BATCH_RECORDS: '200',
        COLLECTOR_SESSION_TIMEOUT_MS: '8000',
        COLLECTOR_NATIVE_ALERTS: 'false',
        LAG_POLL_INTERVAL_MS: '60000',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const url = await waitFor(() => /"api":"(http:\/\/[^"]+)"/.exec(out)?.[1], {
      what: 'collector started',
      timeoutMs: 30_000,
    });
    const health = async () => healthSchema.parse(await (await fetch(`${url}/api/health`)).json());
    return { child, health };
  };

  it('keeps every record exactly once across a SIGKILL in the middle of ingest', async () => {
    const N = 30_000;
    for (let i = 0; i < N; i += 1000)
      await bus.produce(
        Array.from({ length: 1000 }, (_, j) => ({
          topic,
          key: `k${(i + j) % 97}`,
          value: JSON.stringify({ n: i + j, pad: 'x'.repeat(200) }),
        })),
      );
    const first = await start();
    await waitFor(async () => (await first.health()).recordsStored > 2000, {
      what: 'ingest under way',
      timeoutMs: 60_000,
      intervalMs: 20,
    });
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const db0 = new DatabaseSync(join(dir, 'collector.db'));
    const mid = Number(db0.prepare('SELECT count(*) AS n FROM records').get()!.n);
    db0.close();
    expect(mid).toBeLessThan(N);

    const second = await start();
    await waitFor(async () => (await second.health()).recordsStored >= N, {
      what: `all ${N} stored`,
      timeoutMs: 80_000,
      intervalMs: 200,
    });
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
    const db = new DatabaseSync(join(dir, 'collector.db'));
    const row = db
      .prepare(
        "SELECT count(*) AS n, count(DISTINCT partition || ':' || offset) AS d FROM records WHERE topic = ?",
      )
      .get(topic)!;
    db.close();
    expect(Number(row.n)).toBe(N);
    expect(Number(row.d)).toBe(N);
  }, 170_000);
});
