import { z } from 'zod';
import {
  alertActionRequestSchema,
  alertActionSchema,
  alertActionsResponseSchema,
  alertsResponseSchema,
  rulesResponseSchema,
} from '../../lib/api/alerts.ts';
import { chainSchema, chainsPageSchema, chainsQuerySchema } from '../../lib/api/chains.ts';
import { API_VERSION, apiErrorSchema } from '../../lib/api/common.ts';
import { consumerGroupSchema, consumerGroupsSchema } from '../../lib/api/consumers.ts';
import {
  bulkReplayRequestSchema,
  bulkReplayResultSchema,
  dlqEntryDetailSchema,
  dlqGroupsSchema,
  dlqPageSchema,
  dlqQuerySchema,
  bulkJobSchema,
  replayPlanSchema,
  replayRequestSchema,
  replayResponseSchema,
  resolutionSchema,
  resolveRequestSchema,
} from '../../lib/api/dlq.ts';
import { auditPageSchema, auditQuerySchema } from '../../lib/api/audit.ts';
import { schemaHistorySchema, schemasQuerySchema } from '../../lib/api/schemas.ts';
import {
  recordDetailQuerySchema,
  recordDetailSchema,
  recordsExportQuerySchema,
  recordsExportSchema,
  recordsPageSchema,
  recordsQuerySchema,
} from '../../lib/api/records.ts';
import { topicsResponseSchema } from '../../lib/api/topics.ts';
import { sagaDetailSchema, sagasPageSchema, sagasQuerySchema } from '../../lib/api/sagas.ts';
import { healthSchema, topologySchema } from '../../lib/api/topology.ts';
import { clientFrameSchema, serverFrameSchema } from '../../lib/api/ws.ts';

// The OpenAPI 3.1 document, generated from the same zod schemas the handlers validate with and
// the console parses with, so it cannot drift from the running API.

interface Op {
  readonly method: 'get' | 'post';
  readonly path: string;
  readonly summary: string;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  readonly response: z.ZodType;
  readonly write?: boolean;
  /** Open to anyone even when VIEWER_TOKEN is set. */
  readonly open?: boolean;
  readonly params?: Record<string, string>;
}

const OPS: readonly Op[] = [
  {
    method: 'get',
    path: '/api/health',
    summary: 'Collector health, ingest rate, DLQ depth, stuck sagas',
    response: healthSchema,
  },
  {
    method: 'get',
    path: '/healthz',
    summary: 'Liveness for probes: always open (no token), answers only that the process serves HTTP',
    response: z.object({ status: z.literal('ok') }),
    open: true,
  },
  {
    method: 'get',
    path: '/api/records',
    summary: 'Search stored records (newest first), or browse a partition from an offset / forward in time',
    query: recordsQuerySchema,
    response: recordsPageSchema,
  },
  {
    method: 'get',
    path: '/api/topics',
    summary: 'Ingested topics: partitions, offsets, rate and role (data / retry / DLQ / compacted)',
    response: topicsResponseSchema,
  },
  {
    method: 'get',
    path: '/api/records/{id}',
    summary:
      'One record with headers and value, masked by the masking policy; ?unmask=1 with the operator token reveals it (audited)',
    params: { id: 'topic:partition:offset' },
    query: recordDetailQuerySchema,
    response: recordDetailSchema,
  },
  {
    method: 'get',
    path: '/api/records/export',
    summary: 'Records matching the query with headers and values, masked (a JSON attachment)',
    query: recordsExportQuerySchema,
    response: recordsExportSchema,
  },
  {
    method: 'get',
    path: '/api/schemas',
    summary: "A topic's schemas per event type (id / version or inferred shape) and its schema-drift flags",
    query: schemasQuerySchema,
    response: schemaHistorySchema,
  },
  {
    method: 'get',
    path: '/api/audit',
    summary: 'Who revealed masked values, when, which record (operator token)',
    query: auditQuerySchema,
    response: auditPageSchema,
    write: true,
  },
  {
    method: 'get',
    path: '/api/chains',
    summary: 'Business flows, newest first',
    query: chainsQuerySchema,
    response: chainsPageSchema,
  },
  {
    method: 'get',
    path: '/api/chains/{id}',
    summary: 'The chain containing an id (correlation / order id, trace id, ce_id, topic:partition:offset)',
    params: { id: 'any id in the chain' },
    response: chainSchema,
  },
  {
    method: 'get',
    path: '/api/sagas',
    summary: 'Saga instances with counts by type and state',
    query: sagasQuerySchema,
    response: sagasPageSchema,
  },
  {
    method: 'get',
    path: '/api/sagas/{id}',
    summary: 'One saga instance with steps and history',
    params: { id: 'saga id' },
    response: sagaDetailSchema,
  },
  {
    method: 'get',
    path: '/api/dlq',
    summary: 'Dead-letter entries, latest failure first',
    query: dlqQuerySchema,
    response: dlqPageSchema,
  },
  {
    method: 'get',
    path: '/api/dlq/groups',
    summary: 'Dead-letter entries grouped by origin and by error',
    response: dlqGroupsSchema,
  },
  {
    method: 'get',
    path: '/api/dlq/{id}',
    summary: 'One dead-letter entry with its replays',
    params: { id: 'entry id' },
    response: dlqEntryDetailSchema,
  },
  {
    method: 'post',
    path: '/api/dlq/{id}/replay',
    summary: 'Replay one entry to its origin topic (idempotent by replayKey)',
    params: { id: 'entry id' },
    body: replayRequestSchema,
    response: replayResponseSchema,
    write: true,
  },
  {
    method: 'get',
    path: '/api/dlq/{id}/replay-plan',
    summary: 'Dry run of a single replay: target, key, headers, loop-guard allowance, saga state',
    params: { id: 'entry id' },
    response: replayPlanSchema,
  },
  {
    method: 'post',
    path: '/api/dlq/{id}/resolve',
    summary: 'Resolve or discard an entry with a reason (audited)',
    params: { id: 'entry id' },
    body: resolveRequestSchema,
    response: resolutionSchema,
    write: true,
  },
  {
    method: 'get',
    path: '/api/dlq/jobs/{key}',
    summary: "A bulk replay job by its replay key, with each entry's result so far",
    params: { key: 'the replayKey the job was started with' },
    response: bulkJobSchema,
  },
  {
    method: 'get',
    path: '/api/alerts/actions',
    summary: 'Current silences and acknowledgements of alerts',
    response: alertActionsResponseSchema,
  },
  {
    method: 'post',
    path: '/api/alerts/actions',
    summary: 'Silence (through Alertmanager when ALERTMANAGER_URL is set) or acknowledge alerts; audited',
    body: alertActionRequestSchema,
    response: alertActionSchema,
    write: true,
  },
  {
    method: 'get',
    path: '/api/auth/check',
    summary: 'Checks an operator token: 204 valid, 401 missing, 403 wrong',
    response: z.null(),
    write: true,
  },
  {
    method: 'post',
    path: '/api/dlq/replay',
    summary: 'Bulk replay by ids or filter: dry run, or a rate-limited background job',
    body: bulkReplayRequestSchema,
    response: bulkReplayResultSchema,
    write: true,
  },
  {
    method: 'get',
    path: '/api/consumers',
    summary: 'Consumer groups with offset and time lag and Burrow-style status',
    response: consumerGroupsSchema,
  },
  {
    method: 'get',
    path: '/api/consumers/{group}',
    summary: 'One consumer group',
    params: { group: 'group id' },
    response: consumerGroupSchema,
  },
  {
    method: 'get',
    path: '/api/topology',
    summary: 'Services, topics and groups with the flows between them',
    response: topologySchema,
  },
  {
    method: 'get',
    path: '/api/alerts',
    summary: 'Pending and firing alerts (Prometheus or the native evaluator)',
    response: alertsResponseSchema,
  },
  {
    method: 'get',
    path: '/api/alerts/rules',
    summary: 'Alerting and recording rules with their state',
    response: rulesResponseSchema,
  },
];

const json = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: json(apiErrorSchema, 'output') } },
});

export function buildOpenApi(): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPS) {
    const parameters: unknown[] = Object.entries(op.params ?? {}).map(([name, description]) => ({
      name,
      in: 'path',
      required: true,
      description,
      schema: { type: 'string' },
    }));
    if (op.query) {
      const shape = json(op.query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(shape.properties ?? {}))
        parameters.push({ name, in: 'query', required: shape.required?.includes(name) ?? false, schema });
    }
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      summary: op.summary,
      ...(parameters.length && { parameters }),
      ...(op.body && {
        requestBody: { required: true, content: { 'application/json': { schema: json(op.body, 'input') } } },
      }),
      ...(op.write && { security: [{ operatorToken: [] }] }),
      ...(op.open && { security: [] }),
      responses: {
        200: { description: 'OK', content: { 'application/json': { schema: json(op.response, 'output') } } },
        400: errorResponse('Invalid input; the message names each problem'),
        ...(op.write && {
          401: errorResponse('No operator token'),
          403: errorResponse('Wrong token, or writes disabled (OPERATOR_TOKEN unset)'),
        }),
        404: errorResponse('Not found'),
        429: errorResponse('Too many failed token attempts'),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Causeway collector API',
      version: String(API_VERSION),
      description:
        'Records, chains, sagas, dead letters, replay, consumer lag, topology and alerts. Reads need a viewer token only when VIEWER_TOKEN is set; writes always need the operator token. Live tail: WebSocket /ws (frames in x-websocket). Prometheus metrics: GET /metrics (viewer token when VIEWER_TOKEN is set). Liveness: GET /healthz, always open.',
    },
    servers: [{ url: '/' }],
    security: [{ viewerToken: [] }, {}],
    components: {
      securitySchemes: {
        operatorToken: { type: 'http', scheme: 'bearer', description: 'OPERATOR_TOKEN' },
        viewerToken: { type: 'http', scheme: 'bearer', description: 'VIEWER_TOKEN (or the operator token)' },
      },
    },
    paths,
    'x-websocket': {
      path: '/ws',
      clientFrame: json(clientFrameSchema, 'input'),
      serverFrame: json(serverFrameSchema, 'output'),
    },
  };
}
