import type { IncomingMessage } from 'node:http';
import { SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { normalizeHeaders } from '../events/headers.ts';
import { extractRecordContext } from './messaging.ts';

// A manual HTTP SERVER span (HTTP semantic conventions, stable names). Only method, route, path
// and status go on the span: never query strings, bodies or authorisation headers.

export interface ServerSpan {
  readonly span: Span;
  readonly ctx: Context;
  /** Ends the span with the response status; 5xx marks it as an error. */
  end(status: number): void;
}

export function startServerSpan(tracer: Tracer, req: IncomingMessage, route: string): ServerSpan {
  const incoming: Record<string, string> = {};
  for (const k of ['traceparent', 'tracestate']) {
    const v = req.headers[k];
    if (typeof v === 'string') incoming[k] = v;
  }
  const parent = extractRecordContext(normalizeHeaders(incoming));
  const method = req.method ?? 'GET';
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const span = tracer.startSpan(
    `${method} ${route}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': method,
        'http.route': route,
        'url.path': path,
        'url.scheme': 'http',
        ...(req.socket.localPort !== undefined && { 'server.port': req.socket.localPort }),
      },
    },
    parent,
  );
  let ended = false;
  return {
    span,
    ctx: trace.setSpan(parent, span),
    end(status) {
      if (ended) return;
      ended = true;
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}
