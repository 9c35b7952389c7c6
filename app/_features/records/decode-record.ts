import type { z } from 'zod';
import type { headerViewSchema, RecordDetail } from '../../../lib/api/records.ts';

// Pure decoding for the record inspector: which header belongs to which convention, what a
// traceparent says, and how to show a payload. Everything here returns plain strings that the
// inspector renders as React text.

export type HeaderView = z.infer<typeof headerViewSchema>;
export type HeaderGroup = 'cloudevents' | 'trace' | 'dlq' | 'replay' | 'other';

export const HEADER_GROUP_LABELS: Record<HeaderGroup, string> = {
  cloudevents: 'CloudEvents',
  trace: 'Trace context',
  dlq: 'Dead letter',
  replay: 'Causeway replay',
  other: 'Other headers',
};

const DLQ_PREFIXES = [
  'kafka_dlt-',
  'kafka_original-',
  'kafka_exception-',
  'retry_topic-',
  '__connect.errors.',
  'dead-letter-',
  'original_',
  'kafka_deliveryattempt',
];

export function headerGroup(key: string): HeaderGroup {
  const k = key.toLowerCase();
  if (k.startsWith('ce_') || k === 'content-type') return 'cloudevents';
  if (k === 'traceparent' || k === 'tracestate' || k === 'baggage') return 'trace';
  if (k.startsWith('x-causeway-')) return 'replay';
  if (DLQ_PREFIXES.some((p) => k.startsWith(p))) return 'dlq';
  return 'other';
}

export function groupHeaders(
  headers: readonly HeaderView[],
): { group: HeaderGroup; headers: HeaderView[] }[] {
  const order: HeaderGroup[] = ['cloudevents', 'trace', 'dlq', 'replay', 'other'];
  const byGroup = new Map<HeaderGroup, HeaderView[]>();
  for (const h of headers) {
    const g = headerGroup(h.key);
    const list = byGroup.get(g) ?? [];
    list.push(h);
    byGroup.set(g, list);
  }
  return order.filter((g) => byGroup.has(g)).map((g) => ({ group: g, headers: byGroup.get(g)! }));
}

export interface TraceparentView {
  readonly version: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly sampled: boolean;
}

/** W3C traceparent `00-<32 hex>-<16 hex>-<2 hex>`; all-zero ids are invalid by the spec. */
export function parseTraceparentText(value: string): TraceparentView | null {
  const m = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(value.trim());
  if (!m || m[1] === 'ff' || /^0+$/.test(m[2]!) || /^0+$/.test(m[3]!)) return null;
  return { version: m[1]!, traceId: m[2]!, spanId: m[3]!, sampled: (parseInt(m[4]!, 16) & 1) === 1 };
}

/** Spring writes partition / offset / timestamp as 4- or 8-byte big-endian ints. */
export function decodeHexInt(hex: string): number | null {
  const clean = hex.replace(/\s+/g, '');
  if (!/^[0-9a-fA-F]+$/.test(clean) || (clean.length !== 8 && clean.length !== 16)) return null;
  const n = BigInt.asIntN(clean.length * 4, BigInt(`0x${clean}`));
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : null;
}

// Control characters other than tab / newline: bytes that happen to be valid UTF-8 but are not text
// (Spring's binary ints often are, e.g. partition 0 is four NUL bytes).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

function utf8ToHex(text: string): string {
  return Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A header value as shown: text as is, binary ints decoded, other binary as hex. */
export function headerDisplay(h: HeaderView): { text: string; note: string | null } {
  if (h.encoding === 'utf8' && !CONTROL.test(h.value)) return { text: h.value, note: null };
  const hex = h.encoding === 'hex' ? h.value : utf8ToHex(h.value);
  const size = hex.length / 2;
  const asInt = decodeHexInt(hex);
  if (asInt !== null) return { text: String(asInt), note: `${size}-byte big-endian integer` };
  return { text: hex, note: `binary, ${size} bytes (hex)` };
}

export type PayloadView =
  | { kind: 'json'; text: string }
  | { kind: 'text'; text: string }
  | { kind: 'binary'; hex: string; base64: string; size: number }
  | { kind: 'tombstone' }
  | { kind: 'empty' }
  | { kind: 'unavailable'; reason: string };

/** At most this many bytes are hex-dumped; the base64 view still has everything the API sent. */
export const HEX_DUMP_LIMIT = 4096;

export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Classic 16-bytes-per-line dump: offset, hex, printable ASCII. */
export function hexDump(bytes: Uint8Array, limit = HEX_DUMP_LIMIT): string {
  const lines: string[] = [];
  const n = Math.min(bytes.length, limit);
  for (let off = 0; off < n; off += 16) {
    const chunk = bytes.subarray(off, Math.min(off + 16, n));
    const hex = Array.from(chunk, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = Array.from(chunk, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  if (bytes.length > limit) lines.push(`… ${bytes.length - limit} more bytes`);
  return lines.join('\n');
}

export function payloadView(
  r: Pick<RecordDetail, 'valueKind' | 'valueText' | 'valueBase64' | 'valueSize'>,
): PayloadView {
  switch (r.valueKind) {
    case 'tombstone':
      return { kind: 'tombstone' };
    case 'empty':
      return { kind: 'empty' };
    case 'json':
    case 'text': {
      if (r.valueText === null) {
        if (r.valueBase64 !== null) return payloadView({ ...r, valueKind: 'binary' });
        return { kind: 'unavailable', reason: 'the collector did not return the value' };
      }
      if (r.valueKind === 'json') {
        try {
          return { kind: 'json', text: JSON.stringify(JSON.parse(r.valueText), null, 2) };
        } catch {
          // Truncated JSON no longer parses: show what there is.
          return { kind: 'text', text: r.valueText };
        }
      }
      return { kind: 'text', text: r.valueText };
    }
    case 'binary': {
      if (r.valueBase64 === null)
        return { kind: 'unavailable', reason: 'the collector did not return the bytes' };
      let bytes: Uint8Array;
      try {
        bytes = base64ToBytes(r.valueBase64);
      } catch {
        return { kind: 'unavailable', reason: 'the value is not valid base64' };
      }
      return { kind: 'binary', hex: hexDump(bytes), base64: r.valueBase64, size: r.valueSize };
    }
  }
}
