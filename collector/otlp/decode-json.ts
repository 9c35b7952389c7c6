import { z } from 'zod';
import type { Span } from '../../lib/api/chains.ts';
import {
  KIND_NAMES,
  MAX_EVENTS,
  MAX_VALUE_DEPTH,
  STATUS_NAMES,
  TooManySpansError,
  emptyDraft,
  finishSpan,
  idFromJson,
  serviceOf,
  type PlainValue,
  type SpanDraft,
} from './span-fields.ts';

// OTLP/JSON (the protobuf JSON mapping with OTLP's exceptions): lowerCamelCase keys, trace and span
// ids as hex strings, 64-bit integers as strings or numbers, enums as integers (names accepted
// too). Proto3 JSON allows null for any field, meaning "not set"; unknown keys are ignored.

export class JsonShapeError extends Error {
  override name = 'JsonShapeError';
}

interface AnyValueJson {
  stringValue?: string | null | undefined;
  boolValue?: boolean | null | undefined;
  intValue?: string | number | null | undefined;
  doubleValue?: string | number | null | undefined;
  arrayValue?: { values?: AnyValueJson[] | null | undefined } | null | undefined;
  kvlistValue?: { values?: KeyValueJson[] | null | undefined } | null | undefined;
  bytesValue?: string | null | undefined;
}
interface KeyValueJson {
  key?: string | null | undefined;
  value?: AnyValueJson | null | undefined;
}

const int64 = z.union([z.string().regex(/^-?\d{1,20}$/, 'expected an integer'), z.number().int()]);
const nanos = z.union([
  z.string().regex(/^\d{1,20}$/, 'expected nanoseconds as digits'),
  z.number().nonnegative(),
]);
const enumValue = z.union([z.number().int(), z.string()]);

const anyValueSchema: z.ZodType<AnyValueJson> = z.lazy(() =>
  z.object({
    stringValue: z.string().nullish(),
    boolValue: z.boolean().nullish(),
    intValue: int64.nullish(),
    doubleValue: z.union([z.number(), z.string()]).nullish(),
    arrayValue: z.object({ values: z.array(anyValueSchema).nullish() }).nullish(),
    kvlistValue: z.object({ values: z.array(keyValueSchema).nullish() }).nullish(),
    bytesValue: z.string().nullish(),
  }),
);
const keyValueSchema: z.ZodType<KeyValueJson> = z.lazy(() =>
  z.object({ key: z.string().nullish(), value: anyValueSchema.nullish() }),
);

const spanSchema = z.object({
  traceId: z.string().nullish(),
  spanId: z.string().nullish(),
  parentSpanId: z.string().nullish(),
  name: z.string().nullish(),
  kind: enumValue.nullish(),
  startTimeUnixNano: nanos.nullish(),
  endTimeUnixNano: nanos.nullish(),
  attributes: z.array(keyValueSchema).nullish(),
  links: z.array(z.object({ traceId: z.string().nullish(), spanId: z.string().nullish() })).nullish(),
  status: z.object({ code: enumValue.nullish(), message: z.string().nullish() }).nullish(),
  events: z
    .array(
      z.object({
        timeUnixNano: nanos.nullish(),
        name: z.string().nullish(),
        attributes: z.array(keyValueSchema).nullish(),
      }),
    )
    .nullish(),
});

const requestSchema = z.object({
  resourceSpans: z
    .array(
      z.object({
        resource: z.object({ attributes: z.array(keyValueSchema).nullish() }).nullish(),
        scopeSpans: z.array(z.object({ spans: z.array(spanSchema).nullish() })).nullish(),
      }),
    )
    .nullish(),
});

/** Counts spans in the raw parsed JSON, so an oversized batch is refused before it is validated. */
function countSpans(doc: unknown): number {
  let n = 0;
  const arr = (v: unknown, key: string): unknown[] => {
    const x = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
    return Array.isArray(x) ? x : [];
  };
  for (const rs of arr(doc, 'resourceSpans'))
    for (const ss of arr(rs, 'scopeSpans')) n += arr(ss, 'spans').length;
  return n;
}

export function decodeJsonTraces(text: string, maxSpans: number): { spans: Span[]; rejectedSpans: number } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new JsonShapeError(`json: ${e instanceof Error ? e.message : 'not valid JSON'}`);
  }
  const total = countSpans(doc);
  if (total > maxSpans) throw new TooManySpansError(`${total} spans in one request, more than ${maxSpans}`);
  const parsed = requestSchema.safeParse(doc);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    throw new JsonShapeError(`json: not an OTLP trace export request: ${issues.join('; ')}`);
  }

  const spans: Span[] = [];
  let rejectedSpans = 0;
  for (const rs of parsed.data.resourceSpans ?? []) {
    const resource = (rs.resource?.attributes ?? []).map((kv) => toEntry(kv, 0));
    const service = serviceOf(resource);
    for (const ss of rs.scopeSpans ?? []) {
      for (const js of ss.spans ?? []) {
        const s = finishSpan(toDraft(js), resource, service);
        if (s) spans.push(s);
        else rejectedSpans++;
      }
    }
  }
  return { spans, rejectedSpans };
}

function toDraft(js: z.infer<typeof spanSchema>): SpanDraft {
  const d = emptyDraft();
  d.traceId = js.traceId ? idFromJson(js.traceId, 16) : null;
  d.spanId = js.spanId ? idFromJson(js.spanId, 8) : null;
  d.parentSpanId = js.parentSpanId ? idFromJson(js.parentSpanId, 8) : null;
  d.name = js.name ?? '';
  d.kind = enumNumber(js.kind, KIND_NAMES);
  d.startNs = toNanos(js.startTimeUnixNano);
  d.endNs = toNanos(js.endTimeUnixNano);
  d.attributes = (js.attributes ?? []).map((kv) => toEntry(kv, 0));
  d.links = (js.links ?? []).map((l) => ({
    traceId: l.traceId ? idFromJson(l.traceId, 16) : null,
    spanId: l.spanId ? idFromJson(l.spanId, 8) : null,
  }));
  d.statusCode = enumNumber(js.status?.code, STATUS_NAMES);
  d.statusMessage = js.status?.message ?? '';
  d.events = (js.events ?? []).slice(0, MAX_EVENTS).map((e) => ({
    name: e.name ?? '',
    timeNs: toNanos(e.timeUnixNano),
    attributes: (e.attributes ?? []).map((kv) => toEntry(kv, 0)),
  }));
  return d;
}

const enumNumber = (
  v: string | number | null | undefined,
  names: Readonly<Record<string, number>>,
): number => (typeof v === 'number' ? v : v ? (names[v] ?? 0) : 0);

const toNanos = (v: string | number | null | undefined): bigint =>
  v === null || v === undefined ? 0n : typeof v === 'string' ? BigInt(v) : BigInt(Math.trunc(v));

function toEntry(kv: KeyValueJson, depth: number): [string, PlainValue] {
  return [kv.key ?? '', kv.value ? toPlain(kv.value, depth) : null];
}

function toPlain(v: AnyValueJson, depth: number): PlainValue {
  if (depth > MAX_VALUE_DEPTH)
    throw new JsonShapeError(`json: attribute values nested deeper than ${MAX_VALUE_DEPTH}`);
  if (v.stringValue != null) return v.stringValue;
  if (v.boolValue != null) return v.boolValue;
  // int64 as a string keeps its digits; the attribute becomes the nearest double, as from protobuf.
  if (v.intValue != null) return Number(v.intValue);
  if (v.doubleValue != null) return Number(v.doubleValue);
  if (v.arrayValue != null) return (v.arrayValue.values ?? []).map((x) => toPlain(x, depth + 1));
  if (v.kvlistValue != null)
    return Object.fromEntries((v.kvlistValue.values ?? []).map((kv) => toEntry(kv, depth + 1)));
  if (v.bytesValue != null) return Buffer.from(v.bytesValue, 'base64').toString('base64');
  return null;
}
