import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordDetailSchema, recordsPageSchema } from '../../lib/api/records.ts';
import { schemaHistorySchema } from '../../lib/api/schemas.ts';
import { uniqueName, waitFor } from '../../lib/testing/wait-for.ts';
import { startTestCollector } from '../testing.ts';
import { FIXTURES, startTestRegistryProcess } from './testing.ts';
import { frame } from './wire.ts';

// Decoded payloads through the collector (embedded bus, real HTTP): the record view shows the
// decoded value with its schema, masked like any JSON; text search finds decoded fields; an
// undecodable record is stored and shown raw with the reason.

const avroType = (f: string) =>
  avro.Type.forSchema(JSON.parse(readFileSync(`${FIXTURES}${f}`, 'utf8')) as avro.Schema);
const paymentV1 = avroType('payment.v1.avsc');
const paymentV2 = avroType('payment.v2.avsc');

describe('schema-registry payloads in the collector', () => {
  let registry: Awaited<ReturnType<typeof startTestRegistryProcess>>;
  beforeAll(async () => {
    registry = await startTestRegistryProcess();
  });
  afterAll(() => registry.stop());

  it('decodes, indexes and masks an Avro value; keeps an undecodable one raw with the reason', async () => {
    const t = await startTestCollector({ env: { SCHEMA_REGISTRY_URL: registry.url } });
    try {
      const topic = uniqueName('payments');
      await t.bus.admin.createTopics([{ topic }]);
      const orderId = uniqueName('ordavro');
      const payment = {
        orderId,
        amount: 12.5,
        currency: 'EUR',
        email: 'avro.buyer@example.com',
        attempts: 1,
      };
      await t.bus.produce([
        { topic, key: orderId, value: frame(101, paymentV1.toBuffer(payment)) },
        { topic, key: 'broken', value: frame(101, Buffer.from([0xff, 0xff])) },
      ]);
      const page = await waitFor(async () => {
        const p = recordsPageSchema.parse((await t.api(`/api/records?topic=${topic}`)).body);
        return p.items.length === 2 && p;
      });
      const byKey = (k: string) => page.items.find((r) => r.key === k)!;

      const detail = recordDetailSchema.parse(
        (await t.api(`/api/records/${encodeURIComponent(byKey(orderId).id)}`)).body,
      );
      expect(detail.decoded?.value).toMatchObject({
        format: 'avro',
        schemaId: 101,
        subject: 'payments-value',
        version: 1,
        typeName: 'shop.avro.PaymentAuthorized',
        error: null,
      });
      expect(JSON.parse(detail.decoded!.value!.text!)).toEqual({ ...payment, email: '[masked]' });
      // The raw Avro bytes hold the e-mail in the clear: withheld while a policy applies.
      expect(detail.valueBase64).toBeNull();
      expect(JSON.stringify(detail)).not.toContain('avro.buyer@example.com');

      // Search reads the decoded fields (the order id lives only inside the Avro value).
      const hits = recordsPageSchema.parse(
        (await t.api(`/api/records?q=${encodeURIComponent(orderId)}`)).body,
      );
      expect(hits.items.map((r) => r.id)).toContain(byKey(orderId).id);
      const byEmail = recordsPageSchema.parse((await t.api(`/api/records?topic=${topic}&q=avro.buyer`)).body);
      expect(byEmail.items).toEqual([]);

      const broken = recordDetailSchema.parse(
        (await t.api(`/api/records/${encodeURIComponent(byKey('broken').id)}`)).body,
      );
      expect(broken.decoded?.value?.error).toMatch(/not readable as avro with schema id 101/);
      expect(broken.problems.map((p) => p.problem).join('\n')).toMatch(
        /value not decoded: not readable as avro/,
      );
      expect(broken.valueBase64).toBe(frame(101, Buffer.from([0xff, 0xff])).toString('base64'));
    } finally {
      await t.stop();
    }
  });

  it('flags the record where a producer switches schema version mid-stream, in the view and the metric', async () => {
    const t = await startTestCollector({ env: { SCHEMA_REGISTRY_URL: registry.url } });
    try {
      const topic = uniqueName('payments-drift');
      // One partition: drift is judged in the order records are indexed, which is per partition.
      await t.bus.admin.createTopics([{ topic, numPartitions: 1 }]);
      const base = { amount: 1, currency: 'EUR', email: 'x@example.com', attempts: 1 };
      const t0 = Date.now() - 10_000;
      await t.bus.produce([
        { topic, key: 'a', value: frame(101, paymentV1.toBuffer({ ...base, orderId: 'a' })), timestamp: t0 },
        {
          topic,
          key: 'b',
          value: frame(101, paymentV1.toBuffer({ ...base, orderId: 'b' })),
          timestamp: t0 + 1,
        },
        {
          topic,
          key: 'c',
          value: frame(102, paymentV2.toBuffer({ ...base, orderId: 'c', method: 'card' })),
          timestamp: t0 + 2,
        },
        {
          topic,
          key: 'd',
          value: frame(102, paymentV2.toBuffer({ ...base, orderId: 'd', method: null })),
          timestamp: t0 + 3,
        },
      ]);
      const history = await waitFor(async () => {
        const h = schemaHistorySchema.parse((await t.api(`/api/schemas?topic=${topic}`)).body);
        return h.scanned === 4 && h;
      });
      expect(history.types).toHaveLength(1);
      const [type] = history.types;
      expect(type!.type).toBe('shop.avro.PaymentAuthorized');
      expect(type!.schemas.map((x) => [x.schemaId, x.version, x.records, x.firstSeen, x.lastSeen])).toEqual([
        [101, 1, 2, t0, t0 + 1],
        [102, 2, 2, t0 + 2, t0 + 3],
      ]);
      expect(type!.schemas[1]!.fields).toContain('method: string');
      expect(type!.drift).toEqual([
        {
          recordId: `${topic}:0:2`,
          at: t0 + 2,
          problem:
            'schema drift (shop.avro.PaymentAuthorized): new schema id 102 (payments-value v2) after id 101 (payments-value v1)',
        },
      ]);
      const metrics = String((await t.api('/metrics')).body);
      expect(metrics).toContain(
        `causeway_records_malformed_total{topic="${topic}",problem="schema_changed"} 1`,
      );
    } finally {
      await t.stop();
    }
  });
});
