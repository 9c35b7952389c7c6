import type { Span } from '../../lib/api/chains.ts';

// What the JSON and protobuf decoders share: both read into a SpanDraft, and `finishSpan` turns a
// draft into the `Span` the store keeps, so the two encodings of the same spans give equal output.

/** An OTLP AnyValue as plain data: arrays and key-value lists nest; bytes become base64. */
export type PlainValue = string | number | boolean | null | PlainValue[] | { [key: string]: PlainValue };

export type AttributeValue = Span['attributes'][string];

export interface SpanDraft {
  traceId: string | null;
  spanId: string | null;
  parentSpanId: string | null;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: [string, PlainValue][];
  links: { traceId: string | null; spanId: string | null }[];
  statusCode: number;
  statusMessage: string;
  events: EventDraft[];
}

export interface EventDraft {
  name: string;
  timeNs: bigint;
  attributes: [string, PlainValue][];
}

export const emptyDraft = (): SpanDraft => ({
  traceId: null,
  spanId: null,
  parentSpanId: null,
  name: '',
  kind: 0,
  startNs: 0n,
  endNs: 0n,
  attributes: [],
  links: [],
  statusCode: 0,
  statusMessage: '',
  events: [],
});

/**
 * Events kept per span (the first ones on the wire; OpenTelemetry SDKs also default to 128). A
 * request is size-bounded already; this keeps one span from carrying thousands of events into
 * every chain page that shows it.
 */
export const MAX_EVENTS = 128;

/** AnyValue nesting allowed (arrays in arrays, lists in lists): deeper is a malformed request. */
export const MAX_VALUE_DEPTH = 32;

export const DEFAULT_SERVICE = 'unknown_service';

// OTLP enum numbers: SpanKind 0..5 and StatusCode 0..2.
const KINDS = [
  'unspecified',
  'internal',
  'server',
  'client',
  'producer',
  'consumer',
] as const satisfies readonly Span['kind'][];
const STATUSES = ['unset', 'ok', 'error'] as const satisfies readonly Span['status'][];
export const KIND_NAMES: Readonly<Record<string, number>> = Object.fromEntries(
  KINDS.map((k, i) => [`SPAN_KIND_${k.toUpperCase()}`, i]),
);
export const STATUS_NAMES: Readonly<Record<string, number>> = Object.fromEntries(
  STATUSES.map((s, i) => [`STATUS_CODE_${s.toUpperCase()}`, i]),
);

const ZERO_ID = /^0+$/;

/** Lower-case hex of an id of `bytes` bytes; null when empty, of another size, or all zeros (invalid per W3C). */
export function idFromBytes(b: Uint8Array, bytes: number): string | null {
  if (b.length !== bytes) return null;
  const hex = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
  return ZERO_ID.test(hex) ? null : hex;
}

/** OTLP/JSON ids are hex; some older exporters sent base64, which is accepted too. */
export function idFromJson(s: string, bytes: number): string | null {
  if (s.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(s)) return ZERO_ID.test(s) ? null : s.toLowerCase();
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(s)) return idFromBytes(Buffer.from(s, 'base64'), bytes);
  return null;
}

/** Nanoseconds since the epoch → milliseconds, keeping microseconds as the fraction (exact in a double). */
export const nanosToMs = (ns: bigint): number => Number(ns / 1000n) / 1000;

/** Span attributes hold scalars: arrays and key-value lists are kept as their JSON text. */
export function flatten(v: PlainValue): AttributeValue | undefined {
  if (v === null) return undefined;
  if (typeof v === 'object') return JSON.stringify(v);
  return v;
}

export function serviceOf(resourceAttributes: readonly [string, PlainValue][]): string {
  let service: string | undefined;
  for (const [k, v] of resourceAttributes)
    if (k === 'service.name' && typeof v === 'string' && v) service = v;
  return service ?? DEFAULT_SERVICE;
}

/** Attributes as the store keeps them: scalars, lists as JSON text, null values left out. */
export function attributeRecord(entries: readonly [string, PlainValue][]): Span['attributes'] {
  const out: Span['attributes'] = {};
  for (const [k, v] of entries) {
    const flat = flatten(v);
    if (flat !== undefined) setOwn(out, k, flat);
  }
  return out;
}

/** Plain assignment, except for a key named "__proto__", which must stay a key (not set the prototype). */
function setOwn(o: Record<string, AttributeValue>, k: string, v: AttributeValue) {
  if (k === '__proto__')
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/** The stored span, or null when its trace or span id is missing or invalid (counted as rejected). */
export function finishSpan(
  d: SpanDraft,
  resource: readonly [string, PlainValue][],
  service: string,
): Span | null {
  if (!d.traceId || !d.spanId) return null;
  const attributes = attributeRecord(d.attributes);
  // The status message has no field of its own in a Span; Jaeger and Zipkin keep it under this key.
  if (d.statusMessage) attributes['otel.status_description'] = d.statusMessage;
  const links: Span['links'] = [];
  for (const l of d.links) if (l.traceId && l.spanId) links.push({ traceId: l.traceId, spanId: l.spanId });
  const startMs = nanosToMs(d.startNs);
  return {
    traceId: d.traceId,
    spanId: d.spanId,
    parentSpanId: d.parentSpanId,
    name: d.name,
    kind: KINDS[d.kind] ?? 'unspecified',
    service,
    startMs,
    // A span that never got an end time (or a bogus one) is shown as an instant, not negative.
    endMs: d.endNs === 0n ? startMs : Math.max(startMs, nanosToMs(d.endNs)),
    status: STATUSES[d.statusCode] ?? 'unset',
    attributes,
    links,
    events: d.events.slice(0, MAX_EVENTS).map((e) => ({
      name: e.name,
      timeMs: nanosToMs(e.timeNs),
      attributes: attributeRecord(e.attributes),
    })),
    resource: attributeRecord(resource),
    recordId: null,
  };
}

/** Raised as soon as a request holds more spans than allowed, so a huge batch is not decoded in full. */
export class TooManySpansError extends Error {
  override name = 'TooManySpansError';
}
