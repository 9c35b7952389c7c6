import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { chainSchema } from '../../lib/api/chains.ts';
import { dlqPageSchema } from '../../lib/api/dlq.ts';
import { recordsPageSchema } from '../../lib/api/records.ts';
import { uniqueName, waitFor } from '../../lib/testing/wait-for.ts';
import { startTestCollector } from '../testing.ts';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});
async function setup() {
  const t = await startTestCollector();
  stops.push(t.stop);
  const a = uniqueName('a');
  const b = uniqueName('b');
  await t.bus.admin.createTopics([
    { topic: a, numPartitions: 1 },
    { topic: b, numPartitions: 1 },
  ]);
  return { ...t, a, b };
}
const ce = (id: string, type: string, extra: Record<string, string> = {}) => ({
  ce_specversion: '1.0',
  ce_id: id,
  ce_source: 'test',
  ce_type: type,
  ...extra,
});

describe('chains and anomalies', () => {
  it('merges a trace-only chain into the correlated flow it turns out to belong to', async () => {
    const { bus, api, a, b } = await setup();
    const trace = randomBytes(16).toString('hex');
    const tp = () => `00-${trace}-${randomBytes(8).toString('hex')}-01`;
    await bus.produce([{ topic: a, key: 'x', value: '{}', headers: { traceparent: tp() } }]);
    await waitFor(async () => (await api(`/api/chains/${trace}`)).status === 200);
    await bus.produce([
      {
        topic: b,
        key: 'x',
        value: '{}',
        headers: ce('e2', 'Later', { ce_correlationid: 'corr-1', traceparent: tp() }),
      },
    ]);
    const chain = await waitFor(async () => {
      const c = chainSchema.parse((await api('/api/chains/corr-1')).body);
      return c.records.length === 2 && c;
    });
    expect(chain.id).toBe('corr-1');
    expect(chainSchema.parse((await api(`/api/chains/${trace}`)).body).id).toBe('corr-1');
  });

  it('a record with no ids is a one-record chain looked up by its record id', async () => {
    const { bus, api, a } = await setup();
    const [m] = await bus.produce([{ topic: a, key: null, value: 'plain' }]);
    const id = `${m!.topic}:${m!.partition}:${m!.offset}`;
    const c = await waitFor(async () => {
      const r = await api(`/api/chains/${id}`);
      return r.status === 200 && chainSchema.parse(r.body);
    });
    expect(c).toMatchObject({ id, status: 'in_progress', correlationId: null });
    expect(c.records).toHaveLength(1);
  });

  it('flags duplicates, reused ids, out-of-order and late events, and CloudEvents without trace context', async () => {
    const { bus, api, a, b } = await setup();
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    await bus.produce([
      { topic: a, key: 'k', value: '{}', headers: ce('dup', 'T', { ce_time: iso(now - 1000) }) },
      { topic: a, key: 'k', value: '{}', headers: ce('dup', 'T', { ce_time: iso(now - 1000) }) },
      { topic: b, key: 'z', value: '{}', headers: ce('dup', 'T') },
      { topic: a, key: 'k', value: '{}', headers: ce('older', 'T', { ce_time: iso(now - 5000) }) },
      {
        topic: a,
        key: 'late',
        value: '{}',
        headers: ce('late', 'T', { ce_time: iso(now - 3_600_000) }),
        timestamp: now,
      },
    ]);
    const items = await waitFor(async () => {
      const p = recordsPageSchema.parse((await api(`/api/records?limit=50`)).body);
      return p.items.length === 5 && p.items;
    });
    const byOffset = (topic: string, o: number) =>
      items.find((r) => r.topic === topic && r.offset === o)!.anomalies;
    expect(byOffset(a, 0)).toEqual(['missing_trace']);
    expect(byOffset(a, 1)).toEqual(['duplicate', 'missing_trace']);
    expect(byOffset(b, 0)).toContain('duplicate');
    expect(byOffset(a, 2)).toContain('out_of_order');
    expect(byOffset(a, 3)).toContain('late');
    expect(byOffset(a, 3)).not.toContain('out_of_order');
  });

  it('reads dead letters of every common convention into one entry shape', async () => {
    const { bus, api } = await setup();
    const connect = uniqueName('sink') + '.dlq';
    const smallrye = uniqueName('orders') + '-dead';
    const spring = uniqueName('pay') + '.DLT';
    await bus.admin.createTopics([{ topic: connect }, { topic: smallrye }, { topic: spring }]);
    await bus.produce([
      {
        topic: connect,
        value: '{"row":1}',
        headers: {
          '__connect.errors.topic': 'db.rows',
          '__connect.errors.partition': '2',
          '__connect.errors.offset': '99',
          '__connect.errors.connector.name': 'jdbc-sink',
          '__connect.errors.exception.class.name': 'org.apache.kafka.connect.errors.DataException',
          '__connect.errors.exception.message': 'bad row',
        },
      },
      {
        topic: smallrye,
        value: 'x',
        headers: {
          'dead-letter-topic': 'orders',
          'dead-letter-partition': '1',
          'dead-letter-offset': '7',
          'dead-letter-reason': 'boom',
        },
      },
      { topic: spring, value: 'y' },
    ]);
    const entries = await waitFor(async () => {
      const p = dlqPageSchema.parse((await api('/api/dlq')).body);
      return p.items.length === 3 && p.items;
    });
    expect(entries.find((e) => e.dlqTopic === connect)).toMatchObject({
      convention: 'kafka-connect',
      originTopic: 'db.rows',
      originPartition: 2,
      originOffset: 99,
      originGroup: 'jdbc-sink',
      errorClass: 'org.apache.kafka.connect.errors.DataException',
      errorMessage: 'bad row',
    });
    expect(entries.find((e) => e.dlqTopic === smallrye)).toMatchObject({
      convention: 'smallrye',
      originTopic: 'orders',
      originOffset: 7,
      errorMessage: 'boom',
    });
    expect(entries.find((e) => e.dlqTopic === spring)).toMatchObject({
      convention: 'name-only',
      originTopic: spring.replace(/\.DLT$/, ''),
    });
  });
});
