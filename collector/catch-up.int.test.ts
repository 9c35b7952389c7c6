import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { chainSchema } from '../lib/api/chains.ts';
import { recordsPageSchema } from '../lib/api/records.ts';
import { sagaDetailSchema } from '../lib/api/sagas.ts';
import { healthSchema } from '../lib/api/topology.ts';
import { createKafkaBus, type Bus } from '../lib/bus/index.ts';
import { uniqueName, waitFor } from '../lib/testing/wait-for.ts';
import { silentLogger } from '../lib/logger.ts';
import { createCollector } from './index.ts';
import { startTestCollector, testConfig } from './testing.ts';
import { allFlowTopics, flowTopics, orderFlow } from './testing-flows.ts';

// A collector that starts behind (back after a stop) on the real broker: it catches up through a
// backlog in which an order's saga waits, past its deadline by the clock, for replies that sit
// tens of thousands of records further on in the same partition. STUCK is judged only up to where
// the collector has read and derived everything (engine/frontier.ts): that order is never called
// STUCK on the way, while an order that really stopped is, once the collector has caught up.

const { Kafka, logLevel } = kafkajs;
const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];
if (process.env.CI && !brokers.length) throw new Error('CI must run the Kafka half: set KAFKA_BROKERS');

/** Records between the order's payment command and its reply, in the saga's partition. */
const FILLER = 60_000;

type Started = {
  api: (path: string) => Promise<{ status: number; body: unknown }>;
  url: string;
  stop: () => Promise<void>;
};

/** The collector as tests run it: an in-memory store, the engine inline on the main thread. */
async function inline(bus: Bus, env: Record<string, string>): Promise<Started> {
  const t = await startTestCollector({ bus, env });
  return { api: t.api, url: t.collector.apiUrl, stop: t.stop };
}

/** As it runs by default: a store file, indexing on the ingest worker, sagas on the search worker. */
async function workers(bus: Bus, env: Record<string, string>): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'causeway-catchup-'));
  const collector = createCollector({
    bus,
    config: testConfig({ ...env, COLLECTOR_DB_PATH: join(dir, 'collector.db') }),
    logger: silentLogger(),
    lag: null,
  });
  await collector.start();
  const url = collector.apiUrl;
  return {
    url,
    api: async (path) => {
      const res = await fetch(`${url}${path}`);
      return { status: res.status, body: (await res.json()) as unknown };
    },
    stop: async () => {
      await collector.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe.skipIf(!brokers.length).each([
  ['in-memory store, inline engine', inline],
  ['store file, ingest and search workers', workers],
] as const)('a collector catching up on the real broker (%s)', (_, startCollector) => {
  const ns = `${uniqueName('catchup')}.`;
  const topics = flowTopics(ns);
  let bus: Bus;

  beforeAll(async () => {
    bus = createKafkaBus({ brokers, clientId: 'catch-up-int-test' });
    await bus.admin.createTopics(allFlowTopics(topics));
  });
  afterAll(async () => {
    await bus?.admin.deleteTopics(allFlowTopics(topics).map((x) => x.topic)).catch(() => undefined);
    await bus?.close();
  });

  it('calls no saga STUCK whose answer is still in the backlog, and the one that stopped once caught up', async () => {
    // Ten minutes ago: an order that completed within its 1 s deadlines, and one that stopped.
    const start = Date.now() - 10 * 60_000;
    const done = orderFlow({ topics, start, deadlineMs: 1000 });
    const stalled = orderFlow({ topics, outcome: 'stall', start, deadlineMs: 1000 });
    const cut = done.records.findIndex((r) => r.topic === topics.payment);
    const before = done.records.slice(0, cut);
    const meta = await bus.produce([...before, ...stalled.records]);
    const sagaPartition = meta.find((m, i) => before[i]?.topic === topics.saga)!.partition;
    const at = before.at(-1)!.timestamp!;
    for (let i = 0; i < FILLER; i += 5000)
      await bus.produce(
        Array.from({ length: Math.min(5000, FILLER - i) }, (_, j) => ({
          topic: topics.saga,
          partition: sagaPartition,
          key: `filler-${i + j}`,
          value: JSON.stringify({ filler: i + j, note: 'not a saga event' }),
          timestamp: at,
        })),
      );
    const after = await bus.produce(done.records.slice(cut));
    expect(after.filter((m) => m.topic === topics.saga).every((m) => m.partition === sagaPartition)).toBe(
      true,
    );

    const t = await startCollector(bus, {
      COLLECTOR_GROUP_ID: uniqueName('catchup-collector'),
      COLLECTOR_TOPIC_INCLUDE: `${ns.replace(/\./g, '\\.')}.*`,
      SAGA_STUCK_GRACE_MS: '0',
      MAINTENANCE_INTERVAL_MS: '100',
      CHAIN_STOPPED_AFTER_MS: '1000',
    });
    try {
      const saga = async (id: string) => {
        const r = await t.api(`/api/sagas/${encodeURIComponent(id)}`);
        return r.status === 200 ? sagaDetailSchema.parse(r.body) : undefined;
      };
      await waitFor(async () => (await saga(done.sagaId))?.state === 'COMPLETED', {
        what: 'the completed order derived through the backlog',
        timeoutMs: 120_000,
      });
      await waitFor(async () => (await saga(stalled.sagaId))?.state === 'STUCK', {
        what: 'the stopped order STUCK once caught up',
        timeoutMs: 30_000,
      });
      // Every transition is counted, a passing STUCK too: only the stopped order's two sagas
      // (its fulfilment, and its loyalty award that waits for the payment).
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      const stuck = metrics
        .split('\n')
        .filter((l) => l.startsWith('causeway_saga_transitions_total{') && l.includes('state="STUCK"'))
        .sort();
      expect(stuck).toEqual([
        'causeway_saga_transitions_total{saga_type="loyalty-award",state="STUCK"} 1',
        'causeway_saga_transitions_total{saga_type="order-fulfilment",state="STUCK"} 1',
      ]);
      expect((await saga(done.sagaId))?.history.map((h) => h.state)).not.toContain('STUCK');
      // Caught up, the stopped order's chain is called stopped for its silence; the other completed.
      const chainStatus = async (id: string) =>
        chainSchema.parse((await t.api(`/api/chains/${encodeURIComponent(id)}`)).body).status;
      await waitFor(async () => (await chainStatus(stalled.orderId)) === 'stopped', {
        what: "the stopped order's chain called stopped",
      });
      expect(await chainStatus(done.orderId)).toBe('complete');
      const health = healthSchema.parse((await t.api('/api/health')).body);
      expect(health.stuckJudgedThrough).not.toBeNull();
      expect(health.stuckSagas).toBe(2);
    } finally {
      await t.stop();
    }
  }, 180_000);
});

describe.skipIf(!brokers.length)('a topic written in transactions, on the real broker', () => {
  it('is read to its end at its commit marker: nothing held back once its records are indexed', async () => {
    const topic = uniqueName('catchup-tx');
    const kafka = new Kafka({ brokers, clientId: 'catch-up-tx-test', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer({
      transactionalId: `${topic}-tx`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const bus = createKafkaBus({ brokers, clientId: 'catch-up-tx-int-test' });
    let t: Started | undefined;
    try {
      const producedAt = Date.now();
      const tx = await producer.transaction();
      await tx.send({ topic, messages: [{ value: 'committed 1' }, { value: 'committed 2' }] });
      await tx.commit();
      t = await inline(bus, {
        COLLECTOR_GROUP_ID: uniqueName('catchup-tx-collector'),
        COLLECTOR_TOPIC_INCLUDE: topic.replace(/\./g, '\\.'),
      });
      const api = t.api;
      await waitFor(
        async () =>
          recordsPageSchema.parse((await api(`/api/records?topic=${topic}`)).body).items.length === 2,
        {
          what: 'both records indexed',
        },
      );
      // The partition ends with the commit marker, one offset past the last record: that is its
      // end, so nothing holds the judgement at the records' time (it would for 30 s otherwise).
      await waitFor(
        async () => {
          const h = healthSchema.parse((await api('/api/health')).body);
          return h.stuckJudgedThrough !== null && h.stuckJudgedThrough > producedAt + 2_000;
        },
        { what: 'deadlines judged past the records, up to the clock', timeoutMs: 15_000 },
      );
    } finally {
      await t?.stop();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
      await bus.close();
    }
  }, 60_000);
});
