import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEmbeddedBus,
  createKafkaBus,
  type Bus,
  type BusConsumer,
  type ConsumedRecord,
  isTailGroupId,
} from './index.ts';
import { partitionForKey } from './murmur2.ts';
import { lastHeader } from '../events/headers.ts';
import { uniqueName, waitFor } from '../testing/wait-for.ts';

// One contract, two adapters: everything Causeway relies on from Kafka is asserted here against
// the real broker (KAFKA_BROKERS) and against the embedded bus, unchanged.

const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];
if (process.env.CI && !brokers.length) throw new Error('CI must run the Kafka half: set KAFKA_BROKERS');

const adapters: [string, () => Bus][] = [['embedded', () => createEmbeddedBus()]];
if (brokers.length) adapters.push(['kafka', () => createKafkaBus({ brokers, clientId: 'contract-test' })]);

describe.each(adapters)('Bus contract: %s', (kind, make) => {
  let bus: Bus;
  const running: BusConsumer[] = [];
  beforeAll(() => {
    bus = make();
  });
  afterAll(async () => {
    await Promise.all(running.map((c) => c.stop()));
    await bus.close();
  });

  const topic = async (partitions = 3) => {
    const t = uniqueName(`contract-${kind}`);
    await bus.admin.createTopics([{ topic: t, numPartitions: partitions }]);
    return t;
  };

  /** Starts a group member that collects everything it receives. */
  const collect = async (
    groupId: string,
    opts: { topics?: string[]; topicPattern?: RegExp; fail?: () => boolean },
  ) => {
    const got: ConsumedRecord[] = [];
    const c = bus.consumer({ groupId, ...opts, topicRefreshMs: 500, sessionTimeoutMs: 10_000 });
    running.push(c);
    await c.run(async (batch) => {
      if (opts.fail?.()) throw new Error('handler failure');
      got.push(...batch.records);
      return Promise.resolve();
    });
    return { got, consumer: c };
  };

  it('places keyed records by murmur2 and keeps per-key order', async () => {
    const t = await topic(3);
    const records = Array.from({ length: 60 }, (_, i) => ({
      topic: t,
      key: `order-${i % 4}`,
      value: String(i),
    }));
    const meta = await bus.produce(records);
    for (const [i, m] of meta.entries())
      expect(m.partition).toBe(partitionForKey(Buffer.from(`order-${i % 4}`), 3));
    const { got } = await collect(uniqueName('g'), { topics: [t] });
    await waitFor(() => got.length === 60, { what: '60 records' });
    for (let k = 0; k < 4; k++) {
      const values = got
        .filter((r) => r.key?.toString() === `order-${k}`)
        .map((r) => Number(r.value!.toString()));
      expect(values).toEqual([...values].sort((a, b) => a - b));
      expect(values).toHaveLength(15);
    }
    const offsets = meta.filter((m) => m.partition === meta[0]!.partition).map((m) => m.offset);
    expect(offsets).toEqual(offsets.map((_, i) => offsets[0]! + i));
  });

  it('hands over at most maxBatchRecords per call, and shows the consumer clientId to the group', async () => {
    const t = await topic(1);
    await bus.produce(Array.from({ length: 25 }, (_, i) => ({ topic: t, value: String(i) })));
    const groupId = uniqueName('small');
    const sizes: number[] = [];
    const c = bus.consumer({ groupId, topics: [t], maxBatchRecords: 4, clientId: 'contract-small' });
    running.push(c);
    await c.run(async (batch) => {
      sizes.push(batch.records.length);
      return Promise.resolve();
    });
    await waitFor(() => sizes.reduce((a, b) => a + b, 0) === 25 || undefined, { what: '25 records' });
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
    const [group] = await bus.admin.describeGroups([groupId]);
    expect(group!.members.map((m) => m.clientId)).toEqual(['contract-small']);
  });

  it('fans out to every group and shares partitions within a group', async () => {
    const t = await topic(4);
    const a = await collect(uniqueName('fan-a'), { topics: [t] });
    const b = await collect(uniqueName('fan-b'), { topics: [t] });
    const shared = uniqueName('share');
    const m1 = await collect(shared, { topics: [t] });
    const m2 = await collect(shared, { topics: [t] });
    await waitFor(() => m1.consumer.assignment().length === 2 && m2.consumer.assignment().length === 2, {
      what: 'two members with two partitions each',
      timeoutMs: 60_000,
    });
    await bus.produce(Array.from({ length: 40 }, (_, i) => ({ topic: t, key: `k${i}`, value: `v${i}` })));
    await waitFor(() => a.got.length === 40 && b.got.length === 40, { what: 'both groups get 40' });
    await waitFor(() => m1.got.length + m2.got.length === 40, { what: 'shared group gets 40 in all' });
    expect(m1.got.length).toBeGreaterThan(0);
    expect(m2.got.length).toBeGreaterThan(0);
    const p1 = new Set(m1.got.map((r) => r.partition));
    for (const r of m2.got) expect(p1.has(r.partition)).toBe(false);
    const desc = (await bus.admin.describeGroups([shared]))[0]!;
    expect(desc.members).toHaveLength(2);
    expect(desc.members.flatMap((m) => m.assignments.flatMap((x) => x.partitions)).sort()).toEqual([
      0, 1, 2, 3,
    ]);
  });

  it('resumes at the committed offset after a restart: nothing lost, nothing repeated', async () => {
    const t = await topic(2);
    const g = uniqueName('resume');
    await bus.produce(
      Array.from({ length: 10 }, (_, i) => ({ topic: t, key: `k${i}`, value: `first-${i}` })),
    );
    const first = await collect(g, { topics: [t] });
    await waitFor(() => first.got.length === 10, { what: 'first 10' });
    await waitFor(
      async () => {
        const c = await bus.admin.committedOffsets(g, [t]);
        return c.reduce((s, x) => s + Math.max(0, x.offset), 0) === 10;
      },
      { what: 'commits of the first 10' },
    );
    await first.consumer.stop();
    await bus.produce(
      Array.from({ length: 7 }, (_, i) => ({ topic: t, key: `k${i}`, value: `second-${i}` })),
    );
    const second = await collect(g, { topics: [t] });
    await waitFor(() => second.got.length === 7, { what: 'the 7 new records', timeoutMs: 60_000 });
    expect(second.got.every((r) => r.value!.toString().startsWith('second-'))).toBe(true);
  });

  it('does not commit when the handler fails, and delivers the batch again', async () => {
    const t = await topic(1);
    const g = uniqueName('retry');
    let failures = 2;
    await bus.produce([{ topic: t, key: 'a', value: 'x' }]);
    const c = await collect(g, { topics: [t], fail: () => failures-- > 0 });
    await waitFor(() => c.got.length === 1, { what: 'delivery after two failures', timeoutMs: 60_000 });
    expect(failures).toBeLessThan(0);
    await waitFor(async () => (await bus.admin.committedOffsets(g, [t]))[0]?.offset === 1, {
      what: 'commit',
    });
  });

  it('sees a topic created after a pattern subscription started', async () => {
    const prefix = uniqueName(`pat-${kind}`);
    const before = `${prefix}.one`;
    await bus.admin.createTopics([{ topic: before, numPartitions: 1 }]);
    const c = await collect(uniqueName('pattern'), { topicPattern: new RegExp(`^${prefix}\\.`) });
    await bus.produce([{ topic: before, value: 'one' }]);
    await waitFor(() => c.got.length === 1, { what: 'record on the first topic' });
    const later = `${prefix}.two`;
    await bus.admin.createTopics([{ topic: later, numPartitions: 2 }]);
    await bus.produce([{ topic: later, key: 'x', value: 'two' }]);
    await waitFor(() => c.got.some((r) => r.topic === later), {
      what: 'record on the later topic',
      timeoutMs: 60_000,
    });
  });

  it('tail: every partition from where it ended at run, later topics from their start, no group left', async () => {
    const prefix = uniqueName(`tail-${kind}`);
    const first = `${prefix}.one`;
    await bus.admin.createTopics([{ topic: first, numPartitions: 3 }]);
    const toEach = (topic: string, value: string) =>
      bus.produce([0, 1, 2].map((partition) => ({ topic, partition, value })));
    await toEach(first, 'before');
    const got: string[] = [];
    const reader = bus.tail({ topicPattern: new RegExp(`^${prefix}\\.`), name: prefix, topicRefreshMs: 500 });
    await reader.run((b) => got.push(...b.records.map((r) => `${r.topic}/${r.partition}/${r.offset}`)));
    const ours = async () => (await bus.admin.listGroups()).filter((g) => g.startsWith(`${prefix}-tail-`));
    const expected = (await Promise.all([toEach(first, 'after'), toEach(first, 'after again')])).flat();
    const later = `${prefix}.two`;
    await bus.admin.createTopics([{ topic: later, numPartitions: 2 }]);
    // Produced before the reader can have seen the topic: read from the topic's start. Records of the
    // first topic produced while the reader rejoins for the new one are not skipped either.
    expected.push(
      ...(await bus.produce([0, 1].map((partition) => ({ topic: later, partition, value: 'x' })))),
    );
    expected.push(...(await toEach(first, 'during the rejoin')));
    const want = expected.map((m) => `${m.topic}/${m.partition}/${m.offset}`).sort();
    await waitFor(() => got.length >= want.length && got.some((k) => k.startsWith(later)), {
      what: `${want.length} records on the tail`,
      timeoutMs: 60_000,
    });
    if (kind === 'kafka') {
      const groups = await ours();
      expect(groups.map(isTailGroupId)).toEqual([true]);
      expect((await bus.admin.committedOffsets(groups[0]!)).filter((c) => c.offset >= 0)).toEqual([]);
    }
    await reader.stop();
    expect([...got].sort()).toEqual(want);
    expect(await ours()).toEqual([]);
  });

  it('reports watermarks and committed offsets that give the lag', async () => {
    const t = await topic(2);
    const g = uniqueName('lag');
    await bus.produce(Array.from({ length: 6 }, (_, i) => ({ topic: t, value: `v${i}`, partition: 0 })));
    const c = await collect(g, { topics: [t] });
    await waitFor(() => c.got.length === 6, { what: '6 records' });
    await waitFor(
      async () => (await bus.admin.committedOffsets(g, [t])).find((x) => x.partition === 0)?.offset === 6,
      {
        what: 'commit at 6',
      },
    );
    await c.consumer.stop();
    await bus.produce(Array.from({ length: 4 }, (_, i) => ({ topic: t, value: `w${i}`, partition: 0 })));
    const offsets = await bus.admin.topicOffsets(t);
    expect(offsets.map((o) => [o.partition, o.low, o.high])).toEqual([
      [0, 0, 10],
      [1, 0, 0],
    ]);
    const committed = await bus.admin.committedOffsets(g, [t]);
    const p0 = committed.find((x) => x.partition === 0)!;
    expect(offsets[0]!.high - p0.offset).toBe(4);
    const none = await bus.admin.committedOffsets(uniqueName('never'), [t]);
    expect(none.every((x) => x.offset === -1)).toBe(true);
    expect(await bus.admin.listGroups()).toContain(g);
  });

  it('keeps producing and answering admin calls after a topic it used was deleted', async () => {
    const gone = await topic(1);
    await bus.produce([{ topic: gone, value: 'soon gone' }]);
    expect((await bus.admin.topicOffsets(gone))[0]?.high).toBe(1);
    await bus.admin.deleteTopics([gone]);
    await waitFor(async () => !(await bus.admin.listTopics()).includes(gone), { what: 'topic deleted' });
    const next = await topic(1);
    await bus.produce([{ topic: next, value: 'still fine' }]);
    expect((await bus.admin.topicOffsets(next))[0]?.high).toBe(1);
    expect(Array.isArray(await bus.admin.listGroups())).toBe(true);
  });

  it('describes the configs a topic was created with', async () => {
    const t = uniqueName(`contract-${kind}-cfg`);
    await bus.admin.createTopics([
      {
        topic: t,
        numPartitions: 1,
        configs: { 'cleanup.policy': 'compact', 'message.timestamp.type': 'LogAppendTime' },
      },
    ]);
    const plain = await topic(1);
    const got = await bus.admin.topicConfigs!([t, plain]);
    expect(got[t]).toMatchObject({ 'cleanup.policy': 'compact', 'message.timestamp.type': 'LogAppendTime' });
    expect(got[plain]?.['cleanup.policy'] ?? 'delete').toBe('delete');
  });

  it('round-trips headers byte-exact, repeated keys included, and tombstones', async () => {
    const t = await topic(1);
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3]);
    const int32 = Buffer.from([0, 0, 0, 7]);
    await bus.produce([
      {
        topic: t,
        key: 'customer-1',
        value: Buffer.from([0, 1, 2, 250]),
        headers: [
          { key: 'bin', value: binary },
          { key: 'kafka_dlt-original-partition', value: int32 },
          { key: 'rep', value: Buffer.from('first') },
          { key: 'rep', value: Buffer.from('second') },
          { key: 'empty', value: Buffer.alloc(0) },
        ],
      },
      { topic: t, key: 'customer-1', value: null },
    ]);
    const c = await collect(uniqueName('hdr'), { topics: [t] });
    await waitFor(() => c.got.length === 2, { what: 'two records' });
    const [rec, tomb] = c.got as [ConsumedRecord, ConsumedRecord];
    expect(rec.value).toEqual(Buffer.from([0, 1, 2, 250]));
    expect(lastHeader(rec.headers, 'bin')).toEqual(binary);
    expect(lastHeader(rec.headers, 'kafka_dlt-original-partition')).toEqual(int32);
    expect(rec.headers.filter((h) => h.key === 'rep').map((h) => h.value.toString())).toEqual([
      'first',
      'second',
    ]);
    expect(lastHeader(rec.headers, 'rep')?.toString()).toBe('second');
    expect(lastHeader(rec.headers, 'empty')?.length ?? 0).toBe(0);
    expect(tomb.value).toBeNull();
    expect(tomb.key?.toString()).toBe('customer-1');
    expect(tomb.timestamp).toBeGreaterThan(Date.now() - 120_000);
  });

  it('with a receipt, fetches ahead, commits only contiguous done batches, and rewinds a failed one', async () => {
    const t = await topic(1);
    const g = uniqueName('receipt');
    type Settle = { resolve: () => void; reject: (err: Error) => void };
    const batches: { first: number; size: number; settle: Settle }[] = [];
    const c = bus.consumer({ groupId: g, topics: [t], sessionTimeoutMs: 10_000 });
    running.push(c);
    await c.run((batch) => {
      let settle: Settle = { resolve: () => undefined, reject: () => undefined };
      const done = new Promise<void>((resolve, reject) => {
        settle = { resolve, reject };
      });
      batches.push({ first: batch.records[0]!.offset, size: batch.records.length, settle });
      return Promise.resolve({ done });
    });
    const produce10 = (from: number) =>
      bus.produce(Array.from({ length: 10 }, (_, i) => ({ topic: t, partition: 0, value: `v${from + i}` })));
    const committed = async () => (await bus.admin.committedOffsets(g, [t]))[0]?.offset ?? -1;
    const delivered = () => batches.reduce((n, b) => n + b.size, 0);

    await produce10(0);
    await waitFor(() => delivered() === 10, { what: 'first 10 delivered', timeoutMs: 30_000 });
    // The first batch is not done, yet the next one is fetched and handed over.
    await produce10(10);
    await waitFor(() => delivered() === 20, { what: 'next 10 delivered before the first is done' });
    const second = batches.find((b) => b.first >= 10)!;
    second.settle.resolve();
    await new Promise((r) => setTimeout(r, 700));
    expect(await committed()).toBe(-1);
    for (const b of batches) b.settle.resolve();
    await waitFor(async () => (await committed()) === 20, { what: 'commit at 20 once both are done' });

    await produce10(20);
    await waitFor(() => delivered() === 30, { what: 'third batch' });
    batches[batches.length - 1]!.settle.reject(new Error('store failed'));
    await waitFor(() => batches.length >= 4 && batches[batches.length - 1]!.first === 20, {
      what: 'the failed batch delivered again from its first offset',
      timeoutMs: 30_000,
    });
    expect(await committed()).toBe(20);
    batches[batches.length - 1]!.settle.resolve();
    await waitFor(async () => (await committed()) === 30, { what: 'commit at 30' });
  });
});
