import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createEmbeddedBus, type Bus, type ConsumedRecord } from '../../lib/bus/index.ts';
import {
  createEnvelope,
  decodeDlqHeaders,
  encodeEnvelopeHeaders,
  lastHeader,
} from '../../lib/events/index.ts';
import { AppError } from '../../lib/errors.ts';
import { silentLogger } from '../../lib/logger.ts';
import { createServiceTracing } from '../../lib/telemetry/tracing.ts';
import { waitFor } from '../../lib/testing/wait-for.ts';
import { createConsumerRuntime, type ConsumerRuntime } from './consumer.ts';
import { colNum, openServiceDb, type ServiceDb } from './db.ts';
import { createFaultController, type FaultController } from './faults.ts';
import { on } from './handlers.ts';
import { createShopMetrics, type ShopMetrics } from './metrics.ts';
import { createOutbox } from './outbox.ts';

// The consumer runtime on the embedded bus with a real SQLite file: idempotency, retry topic,
// dead letters, and the stall / crash faults, as a service would experience them.

const T = 'things';
const payload = z.object({ n: z.number(), mode: z.enum(['ok', 'flaky', 'poison']) });

describe('consumer runtime', () => {
  let dir: string;
  let bus: Bus;
  let db: ServiceDb;
  let metrics: ShopMetrics;
  let faults: FaultController;
  let runtime: ConsumerRuntime;
  const exits: number[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'consumer-test-'));
    bus = createEmbeddedBus();
    await bus.admin.createTopics([T, `${T}-retry`, `${T}-dlt`].map((topic) => ({ topic, numPartitions: 2 })));
    db = openServiceDb(dir, 'svc');
    db.db.exec('CREATE TABLE effects (n INTEGER NOT NULL)');
    const insert = db.db.prepare('INSERT INTO effects (n) VALUES (?)');
    metrics = createShopMetrics();
    faults = createFaultController({
      paymentDeclineRate: 0,
      inventoryShortageRate: 0,
      poisonRate: 0,
      transientErrorRate: 0,
      refundOutage: false,
      processingDelayMs: 0,
      stallConsumer: false,
      stopConsumer: false,
      crash: false,
    });
    // A provider without an exporter: real ids, so records get a traceparent, nothing exported.
    const tracer = createServiceTracing({ serviceName: 'svc' }).tracer;
    const logger = silentLogger();
    const outbox = createOutbox({ db, bus, tracer, service: 'svc', metrics, logger, pollMs: 50 });
    runtime = createConsumerRuntime({
      service: 'svc',
      groupId: 'svc-group',
      topics: [T],
      handlers: {
        Thing: on(payload, (m) => {
          insert.run(m.payload.n);
          if (m.payload.mode === 'poison')
            throw new AppError('cannot handle', { code: 'poison_message', retriable: false });
          if (m.payload.mode === 'flaky' && m.attempt === 1)
            throw new AppError('try later', { retriable: true });
        }),
      },
      bus,
      db,
      outbox,
      tracer,
      logger,
      metrics,
      faults,
      maxAttempts: 3,
      retryBackoffMs: 20,
      exit: (code) => exits.push(code),
    });
    await runtime.start();
  });

  afterEach(async () => {
    await runtime.stop();
    await bus.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
    exits.length = 0;
  });

  const effects = () => colNum(db.db.prepare('SELECT COUNT(*) AS n FROM effects').get()!, 'n');
  const send = (value: unknown, id = `id-${Math.random()}`, type = 'Thing') =>
    bus.produce([
      {
        topic: T,
        key: 'k1',
        value: typeof value === 'string' ? value : JSON.stringify(value),
        headers: encodeEnvelopeHeaders(createEnvelope({ id, source: '/test', type, correlationId: 'o-1' })),
      },
    ]);
  const count = async (outcome: string) =>
    (await metrics.consumed.get()).values
      .filter((v) => v.labels.outcome === outcome)
      .reduce((s, v) => s + v.value, 0);
  const readAll = async (topic: string): Promise<ConsumedRecord[]> => {
    const got: ConsumedRecord[] = [];
    const c = bus.consumer({ groupId: `reader-${Math.random()}`, topics: [topic] });
    await c.run((b) => {
      got.push(...b.records);
      return Promise.resolve();
    });
    await waitFor(
      async () => (await bus.admin.topicOffsets(topic)).reduce((s, p) => s + p.high, 0) === got.length,
    );
    await c.stop();
    return got;
  };

  it('applies a redelivered record once and counts the redelivery as a duplicate', async () => {
    await send({ n: 1, mode: 'ok' }, 'same-id');
    await send({ n: 1, mode: 'ok' }, 'same-id');
    await waitFor(async () => (await count('success')) === 1 && (await count('duplicate')) === 1, {
      what: 'one success, one duplicate',
    });
    expect(effects()).toBe(1);
  });

  it('sends a retriable failure through the retry topic and handles it there', async () => {
    await send({ n: 2, mode: 'flaky' });
    await waitFor(async () => (await count('success')) === 1, { what: 'success after retry' });
    const [retry] = await readAll(`${T}-retry`);
    expect(lastHeader(retry!.headers, 'retry_topic-attempts')?.readInt32BE(0)).toBe(2);
    // The failed attempt rolled back, the retry applied: one effect.
    expect(effects()).toBe(1);
    expect(await count('retry')).toBe(1);
  });

  it('dead-letters a poison record at once with Spring headers and its original headers', async () => {
    await send({ n: 3, mode: 'poison' }, 'poison-id');
    await waitFor(async () => (await count('dead_letter')) === 1, { what: 'a dead letter' });
    const [dead] = await readAll(`${T}-dlt`);
    expect(decodeDlqHeaders(dead!.headers, dead!.topic)).toMatchObject({
      convention: 'spring',
      originTopic: T,
      originGroup: 'svc-group',
      errorClass: 'AppError.poison_message',
      attempts: 1,
    });
    expect(lastHeader(dead!.headers, 'ce_id')?.toString()).toBe('poison-id');
    expect(lastHeader(dead!.headers, 'traceparent')).toBeDefined();
    expect(effects()).toBe(0);
  });

  it('rolls back only the failing record of a run that commits together', async () => {
    faults.update({ stallConsumer: true });
    // Held back by the stall, the three arrive as one batch and are handled as one run.
    await send({ n: 10, mode: 'ok' });
    await send({ n: 11, mode: 'poison' });
    await send({ n: 12, mode: 'ok' });
    faults.update({ stallConsumer: false });
    await waitFor(async () => (await count('success')) === 2 && (await count('dead_letter')) === 1, {
      what: 'two successes and a dead letter',
    });
    expect(
      db.db
        .prepare('SELECT n FROM effects ORDER BY n')
        .all()
        .map((r) => r.n),
    ).toEqual([10, 12]);
  });

  it('dead-letters a schema violation and a record without an envelope', async () => {
    await send('not json');
    await send({ n: 'x', mode: 'ok' });
    await bus.produce([{ topic: T, key: 'k', value: '{}' }]);
    await waitFor(async () => (await count('dead_letter')) === 3, { what: 'three dead letters' });
    const messages = (await readAll(`${T}-dlt`)).map((r) => decodeDlqHeaders(r.headers)?.errorMessage);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('not JSON'),
        expect.stringContaining('payload violates the schema at n'),
        expect.stringContaining('no ce_id'),
      ]),
    );
  });

  it('ignores event types the service does not handle', async () => {
    await send({ whatever: true }, 'other', 'SomethingElse');
    await send({ n: 4, mode: 'ok' });
    await waitFor(async () => (await count('success')) === 1);
    expect(await count('dead_letter')).toBe(0);
  });

  const committed = async () =>
    (await bus.admin.committedOffsets('svc-group', [T])).reduce((s, o) => s + Math.max(0, o.offset), 0);
  const members = async () => (await bus.admin.describeGroups(['svc-group']))[0]?.members.length ?? 0;

  it('holds a record while stalled, in its group and without committing, and catches up afterwards', async () => {
    faults.update({ stallConsumer: true });
    await send({ n: 5, mode: 'ok' });
    // The record reached the consumer and is held there: only now does "not handled" mean something.
    await waitFor(() => runtime.heldBatches() === 1, { what: 'the stalled consumer to hold the batch' });
    expect(effects()).toBe(0);
    expect(await committed()).toBe(0);
    expect(await members()).toBe(1);
    faults.update({ stallConsumer: false });
    await waitFor(async () => (await committed()) === 1, { what: 'commit after the stall' });
    expect(effects()).toBe(1);
    expect(runtime.heldBatches()).toBe(0);
  });

  it('stops at once while a batch is held by the stall', async () => {
    faults.update({ stallConsumer: true });
    await send({ n: 7, mode: 'ok' });
    await waitFor(() => runtime.heldBatches() === 1, { what: 'the stalled consumer to hold the batch' });
    await runtime.stop();
    expect(runtime.heldBatches()).toBe(0);
    expect(await members()).toBe(0);
    expect(effects()).toBe(0);
  });

  it('leaves its group while the stop fault is on and joins again when it is off', async () => {
    await send({ n: 8, mode: 'ok' });
    await waitFor(async () => (await committed()) === 1, { what: 'the first record committed' });
    faults.update({ stopConsumer: true });
    await waitFor(async () => (await members()) === 0, { what: 'the member to leave its group' });
    // With no member nothing can take it: the lag monitor sees an empty group (STOP).
    await send({ n: 9, mode: 'ok' });
    expect(await committed()).toBe(1);
    faults.update({ stopConsumer: false });
    await waitFor(async () => (await committed()) === 2, { what: 'the record handled after rejoining' });
    expect(await members()).toBe(1);
    expect(effects()).toBe(2);
  });

  it('exits the process on the next record when the crash switch is on', async () => {
    faults.update({ crash: true });
    await send({ n: 6, mode: 'ok' });
    await waitFor(() => exits.length > 0, { what: 'exit' });
    expect(exits[0]).toBe(1);
    expect(effects()).toBe(0);
  });
});
