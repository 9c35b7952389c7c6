import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { AppError, badRequest } from '../../lib/errors.ts';
import type { Cursor } from '../store/types.ts';

// Small HTTP helpers shared by the REST API and the OTLP receiver: bounded body reading, JSON
// answers, zod validation that turns into a 400 naming each problem, and the opaque cursor.

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new AppError(`body larger than ${limit} bytes`, { statusCode: 413, code: 'payload_too_large' }));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(
          new AppError(`body larger than ${limit} bytes`, { statusCode: 413, code: 'payload_too_large' }),
        );
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: AppError, headers: Record<string, string> = {}) {
  sendJson(
    res,
    err.statusCode,
    { error: { code: err.code, message: err.message, ...(err.details && { details: err.details }) } },
    headers,
  );
}

/** Validates `input` with `schema`; a 400 naming every bad field otherwise. */
export function validate<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const details = r.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
  throw badRequest(`Invalid ${what}: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
}

export function queryObject(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of params) out[k] = v;
  return out;
}

const cursorSchema = z
  .array(z.union([z.string().max(300), z.number()]))
  .min(1)
  .max(4);

export const encodeCursor = (c: Cursor | null): string | null =>
  c ? Buffer.from(JSON.stringify(c)).toString('base64url') : null;

export function decodeCursor(s: string | undefined): Cursor | null {
  if (s === undefined || s === '') return null;
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(s, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through to the 400
  }
  throw badRequest('Invalid cursor: pass back the nextCursor of a previous page', [
    { path: 'cursor', message: 'not a cursor this API issued' },
  ]);
}

export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const raw = await readBody(req, limit);
  if (!raw.length) return {};
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch (err) {
    throw badRequest(`Body is not valid JSON: ${(err as Error).message}`);
  }
}
