import {
  sagasQuerySchema,
  sagaViewStateSchema,
  type SagaDetail,
  type SagaSummary,
} from '../../../lib/api/sagas.ts';
import { notFound } from '../../../lib/errors.ts';
import { z } from 'zod';
import type { SagaRow } from '../../store/types.ts';
import type { ApiContext } from '../context.ts';
import { waitingOn } from '../../sagas/waiting-on.ts';
import { decodeCursor, encodeCursor, validate } from '../http.ts';
import type { Route } from '../router.ts';
import { viewState } from '../../sagas/tracker.ts';

const summary = (s: SagaRow): SagaSummary => ({
  id: s.id,
  type: s.type,
  source: s.source,
  state: viewState(s),
  correlationId: s.correlationId,
  currentStep: s.currentStep,
  startedAt: s.startedAt,
  updatedAt: s.updatedAt,
  deadline: s.deadline,
});

export function sagaRoutes(ctx: ApiContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/sagas',
      access: 'read',
      async handler({ query }) {
        const q = validate(sagasQuerySchema, query, 'sagas query');
        const page = await ctx.store.sagas.list(
          {
            ...(q.state && { state: q.state }),
            ...(q.type && { type: q.type }),
            ...(q.stuck !== undefined && { stuck: q.stuck }),
            ...(q.correlationId && { correlationId: q.correlationId }),
            ...((q.minAgeMs !== undefined || q.to !== undefined) && {
              startedBefore: Math.min(
                q.minAgeMs !== undefined ? ctx.now() - q.minAgeMs : Number.MAX_SAFE_INTEGER,
                q.to ?? Number.MAX_SAFE_INTEGER,
              ),
            }),
            ...(q.from !== undefined && { startedAfter: q.from }),
          },
          { cursor: decodeCursor(q.cursor), limit: q.limit },
        );
        const counts = (await ctx.store.sagas.counts()).flatMap((c) => {
          const state = sagaViewStateSchema.safeParse(c.state);
          return state.success ? [{ type: c.type, state: state.data, count: c.count }] : [];
        });
        return { body: { items: page.items.map(summary), nextCursor: encodeCursor(page.next), counts } };
      },
    },
    {
      method: 'GET',
      path: '/api/sagas/:id',
      access: 'read',
      async handler({ params }) {
        const id = validate(z.string().min(1).max(300), params.id, 'saga id');
        const s = await ctx.store.sagas.get(id);
        if (!s) throw notFound(`No saga ${id}`);
        const history = [...s.history];
        if (s.stuck && s.stuckAt !== null)
          history.push({
            at: s.stuckAt,
            state: 'STUCK',
            step: s.currentStep,
            event: null,
            reason: `no transition since the deadline ${new Date(s.stuckAt).toISOString()}`,
            recordId: null,
          });
        // Commands and replies carrying ce_sagaid / ce_sagastep are listed under their step.
        const refs = new Map<string, string[]>();
        const events = await ctx.store.sagas.events(s.id);
        for (const e of events)
          if (e.data === null && e.step) refs.set(e.step, [...(refs.get(e.step) ?? []), e.recordId]);
        const detail: SagaDetail = {
          ...summary(s),
          steps: s.steps.map((x) => ({
            ...x,
            recordIds: [...new Set([...x.recordIds, ...(refs.get(x.name) ?? [])])],
          })),
          history,
          nextExpected: s.nextExpected,
          waitingOn: await waitingOn(ctx.store, ctx.lag, s, events),
          dlqEntryIds: await ctx.store.dlq.bySagaOrCorrelation(s.id, s.correlationId),
          reason: s.reason,
        };
        return { body: ctx.masking.sagaDetail(detail) };
      },
    },
  ];
}
