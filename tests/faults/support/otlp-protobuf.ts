import { randomBytes } from 'node:crypto';

// A minimal OTLP/protobuf writer for the hostile-input test: an ExportTraceServiceRequest with one
// resource (service.name) and `count` spans, as small as the wire format allows, so a 50,000-span
// batch is a couple of megabytes built in milliseconds. Field numbers are those of
// opentelemetry/proto trace/v1 (see collector/otlp/decode-protobuf.ts for the reading side).

const LEN = 2;
const VARINT = 0;
const FIXED64 = 1;

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

const tag = (field: number, wire: number) => varint(field * 8 + wire);
const bytesField = (field: number, payload: Buffer) =>
  Buffer.concat([tag(field, LEN), varint(payload.length), payload]);
const stringField = (field: number, s: string) => bytesField(field, Buffer.from(s, 'utf8'));

function fixed64Field(field: number, value: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(value);
  return Buffer.concat([tag(field, FIXED64), b]);
}

function span(traceId: Buffer, i: number, startNs: bigint): Buffer {
  return Buffer.concat([
    bytesField(1, traceId),
    bytesField(2, randomBytes(8)),
    stringField(5, `op-${i % 50}`),
    tag(6, VARINT),
    varint(1 + (i % 5)),
    fixed64Field(7, startNs),
    fixed64Field(8, startNs + 1_000_000n),
  ]);
}

/** ExportTraceServiceRequest { resource_spans { resource { service.name }, scope_spans { spans × count } } } */
export function otlpProtobufRequest(count: number, service = 'hostile-test'): Buffer {
  const keyValue = Buffer.concat([stringField(1, 'service.name'), bytesField(2, stringField(1, service))]);
  const resource = bytesField(1, bytesField(1, keyValue));
  const startNs = BigInt(Date.now()) * 1_000_000n;
  const spans: Buffer[] = [];
  let traceId = randomBytes(16);
  for (let i = 0; i < count; i++) {
    if (i % 20 === 0) traceId = randomBytes(16);
    spans.push(bytesField(2, span(traceId, i, startNs + BigInt(i) * 1000n)));
  }
  const scopeSpans = bytesField(2, Buffer.concat(spans));
  return bytesField(1, Buffer.concat([resource, scopeSpans]));
}
