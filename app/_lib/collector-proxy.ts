// The REST proxy between browsers and the collector. Kept free of Next.js types so it can be unit
// tested with plain Request objects; `app/api/[...path]/route.ts` only wires it up.

/** Request headers worth forwarding; everything else (cookies, host) stays at the console. */
const FORWARDED_REQUEST_HEADERS = ['authorization', 'content-type', 'accept', 'traceparent'] as const;
/** Response headers worth passing back. */
const FORWARDED_RESPONSE_HEADERS = [
  'content-type',
  'cache-control',
  'retry-after',
  'content-disposition',
] as const;

/** Collector REST calls are small; a stuck collector should not hold a browser request forever. */
export const PROXY_TIMEOUT_MS = 15_000;
/** Bulk replay requests carry at most 10,000 ids; anything bigger is not ours. */
export const MAX_PROXY_BODY_BYTES = 1024 * 1024;

/**
 * `segments` come from the catch-all route, already percent-decoded by Next.js: re-encode each one
 * so an id containing `/`, `?` or `..` stays one path segment at the collector.
 */
export function upstreamUrl(collectorUrl: string, segments: readonly string[], search: string): URL {
  const base = new URL(collectorUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  const path = segments.map((s) => encodeURIComponent(s)).join('/');
  const url = new URL(`${prefix}/api/${path}`, base);
  url.search = search;
  return url;
}

function errorBody(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}

export interface ProxyOptions {
  readonly collectorUrl: string;
  readonly segments: readonly string[];
  readonly fetchImpl?: typeof fetch;
  readonly timeoutMs?: number;
}

export async function proxyToCollector(request: Request, opts: ProxyOptions): Promise<Response> {
  const method = request.method.toUpperCase();
  if (method !== 'GET' && method !== 'POST') {
    return errorBody(
      405,
      'method_not_allowed',
      `${method} is not proxied; the console only reads and posts.`,
    );
  }
  const target = upstreamUrl(opts.collectorUrl, opts.segments, new URL(request.url).search);
  const headers = new Headers();
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const v = request.headers.get(name);
    if (v !== null) headers.set(name, v);
  }

  let body: ArrayBuffer | undefined;
  if (method === 'POST') {
    const declared = Number(request.headers.get('content-length') ?? '0');
    if (declared > MAX_PROXY_BODY_BYTES) {
      return errorBody(413, 'body_too_large', `Request body over ${MAX_PROXY_BODY_BYTES} bytes.`);
    }
    body = await request.arrayBuffer();
    if (body.byteLength > MAX_PROXY_BODY_BYTES) {
      return errorBody(413, 'body_too_large', `Request body over ${MAX_PROXY_BODY_BYTES} bytes.`);
    }
  }

  const fetchImpl = opts.fetchImpl ?? fetch;
  let upstream: Response;
  try {
    upstream = await fetchImpl(target, {
      method,
      headers,
      body,
      redirect: 'manual',
      cache: 'no-store',
      signal: AbortSignal.any([request.signal, AbortSignal.timeout(opts.timeoutMs ?? PROXY_TIMEOUT_MS)]),
    });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return errorBody(
      502,
      'collector_unreachable',
      `The console cannot reach the collector at ${new URL(opts.collectorUrl).origin} (${reason}). Is it running? Check COLLECTOR_URL.`,
    );
  }

  const out = new Headers();
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const v = upstream.headers.get(name);
    if (v !== null) out.set(name, v);
  }
  if (!out.has('cache-control')) out.set('cache-control', 'no-store');
  // Streamed through as it arrives: large pages are not buffered twice.
  return new Response(upstream.body, { status: upstream.status, headers: out });
}
