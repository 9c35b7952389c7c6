import type { Decoded } from './headers.ts';

// W3C Trace Context, level 1: `version-traceid-parentid-flags`, lowercase hex. Version ff is
// invalid; all-zero ids are invalid. Higher versions may append fields, which we tolerate.

export interface TraceContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly sampled: boolean;
  readonly traceFlags: number;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

export function parseTraceparent(value: string): Decoded<TraceContext> {
  const m = TRACEPARENT.exec(value.trim());
  if (!m) return { ok: false, error: 'traceparent is not version-traceid-spanid-flags in lowercase hex' };
  const [, version, traceId, spanId, flags, rest] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (version === 'ff') return { ok: false, error: 'traceparent version ff is invalid' };
  if (version === '00' && rest) return { ok: false, error: 'traceparent version 00 has extra fields' };
  if (/^0+$/.test(traceId)) return { ok: false, error: 'traceparent trace id is all zeros' };
  if (/^0+$/.test(spanId)) return { ok: false, error: 'traceparent parent id is all zeros' };
  const traceFlags = parseInt(flags, 16);
  return { ok: true, value: { traceId, spanId, traceFlags, sampled: (traceFlags & 1) === 1 } };
}

export function formatTraceparent(ctx: { traceId: string; spanId: string; sampled?: boolean }): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${ctx.sampled === false ? '00' : '01'}`;
}
