import type { z } from 'zod';
import { apiErrorSchema } from '../../lib/api/common.ts';

// The one way the browser calls the collector (through the console's /api proxy). Every response
// is parsed with the shared zod schema: a collector that drifts from the contract shows an error
// state naming the field, never a crash deep inside a component.

export type ApiErrorKind = 'http' | 'network' | 'schema';

export class ApiRequestError extends Error {
  override name = 'ApiRequestError';
  readonly kind: ApiErrorKind;
  readonly status: number | null;
  readonly code: string;
  readonly path: string;

  constructor(opts: {
    kind: ApiErrorKind;
    status: number | null;
    code: string;
    message: string;
    path: string;
  }) {
    super(opts.message);
    this.kind = opts.kind;
    this.status = opts.status;
    this.code = opts.code;
    this.path = opts.path;
  }

  /** A client error (bad input, missing token, not found): retrying cannot help. */
  get isClientError(): boolean {
    return this.kind === 'schema' || (this.status !== null && this.status >= 400 && this.status < 500);
  }
}

export type QueryParams = Record<string, string | number | boolean | null | undefined | readonly string[]>;

/** Builds `?a=1&b=x`, leaving out empty values so URLs stay short and stable (query keys too). */
export function toQueryString(params: QueryParams | undefined): string {
  if (!params) return '';
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) {
      for (const item of v as readonly string[]) if (item !== '') sp.append(k, item);
    } else sp.set(k, String(v));
  }
  const s = sp.toString();
  return s ? `?${s}` : '';
}

function describeSchemaError(error: z.ZodError): string {
  const first = error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  return first.join('; ');
}

async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

interface RequestOptions {
  readonly signal?: AbortSignal;
  readonly token?: string | null;
  readonly body?: unknown;
  readonly method?: 'GET' | 'POST';
}

export async function apiRequest<S extends z.ZodType>(
  path: string,
  schema: S,
  opts: RequestOptions = {},
): Promise<z.infer<S>> {
  const method = opts.method ?? (opts.body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;

  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
      cache: 'no-store',
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiRequestError({
      kind: 'network',
      status: null,
      code: 'network',
      message: `The console server did not answer (${err instanceof Error ? err.message : String(err)}).`,
      path,
    });
  }

  const payload = await readJson(res);
  if (!res.ok) {
    const parsed = apiErrorSchema.safeParse(payload);
    throw new ApiRequestError({
      kind: 'http',
      status: res.status,
      code: parsed.success ? parsed.data.error.code : `http_${res.status}`,
      message: parsed.success
        ? parsed.data.error.message
        : `${res.status} ${res.statusText || 'error'} from ${path}`,
      path,
    });
  }

  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    throw new ApiRequestError({
      kind: 'schema',
      status: res.status,
      code: 'schema_mismatch',
      message: `The collector's answer to ${path} does not match the console's contract (${describeSchemaError(parsed.error)}). Are the collector and console the same version?`,
      path,
    });
  }
  return parsed.data;
}

export const apiGet = <S extends z.ZodType>(path: string, schema: S, signal?: AbortSignal) =>
  apiRequest(path, schema, signal ? { signal } : {});

/** A readable message for any error a query or mutation may throw. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiRequestError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
