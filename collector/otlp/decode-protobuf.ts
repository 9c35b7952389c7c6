import type { Span } from '../../lib/api/chains.ts';
import {
  MAX_EVENTS,
  MAX_VALUE_DEPTH,
  TooManySpansError,
  emptyDraft,
  finishSpan,
  idFromBytes,
  serviceOf,
  type EventDraft,
  type PlainValue,
  type SpanDraft,
} from './span-fields.ts';
import { WIRE, WireError, WireReader } from './wire-reader.ts';

// OTLP trace messages in protobuf (opentelemetry/proto trace/v1 and collector/trace/v1), decoded
// by field number. Only the fields Causeway keeps are read; every other field, of any wire type,
// is skipped, so newer OTLP versions with extra fields still decode.
//
//   ExportTraceServiceRequest  1 resource_spans
//   ResourceSpans              1 resource (Resource: 1 attributes), 2 scope_spans
//   ScopeSpans                 2 spans
//   Span                       1 trace_id, 2 span_id, 4 parent_span_id, 5 name, 6 kind,
//                              7 start_time_unix_nano (fixed64), 8 end_time_unix_nano (fixed64),
//                              9 attributes, 11 events, 13 links, 15 status
//   Span.Event                 1 time_unix_nano (fixed64), 2 name, 3 attributes
//   KeyValue                   1 key, 2 value (AnyValue)
//   AnyValue                   1 string, 2 bool, 3 int, 4 double, 5 array, 6 kvlist, 7 bytes
//   Link                       1 trace_id, 2 span_id        Status  2 message, 3 code

export function decodeProtobufTraces(
  body: Buffer,
  maxSpans: number,
): { spans: Span[]; rejectedSpans: number } {
  const spans: Span[] = [];
  let seen = 0;
  let rejectedSpans = 0;
  const req = new WireReader(body);
  for (let f = req.tag(); f; f = req.tag()) {
    if (f.number !== 1) {
      req.skip(f);
      continue;
    }
    req.expect(f, WIRE.LEN, 'resource_spans');
    const rs = req.sub(f.number);
    let resourceAttributes: [string, PlainValue][] = [];
    // service.name may come after the spans on the wire: collect the spans first, name them after.
    const drafts: SpanDraft[] = [];
    for (let g = rs.tag(); g; g = rs.tag()) {
      if (g.number === 1) {
        rs.expect(g, WIRE.LEN, 'resource');
        resourceAttributes = readResource(rs.sub(g.number));
      } else if (g.number === 2) {
        rs.expect(g, WIRE.LEN, 'scope_spans');
        const ss = rs.sub(g.number);
        for (let h = ss.tag(); h; h = ss.tag()) {
          if (h.number !== 2) {
            ss.skip(h);
            continue;
          }
          ss.expect(h, WIRE.LEN, 'spans');
          if (++seen > maxSpans) throw new TooManySpansError(`more than ${maxSpans} spans in one request`);
          drafts.push(readSpan(ss.sub(h.number)));
        }
      } else rs.skip(g);
    }
    const service = serviceOf(resourceAttributes);
    for (const d of drafts) {
      const s = finishSpan(d, resourceAttributes, service);
      if (s) spans.push(s);
      else rejectedSpans++;
    }
  }
  return { spans, rejectedSpans };
}

function readResource(r: WireReader): [string, PlainValue][] {
  const out: [string, PlainValue][] = [];
  for (let f = r.tag(); f; f = r.tag()) {
    if (f.number === 1) {
      r.expect(f, WIRE.LEN, 'attributes');
      out.push(readKeyValue(r.sub(f.number), 0));
    } else r.skip(f);
  }
  return out;
}

function readSpan(r: WireReader): SpanDraft {
  const d = emptyDraft();
  for (let f = r.tag(); f; f = r.tag()) {
    switch (f.number) {
      case 1:
        r.expect(f, WIRE.LEN, 'trace_id');
        d.traceId = idFromBytes(r.bytes(f.number), 16);
        break;
      case 2:
        r.expect(f, WIRE.LEN, 'span_id');
        d.spanId = idFromBytes(r.bytes(f.number), 8);
        break;
      case 4:
        r.expect(f, WIRE.LEN, 'parent_span_id');
        d.parentSpanId = idFromBytes(r.bytes(f.number), 8);
        break;
      case 5:
        r.expect(f, WIRE.LEN, 'name');
        d.name = r.string(f.number);
        break;
      case 6:
        r.expect(f, WIRE.VARINT, 'kind');
        d.kind = r.varint();
        break;
      case 7:
        r.expect(f, WIRE.I64, 'start_time_unix_nano');
        d.startNs = r.fixed64();
        break;
      case 8:
        r.expect(f, WIRE.I64, 'end_time_unix_nano');
        d.endNs = r.fixed64();
        break;
      case 9:
        r.expect(f, WIRE.LEN, 'attributes');
        d.attributes.push(readKeyValue(r.sub(f.number), 0));
        break;
      case 11:
        r.expect(f, WIRE.LEN, 'events');
        // Past the cap an event is skipped unread, so a flood of them costs no decoding.
        if (d.events.length < MAX_EVENTS) d.events.push(readEvent(r.sub(f.number)));
        else r.skip(f);
        break;
      case 13:
        r.expect(f, WIRE.LEN, 'links');
        d.links.push(readLink(r.sub(f.number)));
        break;
      case 15:
        r.expect(f, WIRE.LEN, 'status');
        readStatus(r.sub(f.number), d);
        break;
      default:
        r.skip(f);
    }
  }
  return d;
}

function readEvent(r: WireReader): EventDraft {
  const e: EventDraft = { name: '', timeNs: 0n, attributes: [] };
  for (let f = r.tag(); f; f = r.tag()) {
    if (f.number === 1) {
      r.expect(f, WIRE.I64, 'event.time_unix_nano');
      e.timeNs = r.fixed64();
    } else if (f.number === 2) {
      r.expect(f, WIRE.LEN, 'event.name');
      e.name = r.string(f.number);
    } else if (f.number === 3) {
      r.expect(f, WIRE.LEN, 'event.attributes');
      e.attributes.push(readKeyValue(r.sub(f.number), 0));
    } else r.skip(f);
  }
  return e;
}

function readLink(r: WireReader): { traceId: string | null; spanId: string | null } {
  const link = { traceId: null as string | null, spanId: null as string | null };
  for (let f = r.tag(); f; f = r.tag()) {
    if (f.number === 1) {
      r.expect(f, WIRE.LEN, 'link.trace_id');
      link.traceId = idFromBytes(r.bytes(f.number), 16);
    } else if (f.number === 2) {
      r.expect(f, WIRE.LEN, 'link.span_id');
      link.spanId = idFromBytes(r.bytes(f.number), 8);
    } else r.skip(f);
  }
  return link;
}

function readStatus(r: WireReader, d: SpanDraft) {
  for (let f = r.tag(); f; f = r.tag()) {
    if (f.number === 2) {
      r.expect(f, WIRE.LEN, 'status.message');
      d.statusMessage = r.string(f.number);
    } else if (f.number === 3) {
      r.expect(f, WIRE.VARINT, 'status.code');
      d.statusCode = r.varint();
    } else r.skip(f);
  }
}

function readKeyValue(r: WireReader, depth: number): [string, PlainValue] {
  let key = '';
  let value: PlainValue = null;
  for (let f = r.tag(); f; f = r.tag()) {
    if (f.number === 1) {
      r.expect(f, WIRE.LEN, 'key');
      key = r.string(f.number);
    } else if (f.number === 2) {
      r.expect(f, WIRE.LEN, 'value');
      value = readAnyValue(r.sub(f.number), depth);
    } else r.skip(f);
  }
  return [key, value];
}

function readAnyValue(r: WireReader, depth: number): PlainValue {
  if (depth > MAX_VALUE_DEPTH)
    throw new WireError(`protobuf: attribute values nested deeper than ${MAX_VALUE_DEPTH}`);
  let value: PlainValue = null;
  // A oneof: when several members are present the last one wins, as in every protobuf runtime.
  for (let f = r.tag(); f; f = r.tag()) {
    switch (f.number) {
      case 1:
        r.expect(f, WIRE.LEN, 'string_value');
        value = r.string(f.number);
        break;
      case 2:
        r.expect(f, WIRE.VARINT, 'bool_value');
        value = r.varint() !== 0;
        break;
      case 3:
        r.expect(f, WIRE.VARINT, 'int_value');
        value = Number(r.int64());
        break;
      case 4:
        r.expect(f, WIRE.I64, 'double_value');
        value = r.double();
        break;
      case 5: {
        r.expect(f, WIRE.LEN, 'array_value');
        const arr = r.sub(f.number);
        const values: PlainValue[] = [];
        for (let g = arr.tag(); g; g = arr.tag()) {
          if (g.number !== 1) arr.skip(g);
          else {
            arr.expect(g, WIRE.LEN, 'array_value.values');
            values.push(readAnyValue(arr.sub(g.number), depth + 1));
          }
        }
        value = values;
        break;
      }
      case 6: {
        r.expect(f, WIRE.LEN, 'kvlist_value');
        const list = r.sub(f.number);
        const entries: [string, PlainValue][] = [];
        for (let g = list.tag(); g; g = list.tag()) {
          if (g.number !== 1) list.skip(g);
          else {
            list.expect(g, WIRE.LEN, 'kvlist_value.values');
            entries.push(readKeyValue(list.sub(g.number), depth + 1));
          }
        }
        // fromEntries defines own properties: a key named "__proto__" stays a key.
        value = Object.fromEntries(entries);
        break;
      }
      case 7:
        r.expect(f, WIRE.LEN, 'bytes_value');
        value = r.bytes(f.number).toString('base64');
        break;
      default:
        r.skip(f);
    }
  }
  return value;
}
