import { z } from 'zod';
import {
  bulkReplayRequestSchema,
  dlqQuerySchema,
  replayKeySchema,
  replayRequestSchema,
  resolveRequestSchema,
  type DlqEntry,
  type DlqEntryDetail,
} from '../../../lib/api/dlq.ts';
import { badRequest, notFound } from '../../../lib/errors.ts';
import { createDlqOperator } from '../../dlq/operator.ts';
import { toApiReplay } from '../../dlq/replay.ts';
import type { DlqEntryRow, DlqResolutionRow } from '../../store/types.ts';
import type { ApiContext } from '../context.ts';
import { decodeCursor, encodeCursor, validate } from '../http.ts';
import type { Route } from '../router.ts';

const entryIdSchema = z.string().min(1).max(300);

const toEntry = (e: DlqEntryRow, sagaId: string | null): DlqEntry => ({
  id: e.id,
  recordId: e.recordId,
  dlqTopic: e.dlqTopic,
  convention: e.convention,
  originTopic: e.originTopic,
  originPartition: e.originPartition,
  originOffset: e.originOffset,
  originGroup: e.originGroup,
  errorClass: e.errorClass,
  errorMessage: e.errorMessage,
  attempts: e.attempts,
  firstFailedAt: e.firstFailedAt,
  lastFailedAt: e.lastFailedAt,
  key: e.key,
  ceType: e.ceType,
  correlationId: e.correlationId,
  sagaId,
  status: e.status,
  replayCount: e.replayCount,
});

export function dlqRoutes(ctx: ApiContext): Route[] {
  const { store } = ctx;
  /** The saga a dead letter belongs to: its ce_sagaid header, else the one saga of its flow. */
  const sagaOf = async (e: DlqEntryRow) => {
    if (e.sagaId) return e.sagaId;
    if (!e.correlationId) return null;
    const sagas = await store.sagas.byCorrelation(e.correlationId);
    return (sagas.find((s) => s.source === 'orchestrated') ?? sagas[0])?.id ?? null;
  };
  const operator = createDlqOperator({
    store,
    maxReplays: ctx.config.REPLAY_MAX_COUNT,
    now: ctx.now,
    refusal: (e) => ctx.replayer.refusal(e),
    sagaOf,
  });
  const toResolution = (r: DlqResolutionRow) => ({ ...r });
  return [
    {
      method: 'GET',
      path: '/api/dlq',
      access: 'read',
      async handler({ query }) {
        const q = validate(dlqQuerySchema, query, 'dead-letter query');
        const { cursor, limit, ...filter } = q;
        if (filter.key !== undefined && ctx.masking.isSensitive(filter.dlqTopic ?? '', filter.key))
          throw badRequest('key: filtering by a value the masking policy hides is not allowed');
        const page = await store.dlq.list(filter, { cursor: decodeCursor(cursor), limit });
        const items = [];
        for (const e of page.items) items.push(ctx.masking.dlqEntry(toEntry(e, await sagaOf(e))));
        return { body: { items, nextCursor: encodeCursor(page.next) } };
      },
    },
    {
      method: 'GET',
      path: '/api/dlq/groups',
      access: 'read',
      handler: async () => ({ body: await store.dlq.groups() }),
    },
    {
      method: 'GET',
      path: '/api/dlq/:id',
      access: 'read',
      async handler({ params }) {
        const id = validate(entryIdSchema, params.id, 'dead-letter entry id');
        const e = await store.dlq.get(id);
        if (!e) throw notFound(`No dead-letter entry ${id}`);
        const detail: DlqEntryDetail = {
          ...toEntry(e, await sagaOf(e)),
          errorStack: e.errorStack,
          errorCauseClass: e.errorCauseClass,
          replays: (await store.replays.byEntry(e.id)).map(toApiReplay),
          chainId: e.chainId ?? e.recordId,
          resolutions: (await store.dlq.resolutions(e.id)).map(toResolution),
        };
        return { body: ctx.masking.dlqEntry(detail) };
      },
    },
    {
      method: 'POST',
      path: '/api/dlq/:id/replay',
      access: 'write',
      async handler({ params, body, identity }) {
        const id = validate(entryIdSchema, params.id, 'dead-letter entry id');
        const req = validate(replayRequestSchema, body, 'replay request');
        if (!(await store.dlq.get(id))) throw notFound(`No dead-letter entry ${id}`);
        const res = await ctx.replayer.replay(id, req.replayKey, identity);
        return { body: res };
      },
    },
    {
      method: 'GET',
      path: '/api/dlq/:id/replay-plan',
      access: 'read',
      async handler({ params }) {
        const id = validate(entryIdSchema, params.id, 'dead-letter entry id');
        return { body: await operator.plan(id) };
      },
    },
    {
      method: 'POST',
      path: '/api/dlq/:id/resolve',
      access: 'write',
      async handler({ params, body, identity }) {
        const id = validate(entryIdSchema, params.id, 'dead-letter entry id');
        const req = validate(resolveRequestSchema, body, 'resolve request');
        return { status: 201, body: await operator.resolve(id, req, identity) };
      },
    },
    {
      method: 'GET',
      path: '/api/dlq/jobs/:key',
      access: 'read',
      async handler({ params }) {
        const key = validate(replayKeySchema, params.key, 'bulk replay key');
        return { body: await operator.job(key) };
      },
    },
    {
      method: 'POST',
      path: '/api/dlq/replay',
      access: 'write',
      async handler({ body, identity }) {
        const req = validate(bulkReplayRequestSchema, body, 'bulk replay request');
        const res = await ctx.bulk.request(req, identity);
        return { status: res.jobId && !res.dryRun ? 202 : 200, body: res };
      },
    },
  ];
}
