import { z } from 'zod';
import type { RecordSummary } from '../../../lib/api/records.ts';
import { toQueryString } from '../../_lib/api-client.ts';
import type { RecordsFilter } from './api.ts';

// The records explorer's state lives in the URL (a search can be pasted into an incident channel)
// and maps onto exactly one GET /api/records request: this module is that mapping, and the export.

export const explorerUrlShape = {
  topic: z.string().max(249),
  partition: z.coerce.number().int().nonnegative().max(999_999),
  offset: z.coerce.number().int().nonnegative(),
  q: z.string().max(256),
  key: z.string().max(1024),
  /** Epoch ms. */
  from: z.coerce.number().int().nonnegative(),
  to: z.coerce.number().int().nonnegative(),
  order: z.enum(['asc', 'desc']),
  record: z.string().max(300),
};
export type ExplorerState = { [K in keyof typeof explorerUrlShape]?: z.infer<(typeof explorerUrlShape)[K]> };

export const EXPLORER_PAGE_SIZE = 50;

export type ExplorerMode = 'offset' | 'search' | 'time' | 'latest';

/** What the request does, for the heading: seek by offset, text search, read from a time, or newest. */
export function explorerMode(s: ExplorerState): ExplorerMode {
  if (s.offset !== undefined && s.topic && s.partition !== undefined) return 'offset';
  if (s.q) return 'search';
  if (s.order === 'asc' && s.from !== undefined) return 'time';
  return 'latest';
}

/**
 * The one request for a state. Offset seeking needs a topic and a partition; text search lists
 * newest first (the collector refuses q with an ascending order), so `order` is dropped with `q`.
 */
export function explorerRequest(s: ExplorerState): RecordsFilter {
  const mode = explorerMode(s);
  const f: RecordsFilter = { limit: EXPLORER_PAGE_SIZE };
  if (s.topic) f.topic = s.topic;
  if (s.partition !== undefined && s.topic) f.partition = s.partition;
  if (mode === 'offset') f.offset = s.offset;
  if (s.q && mode !== 'offset') f.q = s.q;
  if (s.key) f.key = s.key;
  if (s.from !== undefined) f.from = s.from;
  if (s.to !== undefined) f.to = s.to;
  if (mode === 'time') f.order = 'asc';
  return f;
}

/** The first page's path exactly as the explorer requests it (the query benchmark times this). */
export const explorerPath = (s: ExplorerState) => `/api/records${toQueryString(explorerRequest(s))}`;

/** `datetime-local` input value (local time) ⇄ epoch ms. */
export function toLocalInput(ms: number | undefined): string {
  if (ms === undefined) return '';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
export function fromLocalInput(v: string): number | null {
  if (!v) return null;
  const ms = new Date(v).getTime();
  return Number.isFinite(ms) ? ms : null;
}

const EXPORT_COLUMNS = [
  'id',
  'topic',
  'partition',
  'offset',
  'timestamp',
  'key',
  'ceType',
  'ceId',
  'correlationId',
  'traceId',
  'valueKind',
  'valueSize',
  'isDlq',
  'isRetry',
] as const satisfies readonly (keyof RecordSummary)[];

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. A leading =, +, -
 * or @ is prefixed with ' so a spreadsheet shows record data as text rather than running it.
 */
export function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'string' ? v : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function recordsToCsv(items: readonly RecordSummary[]): string {
  const lines = [EXPORT_COLUMNS.join(',')];
  for (const r of items)
    lines.push(
      EXPORT_COLUMNS.map((c) => csvField(c === 'timestamp' ? new Date(r[c]).toISOString() : r[c])).join(','),
    );
  return `${lines.join('\r\n')}\r\n`;
}

export function recordsToJson(items: readonly RecordSummary[]): string {
  return `${JSON.stringify(items, null, 2)}\n`;
}
