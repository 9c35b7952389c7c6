import { afterEach, describe, expect, it } from 'vitest';
import { recordDetailSchema, recordsPageSchema } from '../lib/api/records.ts';
import { uniqueName, waitFor } from '../lib/testing/wait-for.ts';
import { startTestCollector } from './testing.ts';
import { hostileCorpus } from './testing-corpus.ts';

// The collector end to end on the embedded bus: records go in through the Bus, come out of the
// REST API. Broker-specific behaviour is in collector.int.test.ts.

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

async function setup(env: Record<string, string> = {}) {
  const t = await startTestCollector({ env });
  stops.push(t.stop);
  return t;
}

describe('collector ingest (embedded bus)', () => {
  it('stores every hostile record exactly once and serves each one back', async () => {
    const { bus, api } = await setup();
    const topic = uniqueName('hostile');
    const dlq = `${topic}-dlq`;
    await bus.admin.createTopics([
      { topic, numPartitions: 2 },
      { topic: dlq, numPartitions: 1 },
    ]);
    const corpus = hostileCorpus(topic, dlq);
    const meta = await bus.produce(corpus.map((c) => c.record));

    const all = await waitFor(
      async () => {
        const a = recordsPageSchema.parse((await api(`/api/records?topic=${topic}&limit=500`)).body);
        const b = recordsPageSchema.parse((await api(`/api/records?topic=${dlq}&limit=500`)).body);
        const items = [...a.items, ...b.items];
        return items.length >= corpus.length && items;
      },
      { what: 'every hostile record stored' },
    );
    expect(all).toHaveLength(corpus.length);
    expect(new Set(all.map((r) => r.id)).size).toBe(corpus.length);

    const detail = async (i: number) => {
      const m = meta[i]!;
      const res = await api(`/api/records/${m.topic}:${m.partition}:${m.offset}`);
      expect(res.status, corpus[i]!.name).toBe(200);
      return recordDetailSchema.parse(res.body);
    };
    const byName = (n: string) => corpus.findIndex((c) => c.name === n);

    expect((await detail(byName('plain text'))).valueKind).toBe('text');
    const bin = await detail(byName('binary'));
    expect(bin.valueKind).toBe('binary');
    expect(Buffer.from(bin.valueBase64!, 'base64')).toEqual(
      Buffer.from([0x00, 0x9f, 0x92, 0x96, 0xff, 0xfe]),
    );
    expect(bin.keyEncoding).toBe('hex');
    const badUtf8 = await detail(byName('invalid utf8 claimed json'));
    expect(badUtf8.valueKind).toBe('binary');
    expect(badUtf8.problems.some((p) => /UTF-8/.test(p.problem))).toBe(true);
    expect((await detail(byName('broken json'))).problems.some((p) => /not valid JSON/.test(p.problem))).toBe(
      true,
    );
    const huge = await detail(byName('1 MB value'));
    expect(huge.valueTruncated).toBe(true);
    expect(huge.valueSize).toBe(1024 * 1024);
    expect(huge.valueText!.length).toBe(256 * 1024);
    expect((await detail(byName('210 headers'))).headers).toHaveLength(210);
    const trace = await detail(byName('broken traceparent'));
    expect(trace.anomalies).toContain('broken_trace');
    expect(trace.traceId).toBeNull();
    expect((await detail(byName('all-zero trace id'))).anomalies).toContain('broken_trace');
    const tomb = await detail(byName('tombstone'));
    expect(tomb.valueKind).toBe('tombstone');
    expect(tomb.valueText).toBeNull();
    expect((await detail(byName('empty value'))).valueKind).toBe('empty');
    expect((await detail(byName('no key'))).key).toBeNull();
    expect((await detail(byName('binary header values'))).headers[0]).toMatchObject({
      key: 'weird',
      encoding: 'hex',
      value: 'ff00fe',
      size: 3,
    });
    expect((await detail(byName('far past timestamp'))).timestamp).toBe(1000);
    expect((await detail(byName('ce_time garbage'))).problems.some((p) => p.header === 'ce_time')).toBe(true);
    const dead = await detail(byName('unknown dead-letter headers'));
    expect(dead.isDlq).toBe(true);
    expect(dead.dlq?.convention).toBe('spring');
    expect(dead.dlq?.problems.length).toBeGreaterThan(0);
  });

  it('answers 400 naming the problem for bad query parameters, 404 for unknown records and routes', async () => {
    const { api } = await setup();
    const bad = await api('/api/records?limit=0&from=yesterday');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/limit/);
    expect(JSON.stringify(bad.body)).toMatch(/from/);
    expect((await api('/api/records?cursor=%%%')).status).toBe(400);
    expect((await api('/api/records?cursor=bm90LWEtY3Vyc29y')).status).toBe(400);
    expect((await api('/api/records/not-an-id')).status).toBe(400);
    expect((await api('/api/records/nosuch:0:1')).status).toBe(404);
    const unknown = await api('/api/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: 'not_found' } });
    expect((await api('/api/records', { method: 'POST', body: '{}' })).status).toBe(405);
  });

  it('pages records with an opaque cursor, newest first, and filters by key, type and text', async () => {
    const { bus, api } = await setup();
    const topic = uniqueName('paging');
    await bus.admin.createTopics([{ topic, numPartitions: 3 }]);
    await bus.produce(
      Array.from({ length: 25 }, (_, i) => ({
        topic,
        key: `k${i % 5}`,
        value: JSON.stringify({ n: i, note: i === 7 ? 'needle-in-haystack' : 'hay' }),
        timestamp: 1_700_000_000_000 + i,
        headers: {
          ce_specversion: '1.0',
          ce_id: `id-${i}`,
          ce_source: 'pager',
          ce_type: i % 2 ? 'Odd' : 'Even',
        },
      })),
    );
    await waitFor(
      async () =>
        recordsPageSchema.parse((await api(`/api/records?topic=${topic}&limit=500`)).body).items.length ===
        25,
    );
    const seen: number[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page = recordsPageSchema.parse(
        (await api(`/api/records?topic=${topic}&limit=10${cursor ? `&cursor=${cursor}` : ''}`)).body,
      );
      seen.push(...page.items.map((r) => r.timestamp));
      cursor = page.nextCursor;
    }
    expect(seen).toHaveLength(25);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    const byKey = recordsPageSchema.parse((await api(`/api/records?topic=${topic}&key=k3`)).body);
    expect(byKey.items).toHaveLength(5);
    const odd = recordsPageSchema.parse((await api(`/api/records?topic=${topic}&type=Odd`)).body);
    expect(odd.items).toHaveLength(12);
    const needle = recordsPageSchema.parse((await api(`/api/records?q=needle-in`)).body);
    expect(needle.items.map((r) => r.ceId)).toEqual(['id-7']);
    const range = recordsPageSchema.parse(
      (await api(`/api/records?topic=${topic}&from=${1_700_000_000_010}&to=${1_700_000_000_014}`)).body,
    );
    expect(range.items).toHaveLength(5);
  });
});
