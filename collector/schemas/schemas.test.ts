import { readFileSync } from 'node:fs';
import avro from 'avsc';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSchemaDecoding } from './decoding.ts';
import { loadLocalSchemas } from './local.ts';
import { createSyncRegistry } from './sync-registry.ts';
import { FIXTURES, startTestRegistryProcess } from './testing.ts';
import { frame, readMessageIndexes, unframe } from './wire.ts';

// Decoding with the JavaScript encoders (avsc, protobufjs): the wire format, each schema type,
// the registry client against the test registry, back-off, and undecodable records kept raw.

const fixture = (f: string) => readFileSync(`${FIXTURES}${f}`, 'utf8');
const paymentV1 = avro.Type.forSchema(JSON.parse(fixture('payment.v1.avsc')) as avro.Schema);
const orderRoot = protobuf.parse(fixture('order.proto'), { keepCase: true }).root;
const OrderPlaced = orderRoot.lookupType('shop.proto.OrderPlaced');
const Item = orderRoot.lookupType('shop.proto.OrderPlaced.Item');
const noLocal = loadLocalSchemas(undefined);
const payment = { orderId: 'ord-9', amount: 12.5, currency: 'EUR', email: 'p@example.com', attempts: 2 };

describe('schema-registry wire format', () => {
  it('reads the id prefix, the header forms and message-index lists', () => {
    const f = unframe(frame(7, Buffer.from('abc'), [1, 0]), undefined)!;
    expect(f.ref).toEqual({ kind: 'id', id: 7 });
    expect(readMessageIndexes(f.rest)).toEqual({ indexes: [1, 0], payload: Buffer.from('abc') });
    expect(readMessageIndexes(frame(7, Buffer.from('x'), [0]).subarray(5))).toEqual({
      indexes: [0],
      payload: Buffer.from('x'),
    });
    const idHeader = Buffer.from([0, 0, 0, 0, 9]);
    expect(unframe(Buffer.from('raw'), idHeader)).toMatchObject({
      ref: { kind: 'id', id: 9 },
      source: 'header',
    });
    const guid = Buffer.concat([Buffer.from([1]), Buffer.from('6f1c1e2a9d3b4c558a0e2b7f1d9c4e10', 'hex')]);
    expect(unframe(Buffer.from('raw'), guid)?.ref).toEqual({
      kind: 'guid',
      guid: '6f1c1e2a-9d3b-4c55-8a0e-2b7f1d9c4e10',
    });
    // Not framed: JSON text, a zero id, too short.
    expect(unframe(Buffer.from('{"a":1}'), undefined)).toBeNull();
    expect(unframe(Buffer.from([0, 0, 0, 0, 0, 1]), undefined)).toBeNull();
    expect(unframe(Buffer.from([0, 1]), undefined)).toBeNull();
  });
});

describe('decoding through the registry', () => {
  let registry: Awaited<ReturnType<typeof startTestRegistryProcess>>;
  beforeAll(async () => {
    registry = await startTestRegistryProcess();
  });
  afterAll(() => registry.stop());
  const decoding = () =>
    createSchemaDecoding({
      local: noLocal,
      registry: createSyncRegistry({ url: registry.url, timeoutMs: 3000 }),
    });

  it('decodes Avro, Protobuf (nested message by index, and by GUID header) and JSON Schema, keys too', async () => {
    const d = decoding();
    const avroValue = frame(101, paymentV1.toBuffer(payment));
    const order = OrderPlaced.encode(
      OrderPlaced.fromObject({
        order_id: 'ord-9',
        total_cents: '9007199254740993',
        items: [{ sku: 's1', qty: 2 }],
        status: 1,
      }),
    ).finish();
    const item = Item.encode(Item.fromObject({ sku: 's2', qty: 5 })).finish();
    const guidHeader = Buffer.concat([
      Buffer.from([1]),
      Buffer.from('6f1c1e2a9d3b4c558a0e2b7f1d9c4e10', 'hex'),
      Buffer.from([4, 2, 0]),
    ]);
    const json = frame(301, Buffer.from(JSON.stringify({ customerId: 'c1', tier: 'silver' })));

    const a = d.decode({
      topic: 'payments',
      key: frame(201, Buffer.from(item), [1, 0]),
      value: avroValue,
      headers: [],
    });
    expect(a.value).toMatchObject({
      ok: true,
      format: 'avro',
      schemaId: 101,
      subject: 'payments-value',
      version: 1,
      json: payment,
    });
    expect(a.key).toMatchObject({
      ok: true,
      format: 'protobuf',
      typeName: 'shop.proto.OrderPlaced.Item',
      json: { sku: 's2', qty: 5 },
    });

    const p = d.decode({
      topic: 'orders',
      key: null,
      value: frame(201, Buffer.from(order), [1]),
      headers: [],
    });
    expect(p.value).toMatchObject({
      ok: true,
      typeName: 'shop.proto.OrderPlaced',
      json: {
        order_id: 'ord-9',
        total_cents: '9007199254740993',
        items: [{ sku: 's1', qty: 2 }],
        status: 'PAID',
      },
    });
    const byGuid = d.decode({
      topic: 'orders',
      key: null,
      value: Buffer.from(item),
      headers: [{ key: '__value_schema_id', value: guidHeader }],
    });
    expect(byGuid.value).toMatchObject({
      ok: true,
      guid: '6f1c1e2a-9d3b-4c55-8a0e-2b7f1d9c4e10',
      json: { sku: 's2', qty: 5 },
    });

    const j = d.decode({ topic: 'customers', key: null, value: json, headers: [] });
    expect(j.value).toMatchObject({ ok: true, format: 'json', json: { customerId: 'c1', tier: 'silver' } });
    expect(j.value?.ok && j.value.violations[0]).toMatch(/\/tier must be equal to one of the allowed values/);
    await d.close();
  });

  it('keeps an undecodable record raw with the reason, and never throws', async () => {
    const d = decoding();
    const wrong = d.decode({ topic: 't', key: null, value: frame(101, Buffer.from([1, 2, 3])), headers: [] });
    expect(wrong.value).toMatchObject({ ok: false, schemaId: 101 });
    expect(wrong.value?.ok === false && wrong.value.reason).toMatch(
      /not readable as avro with schema id 101/,
    );
    const missing = d.decode({ topic: 't', key: null, value: frame(999, Buffer.from('x')), headers: [] });
    expect(missing.value?.ok === false && missing.value.reason).toMatch(
      /schema id 999: registry: \/schemas\/ids\/999 not found/,
    );
    const badIndex = d.decode({
      topic: 't',
      key: null,
      value: frame(201, Buffer.from([]), [5]),
      headers: [],
    });
    expect(badIndex.value?.ok === false && badIndex.value.reason).toMatch(/message index 5 names no message/);
    expect(d.decode({ topic: 't', key: null, value: Buffer.from('{"plain":"json"}'), headers: [] })).toEqual(
      {},
    );
    await d.close();
  });

  it('backs off when the registry is unreachable instead of waiting on every record', async () => {
    let t = 0;
    const d = createSchemaDecoding({
      local: noLocal,
      registry: createSyncRegistry({ url: 'http://127.0.0.1:9', timeoutMs: 1000 }),
      now: () => t,
    });
    const first = d.decode({ topic: 't', key: null, value: frame(5, Buffer.from('x')), headers: [] });
    expect(first.value?.ok === false && first.value.reason).toMatch(/registry unreachable/);
    const started = Date.now();
    const second = d.decode({ topic: 't', key: null, value: frame(6, Buffer.from('x')), headers: [] });
    expect(second.value?.ok === false && second.value.reason).toMatch(/retrying later/);
    expect(Date.now() - started).toBeLessThan(50);
    t = 120_000;
    const later = d.decode({ topic: 't', key: null, value: frame(6, Buffer.from('x')), headers: [] });
    expect(later.value?.ok === false && later.value.reason).toMatch(/registry unreachable/);
    await d.close();
  });

  it('sends basic auth and says so when the registry refuses it', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/causeway-registry-`);
    writeFileSync(`${dir}/p.avsc`, fixture('payment.v1.avsc'));
    writeFileSync(
      `${dir}/registry.json`,
      JSON.stringify({
        basicAuth: { username: 'reader', password: 's3cret' },
        schemas: [{ id: 1, subject: 's', version: 1, schemaType: 'AVRO', file: 'p.avsc' }],
      }),
    );
    const r = await startTestRegistryProcess(`${dir}/registry.json`);
    try {
      const value = frame(1, paymentV1.toBuffer(payment));
      const ok = createSchemaDecoding({
        local: noLocal,
        registry: createSyncRegistry({ url: r.url, username: 'reader', password: 's3cret', timeoutMs: 3000 }),
      });
      expect(ok.decode({ topic: 't', key: null, value, headers: [] }).value).toMatchObject({
        ok: true,
        json: payment,
      });
      const refused = createSchemaDecoding({
        local: noLocal,
        registry: createSyncRegistry({ url: r.url, timeoutMs: 3000 }),
      });
      const out = refused.decode({ topic: 't', key: null, value, headers: [] }).value;
      expect(out?.ok === false && out.reason).toMatch(/refused .* \(401\): check SCHEMA_REGISTRY_USERNAME/);
      await Promise.all([ok.close(), refused.close()]);
    } finally {
      await r.stop();
    }
  });
});

describe('local schema files', () => {
  it('decodes by topic (no framing) and by id, from SCHEMA_FILES_CONFIG', async () => {
    const { writeFileSync, mkdtempSync, copyFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/causeway-schemas-`);
    for (const f of ['payment.v1.avsc', 'order.proto']) copyFileSync(`${FIXTURES}${f}`, `${dir}/${f}`);
    writeFileSync(
      `${dir}/schemas.json`,
      JSON.stringify({
        schemas: [
          { topics: ['legacy.payments*'], file: 'payment.v1.avsc' },
          { topics: ['legacy.orders'], file: 'order.proto', message: 'shop.proto.OrderPlaced' },
          { ids: [42], file: 'payment.v1.avsc' },
        ],
      }),
    );
    const d = createSchemaDecoding({ local: loadLocalSchemas(`${dir}/schemas.json`) });
    expect(
      d.decode({ topic: 'legacy.payments.eu', key: null, value: paymentV1.toBuffer(payment), headers: [] })
        .value,
    ).toMatchObject({
      ok: true,
      origin: 'payment.v1.avsc',
      json: payment,
    });
    const order = OrderPlaced.encode(OrderPlaced.fromObject({ order_id: 'o', total_cents: 5 })).finish();
    expect(
      d.decode({ topic: 'legacy.orders', key: null, value: Buffer.from(order), headers: [] }).value,
    ).toMatchObject({
      ok: true,
      json: { order_id: 'o', total_cents: '5', items: [], status: 'NEW' },
    });
    expect(
      d.decode({ topic: 'any', key: null, value: frame(42, paymentV1.toBuffer(payment)), headers: [] }).value,
    ).toMatchObject({
      ok: true,
      schemaId: 42,
    });
    // A compiled descriptor set (as protoc writes it) instead of .proto text.
    const set = descriptor.FileDescriptorSet.encode(orderRoot.toDescriptor('proto3')).finish();
    writeFileSync(`${dir}/order.desc`, set);
    writeFileSync(`${dir}/desc.json`, JSON.stringify({ schemas: [{ ids: [77], file: 'order.desc' }] }));
    const fromSet = createSchemaDecoding({ local: loadLocalSchemas(`${dir}/desc.json`) });
    expect(
      fromSet.decode({ topic: 'x', key: null, value: frame(77, Buffer.from(order), [1]), headers: [] }).value,
    ).toMatchObject({
      ok: true,
      typeName: 'shop.proto.OrderPlaced',
      json: { order_id: 'o', total_cents: '5' },
    });
    // No registry configured: a framed id without a local file says so.
    const none = d.decode({ topic: 'any', key: null, value: frame(43, Buffer.from('x')), headers: [] }).value;
    expect(none?.ok === false && none.reason).toMatch(/no SCHEMA_REGISTRY_URL and no local schema file/);
    writeFileSync(`${dir}/bad.json`, JSON.stringify({ schemas: [{ file: 'x.avsc' }] }));
    expect(() => loadLocalSchemas(`${dir}/bad.json`)).toThrow(/an entry needs topics or ids/);
  });
});
