import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordDetailSchema, recordsPageSchema, type RecordDetail } from '../../lib/api/records.ts';
import { createKafkaBus, type Bus } from '../../lib/bus/index.ts';
import { uniqueName, waitFor } from '../../lib/testing/wait-for.ts';
import { startTestCollector } from '../testing.ts';
import { FIXTURES, startTestRegistryProcess } from './testing.ts';

// Records written by the reference encoders (Apache Avro's and Google's protobuf-java, from Maven
// Central) in the registry wire format, produced by the Java Kafka client to the real broker;
// the collector reads them with the schemas from the test registry, which serves the same files.

const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];
if (process.env.CI && !brokers.length) throw new Error('CI must run this: set KAFKA_BROKERS');
const cache = process.env.CAUSEWAY_CACHE ?? join(homedir(), '.cache/causeway');
const kafkaLibs = join(cache, 'kafka-3.9.2/libs');
const schemaLibs = join(cache, 'schema-encoders-1/libs');
const javaDir = join(FIXTURES, 'java');

/** Avro's and protobuf-java's jars, fetched once per machine (renamed into place when complete). */
function ensureSchemaLibs() {
  if (existsSync(schemaLibs)) return;
  mkdirSync(dirname(schemaLibs), { recursive: true });
  const tmp = mkdtempSync(`${dirname(schemaLibs)}/libs.tmp.`);
  const mvn = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      join(javaDir, 'pom.xml'),
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${tmp}/libs`,
    ],
    { encoding: 'utf8', timeout: 300_000 },
  );
  if (mvn.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`Maven could not fetch the encoders: ${mvn.stdout}${mvn.stderr}`);
  }
  renameSync(`${tmp}/libs`, schemaLibs);
  rmSync(tmp, { recursive: true, force: true });
}

describe.skipIf(!brokers.length)('records encoded by the reference Java encoders', () => {
  let registry: Awaited<ReturnType<typeof startTestRegistryProcess>>;
  let bus: Bus;
  let t: Awaited<ReturnType<typeof startTestCollector>>;
  const topic = uniqueName('schemas-java');

  beforeAll(async () => {
    ensureSchemaLibs();
    registry = await startTestRegistryProcess();
    bus = createKafkaBus({ brokers, clientId: 'schemas-int-test' });
    await bus.admin.createTopics([{ topic, numPartitions: 1 }]);
    t = await startTestCollector({
      bus,
      env: {
        SCHEMA_REGISTRY_URL: registry.url,
        COLLECTOR_GROUP_ID: uniqueName('collector'),
        COLLECTOR_TOPIC_INCLUDE: topic.replace(/[.]/g, '\\.'),
      },
    });
  }, 360_000);
  afterAll(async () => {
    await t?.stop();
    await bus?.admin.deleteTopics([topic]).catch(() => undefined);
    await bus?.close();
    await registry?.stop();
  });

  it('decodes Avro (id prefix and id header) and Protobuf (message indexes), and names what it cannot', async () => {
    const java = spawnSync(
      'java',
      [
        '-cp',
        `${kafkaLibs}/*:${schemaLibs}/*`,
        join(javaDir, 'SchemaProducer.java'),
        brokers.join(','),
        topic,
        FIXTURES,
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(java.status, java.stderr).toBe(0);

    const page = await waitFor(
      async () => {
        const p = recordsPageSchema.parse((await t.api(`/api/records?topic=${topic}`)).body);
        return p.items.length === 5 && p;
      },
      { what: 'the five Java records stored', timeoutMs: 60_000 },
    );
    const detail = async (key: string): Promise<RecordDetail> => {
      const id = page.items.find((r) => r.key === key)!.id;
      return recordDetailSchema.parse((await t.api(`/api/records/${encodeURIComponent(id)}`)).body);
    };
    const json = (d: RecordDetail) => JSON.parse(d.decoded!.value!.text!) as unknown;

    const v1 = await detail('avro-v1');
    expect(v1.decoded?.value).toMatchObject({
      format: 'avro',
      schemaId: 101,
      subject: 'payments-value',
      version: 1,
    });
    // A long past 2^53 comes through exactly, as a string; the e-mail is masked by default.
    expect(json(v1)).toEqual({
      orderId: 'ord-java-1',
      amount: 12.5,
      currency: 'EUR',
      email: '[masked]',
      attempts: '9007199254740993',
    });

    const header = await detail('avro-header');
    expect(header.decoded?.value).toMatchObject({ schemaId: 102, version: 2 });
    expect(json(header)).toMatchObject({ orderId: 'ord-java-2', amount: 20.25, method: 'card' });

    const order = await detail('proto-order');
    expect(order.decoded?.value).toMatchObject({
      format: 'protobuf',
      schemaId: 201,
      typeName: 'shop.proto.OrderPlaced',
    });
    expect(json(order)).toEqual({
      order_id: 'ord-java-3',
      total_cents: '123456789012',
      items: [{ sku: 'sku-j1', qty: 3 }],
      status: 'PAID',
    });
    const item = await detail('proto-item');
    expect(item.decoded?.value?.typeName).toBe('shop.proto.OrderPlaced.Item');
    expect(json(item)).toEqual({ sku: 'sku-j1', qty: 3 });

    const bad = await detail('avro-bad');
    expect(bad.decoded?.value?.text).toBeNull();
    expect(bad.decoded?.value?.error).toMatch(/not readable as avro with schema id 101/);
    // Still shown raw (these few bytes happen to be valid UTF-8, so as text).
    expect(bad.valueText ?? bad.valueBase64).toBeTruthy();

    // Search reads decoded values: the Protobuf order id is only inside the binary payload.
    const hits = recordsPageSchema.parse((await t.api(`/api/records?topic=${topic}&q=ord-java-3`)).body);
    expect(hits.items.map((r) => r.key)).toEqual(['proto-order']);
  });
});
