import { z } from 'zod';
import { alertsResponseSchema, rulesResponseSchema } from '../../../lib/api/alerts.ts';
import { chainSchema, chainsPageSchema } from '../../../lib/api/chains.ts';
import { apiErrorSchema } from '../../../lib/api/common.ts';
import { consumerGroupSchema, consumerGroupsSchema } from '../../../lib/api/consumers.ts';
import {
  bulkReplayResultSchema,
  dlqEntryDetailSchema,
  dlqGroupsSchema,
  dlqPageSchema,
  replayResponseSchema,
} from '../../../lib/api/dlq.ts';
import { auditPageSchema } from '../../../lib/api/audit.ts';
import { recordDetailSchema, recordsExportSchema, recordsPageSchema } from '../../../lib/api/records.ts';
import { schemaHistorySchema } from '../../../lib/api/schemas.ts';
import { sagaDetailSchema, sagasPageSchema } from '../../../lib/api/sagas.ts';
import { healthSchema, topologySchema } from '../../../lib/api/topology.ts';

// What the fuzz tests hold every answer of the REST API to: never a 5xx; a 2xx body that parses
// with the endpoint's schema from lib/api; a 4xx body that is `{ error: { code, message } }` and
// whose message says what was wrong.

export interface Endpoint {
  readonly method: 'GET' | 'POST';
  /** Path with `:param` segments. */
  readonly path: string;
  /** Query parameters the endpoint knows (fuzzed alongside random ones). */
  readonly params: readonly string[];
  readonly response: z.ZodType;
}

const none: readonly string[] = [];
const page = ['cursor', 'limit'];

/** Every REST endpoint of the collector (collector/api/routes/*), with its response schema. */
export const ENDPOINTS: readonly Endpoint[] = [
  {
    method: 'GET',
    path: '/api/records',
    params: ['topic', 'key', 'type', 'correlationId', 'q', 'from', 'to', 'dlqOnly', ...page],
    response: recordsPageSchema,
  },
  { method: 'GET', path: '/api/records/:id', params: ['unmask', 'reason'], response: recordDetailSchema },
  {
    method: 'GET',
    path: '/api/records/export',
    params: ['topic', 'key', 'type', 'correlationId', 'q', 'from', 'to', 'dlqOnly', 'limit'],
    response: recordsExportSchema,
  },
  { method: 'GET', path: '/api/audit', params: ['target', 'beforeId', 'limit'], response: auditPageSchema },
  { method: 'GET', path: '/api/schemas', params: ['topic', 'limit'], response: schemaHistorySchema },
  { method: 'GET', path: '/api/chains', params: ['status', 'flow', ...page], response: chainsPageSchema },
  { method: 'GET', path: '/api/chains/:id', params: none, response: chainSchema },
  {
    method: 'GET',
    path: '/api/sagas',
    params: ['state', 'type', 'stuck', 'minAgeMs', 'correlationId', ...page],
    response: sagasPageSchema,
  },
  { method: 'GET', path: '/api/sagas/:id', params: none, response: sagaDetailSchema },
  {
    method: 'GET',
    path: '/api/dlq',
    params: ['dlqTopic', 'originTopic', 'errorClass', 'key', 'status', 'from', 'to', ...page],
    response: dlqPageSchema,
  },
  { method: 'GET', path: '/api/dlq/groups', params: none, response: dlqGroupsSchema },
  { method: 'GET', path: '/api/dlq/:id', params: none, response: dlqEntryDetailSchema },
  { method: 'GET', path: '/api/health', params: none, response: healthSchema },
  { method: 'GET', path: '/healthz', params: none, response: z.object({ status: z.literal('ok') }) },
  { method: 'GET', path: '/api/openapi.json', params: none, response: openApiShape() },
  { method: 'GET', path: '/api/consumers', params: none, response: consumerGroupsSchema },
  { method: 'GET', path: '/api/consumers/:group', params: none, response: consumerGroupSchema },
  { method: 'GET', path: '/api/topology', params: none, response: topologySchema },
  { method: 'GET', path: '/api/alerts', params: none, response: alertsResponseSchema },
  { method: 'GET', path: '/api/alerts/rules', params: none, response: rulesResponseSchema },
  { method: 'POST', path: '/api/dlq/:id/replay', params: none, response: replayResponseSchema },
  { method: 'POST', path: '/api/dlq/replay', params: none, response: bulkReplayResultSchema },
];

function openApiShape(): z.ZodType {
  // Only what the console and tools rely on: an OpenAPI 3 document with paths.
  return z.looseObject({ openapi: z.string().startsWith('3'), paths: z.record(z.string(), z.unknown()) });
}

export interface Answer {
  readonly status: number;
  readonly contentType: string | null;
  readonly text: string;
}

/**
 * Throws (with the request and the answer) unless the answer keeps the API's promises.
 * `mentions`: words of which a 4xx message must contain at least one (the parameter names sent,
 * the path parameter, "body"...), so "Bad request" alone does not pass.
 */
export function checkAnswer(e: Endpoint, request: string, a: Answer, mentions: readonly string[]): void {
  const fail = (why: string) => {
    throw new Error(`${request} → ${a.status}: ${why}\n${a.text.slice(0, 500)}`);
  };
  if (a.status >= 500) fail('a server error');
  if (!a.contentType?.startsWith('application/json')) fail(`content-type ${a.contentType}, not JSON`);
  let body: unknown;
  try {
    body = JSON.parse(a.text);
  } catch {
    fail('the body is not JSON');
  }
  if (a.status >= 200 && a.status < 300) {
    const r = e.response.safeParse(body);
    if (!r.success) fail(`the body does not match the response schema: ${r.error.message}`);
    return;
  }
  if (a.status < 400) fail('neither 2xx nor 4xx');
  const err = apiErrorSchema.safeParse(body);
  if (!err.success) fail('a 4xx body that is not {error:{code,message}}');
  const message = err.data!.error.message;
  if (message.trim().length < 6 || !/[a-z]{2}/i.test(message)) fail('a 4xx message that says nothing');
  if (a.status === 400 && !mentions.some((m) => m && message.toLowerCase().includes(m.toLowerCase())))
    fail(`a 400 whose message names none of ${JSON.stringify(mentions.slice(0, 12))}`);
}
