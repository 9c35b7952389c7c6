import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostileCorpus } from '../../collector/testing-corpus.ts';
import { dlqEntryDetailSchema } from '../../lib/api/dlq.ts';
import { recordDetailSchema, recordsPageSchema, type RecordDetail } from '../../lib/api/records.ts';
import { createKafkaBus, type Bus, type RecordMetadata } from '../../lib/bus/index.ts';
import { uniqueName, waitFor } from '../../lib/testing/wait-for.ts';
import {
  stopAllCollectors,
  startCollectorProcess,
  type CollectorProcess,
} from './support/collector-process.ts';
import { sharedBrokers } from './support/env.ts';
import {
  expectedValueKind,
  extraHostileCases,
  headerCount,
  valueBytes,
  type HostileRecordCase,
} from './support/hostile-records.ts';
import { otlpProtobufRequest } from './support/otlp-protobuf.ts';

// Hostile input, end to end: records no sane producer writes go through the shared broker into
// the collector process, and hostile OTLP requests hit its receiver. The process must still be the
// same running process at the end, every record must be stored and served as what it is, every
// dead letter must become an entry, and every refused OTLP request must be counted in /metrics.

const MAX_VALUE_BYTES = 256 * 1024;

/** The message of a google.rpc.Status answer: JSON, or protobuf `{ 1: code (varint), 2: message }`. */
function statusMessage(body: Buffer, contentType: string | null): string {
  if (contentType?.includes('json'))
    return String((JSON.parse(body.toString('utf8')) as { message?: unknown }).message);
  let i = 0;
  const varint = () => {
    let n = 0;
    for (let shift = 0; ; shift += 7) {
      const b = body[i++] ?? 0;
      n += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return n;
    }
  };
  if (body[i++] !== 0x08) return '';
  varint();
  if (body[i++] !== 0x12) return '';
  const len = varint();
  return body.subarray(i, i + len).toString('utf8');
}
const PROTO = 'application/x-protobuf';

describe.skipIf(!sharedBrokers.length)('hostile input (Kafka records and OTLP requests)', () => {
  const ns = uniqueName('faults-hostile');
  const topics = {
    main: `${ns}.main`,
    other: `${ns}.other`,
    dlq: `${ns}.main-dlq`,
    connectDlt: `${ns}.sink.DLT`,
  };
  const dir = mkdtempSync(join(tmpdir(), 'cw-faults-hostile-'));
  let bus: Bus;
  let collector: CollectorProcess;

  beforeAll(async () => {
    bus = createKafkaBus({ brokers: sharedBrokers, clientId: 'faults-hostile' });
    await bus.admin.createTopics([
      { topic: topics.main, numPartitions: 3, configs: { 'max.message.bytes': String(2 * 1024 * 1024) } },
      { topic: topics.other, numPartitions: 1 },
      { topic: topics.dlq, numPartitions: 1 },
      { topic: topics.connectDlt, numPartitions: 1 },
    ]);
    collector = await startCollectorProcess({
      KAFKA_BROKERS: sharedBrokers.join(','),
      COLLECTOR_DB_PATH: join(dir, 'collector.db'),
      COLLECTOR_GROUP_ID: uniqueName('faults-hostile-collector'),
      COLLECTOR_TOPIC_INCLUDE: `${ns}\\..*`,
      MAX_VALUE_BYTES: String(MAX_VALUE_BYTES),
      LAG_POLL_INTERVAL_MS: '60000',
    });
  });
  afterAll(async () => {
    await stopAllCollectors();
    await bus?.admin.deleteTopics(Object.values(topics)).catch(() => undefined);
    await bus?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const api = async (path: string) => {
    const res = await fetch(`${collector.url}${path}`);
    return { status: res.status, body: (await res.json()) as unknown };
  };

  it('stores and serves every hostile record and turns each dead letter into an entry', async () => {
    const cases: HostileRecordCase[] = [
      ...hostileCorpus(topics.main, topics.dlq),
      ...extraHostileCases(topics),
    ];
    const meta: RecordMetadata[] = await bus.produce(cases.map((c) => c.record));

    const storedCount = async () => {
      let n = 0;
      for (const topic of Object.values(topics))
        n += recordsPageSchema.parse((await api(`/api/records?topic=${topic}&limit=500`)).body).items.length;
      return n;
    };
    await waitFor(async () => (await storedCount()) >= cases.length, {
      what: `${cases.length} hostile records stored`,
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    expect(await storedCount()).toBe(cases.length);

    const details = new Map<string, RecordDetail>();
    for (const [i, c] of cases.entries()) {
      const m = meta[i]!;
      const id = `${m.topic}:${m.partition}:${m.offset}`;
      const res = await api(`/api/records/${encodeURIComponent(id)}`);
      expect(res.status, c.name).toBe(200);
      const d = recordDetailSchema.parse(res.body);
      details.set(c.name, d);
      const size = valueBytes(c.record);
      expect(d.valueKind, c.name).toBe(expectedValueKind(c.record));
      expect(d.valueSize, c.name).toBe(size);
      expect(d.valueTruncated, c.name).toBe(size > MAX_VALUE_BYTES);
      expect(d.headers, c.name).toHaveLength(headerCount(c.record));
      expect(d.timestamp, c.name).toBe(m.timestamp);
      if (size > MAX_VALUE_BYTES) {
        expect(d.problems.map((p) => p.problem).join('\n'), c.name).toMatch(/truncated/);
        expect(Buffer.byteLength(d.valueText ?? Buffer.from(d.valueBase64 ?? '', 'base64')), c.name).toBe(
          MAX_VALUE_BYTES,
        );
      }
      if (d.valueKind === 'binary') expect(d.valueBase64, c.name).not.toBeNull();

      if (c.dlq) {
        expect(d.isDlq, c.name).toBe(true);
        const entry = await api(`/api/dlq/${encodeURIComponent(id)}`);
        expect(entry.status, c.name).toBe(200);
        expect(dlqEntryDetailSchema.parse(entry.body), c.name).toMatchObject(c.dlq);
      }
    }

    // Binary header values are served as hex, never mangled into replacement characters.
    const binHeaders = details.get('CloudEvents and trace headers that are not UTF-8')!;
    expect(binHeaders.headers.find((h) => h.key === 'ce_id')).toMatchObject({
      encoding: 'hex',
      value: 'fffefd',
    });
    expect(binHeaders.ceId).toBeNull();
    // The corpus's own dead letter (binary garbage in Spring's int headers) is an entry too.
    const corpusDlq = meta[cases.findIndex((c) => c.name === 'unknown dead-letter headers')]!;
    const corpusEntry = await api(`/api/dlq/${corpusDlq.topic}:${corpusDlq.partition}:${corpusDlq.offset}`);
    expect(corpusEntry.status).toBe(200);
    expect(dlqEntryDetailSchema.parse(corpusEntry.body)).toMatchObject({
      convention: 'spring',
      originPartition: null,
      originOffset: null,
    });
    // A ce_id seen on one topic and then on another is a duplicate delivery: whichever copy was
    // ingested second is flagged (partitions of two topics are fetched in parallel).
    const copies = ['ce_id used on one topic', 'the same ce_id on another topic'].map((n) => details.get(n)!);
    expect(copies.filter((d) => d.anomalies.includes('duplicate'))).toHaveLength(1);
    expect(details.get('traceparent of 10 KB, version ff')!.anomalies).toContain('broken_trace');

    expect(collector.exitCode()).toBeNull();
    expect((await collector.health()).busConnected).toBe(true);
  });

  it('refuses hostile OTLP requests with the right status, counts each refusal, and keeps running', async () => {
    const metric = async (outcome: 'accepted' | 'refused') => {
      const text = await (await fetch(`${collector.url}/metrics`)).text();
      const m = new RegExp(`^causeway_otlp_requests_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(text);
      return Number(m?.[1] ?? 0);
    };
    const spansReceived = async () => {
      const text = await (await fetch(`${collector.url}/metrics`)).text();
      return Number(/^causeway_otlp_spans_received_total (\d+)/m.exec(text)?.[1] ?? 0);
    };
    const post = (body: Buffer, headers: Record<string, string>) =>
      fetch(`${collector.otlpUrl}/v1/traces`, { method: 'POST', headers, body: new Uint8Array(body) });

    const refusedBefore = await metric('refused');
    const acceptedBefore = await metric('accepted');
    const spansBefore = await spansReceived();
    const full = otlpProtobufRequest(50_000);
    const small = otlpProtobufRequest(3);
    // Random bytes led by a tag of field 0 / wire type 7, which no protobuf encoder writes.
    const random = Buffer.concat([Buffer.from([0x07]), randomBytes(4096)]);
    const cases: { name: string; body: Buffer; headers: Record<string, string>; status: number }[] = [
      { name: '50,000 spans (the limit)', body: full, headers: { 'content-type': PROTO }, status: 200 },
      {
        name: '50,001 spans',
        body: otlpProtobufRequest(50_001),
        headers: { 'content-type': PROTO },
        status: 413,
      },
      {
        name: 'truncated protobuf',
        body: small.subarray(0, small.length - 7),
        headers: { 'content-type': PROTO },
        status: 400,
      },
      {
        name: 'truncated in the first tag',
        body: small.subarray(0, 1),
        headers: { 'content-type': PROTO },
        status: 400,
      },
      { name: 'random bytes', body: random, headers: { 'content-type': PROTO }, status: 400 },
      { name: 'text/plain', body: small, headers: { 'content-type': 'text/plain' }, status: 415 },
      {
        name: 'application/xml',
        body: Buffer.from('<spans/>'),
        headers: { 'content-type': 'application/xml' },
        status: 415,
      },
      { name: 'no content type', body: small, headers: {}, status: 415 },
      {
        name: 'multipart',
        body: small,
        headers: { 'content-type': 'multipart/form-data; boundary=x' },
        status: 415,
      },
      {
        name: 'brotli',
        body: small,
        headers: { 'content-type': PROTO, 'content-encoding': 'br' },
        status: 415,
      },
      {
        name: 'gzip bomb (40 MB of zeros)',
        body: gzipSync(Buffer.alloc(40 * 1024 * 1024)),
        headers: { 'content-type': PROTO, 'content-encoding': 'gzip' },
        status: 413,
      },
      {
        name: 'gzip header on a body that is not gzip',
        body: small,
        headers: { 'content-type': PROTO, 'content-encoding': 'gzip' },
        status: 400,
      },
      {
        name: 'invalid JSON',
        body: Buffer.from('{"resourceSpans": [ {'),
        headers: { 'content-type': 'application/json' },
        status: 400,
      },
      {
        name: 'JSON of the wrong shape',
        body: Buffer.from('{"resourceSpans": {"spans": 5}}'),
        headers: { 'content-type': 'application/json' },
        status: 400,
      },
      {
        name: 'JSON nested 100,000 deep',
        body: Buffer.from(`{"resourceSpans":${'['.repeat(100_000)}${']'.repeat(100_000)}}`),
        headers: { 'content-type': 'application/json' },
        status: 400,
      },
    ];
    for (const c of cases) {
      const res = await post(c.body, c.headers);
      expect(res.status, c.name).toBe(c.status);
      const body = Buffer.from(await res.arrayBuffer());
      // Refusals carry a google.rpc.Status, in the request's encoding, saying what was wrong.
      if (c.status !== 200)
        expect(statusMessage(body, res.headers.get('content-type')), c.name).toMatch(/\w{3}/);
      expect(collector.exitCode(), `${c.name}: the collector exited`).toBeNull();
    }
    const refused = cases.filter((c) => c.status !== 200).length;
    expect(await metric('refused')).toBe(refusedBefore + refused);
    expect(await metric('accepted')).toBe(acceptedBefore + 1);
    expect(await spansReceived()).toBe(spansBefore + 50_000);
    expect((await collector.health()).status).toBe('ok');
    // Nothing above was an internal error to the collector: no error or fatal line of its own
    // (the kafkajs client's lines carry a `namespace` and are about the shared broker, not input).
    const errors = collector
      .output()
      .split('\n')
      .filter((l) => /"level":(50|60)/.test(l) && !l.includes('"namespace":'));
    expect(errors).toEqual([]);
  });
});
