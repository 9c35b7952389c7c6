import { chainLookupSchema, chainsQuerySchema } from '../../../lib/api/chains.ts';
import { notFound } from '../../../lib/errors.ts';
import { outcomeOfChain, type OutcomeConfig } from '../../chains/outcome.ts';
import { buildChainView, findChain } from '../../chains/view.ts';
import { judgedThrough } from '../../engine/frontier.ts';
import { loadSagaDefinitions } from '../../sagas/definitions.ts';
import type { ApiContext } from '../context.ts';
import { decodeCursor, encodeCursor, validate } from '../http.ts';
import type { Route } from '../router.ts';

/**
 * Up to when a chain's silence is judged (`stopped`): the clock, held back while records that
 * could continue it wait to be indexed (engine/frontier.ts), so a catch-up calls no chain stopped
 * whose next record is still in its backlog.
 */
const silenceJudgedAt = (ctx: ApiContext): number =>
  judgedThrough(ctx.now(), ctx.recordsIndexedThrough?.() ?? Infinity);

export function chainRoutes(ctx: ApiContext): Route[] {
  const { config } = ctx;
  const outcome: OutcomeConfig = {
    terminalTypes: config.CHAIN_TERMINAL_TYPES,
    failureTypes: config.CHAIN_FAILURE_TYPES,
    sagaDefinitions: ctx.sagaDefinitions ?? loadSagaDefinitions(config.SAGA_DEFINITIONS_FILE),
  };
  return [
    {
      method: 'GET',
      path: '/api/chains',
      access: 'read',
      async handler({ query }) {
        const q = validate(chainsQuerySchema, query, 'chains query');
        const page = await ctx.store.chains.list(
          {
            ...(q.status && { status: q.status }),
            ...(q.flow && { flow: q.flow }),
            ...(q.from !== undefined && { startedAfter: q.from }),
            ...(q.to !== undefined && { startedBefore: q.to }),
            now: silenceJudgedAt(ctx),
            stoppedAfterMs: config.CHAIN_STOPPED_AFTER_MS,
          },
          { cursor: decodeCursor(q.cursor), limit: q.limit },
        );
        return {
          body: {
            items: await Promise.all(
              page.items.map(async (c) => ({
                id: c.id,
                flow: c.flow,
                status: c.status,
                outcome: await outcomeOfChain(ctx.store, c.id, c.correlationId, outcome),
                startedAt: c.firstTs,
                durationMs: Math.max(0, c.lastTs - c.firstTs),
                recordCount: c.recordCount,
              })),
            ),
            nextCursor: encodeCursor(page.next),
          },
        };
      },
    },
    {
      method: 'GET',
      path: '/api/chains/:id',
      access: 'read',
      async handler({ params }) {
        const { id } = validate(chainLookupSchema, { id: params.id }, 'chain id');
        const target = await findChain(ctx.store, id);
        if (!target)
          throw notFound(
            `No chain contains ${id} (try an order / correlation id, trace id, ce_id or topic:partition:offset)`,
          );
        const chain = await buildChainView(ctx.store, target, {
          now: silenceJudgedAt(ctx),
          stoppedAfterMs: config.CHAIN_STOPPED_AFTER_MS,
          finalTypes: config.CHAIN_FINAL_TYPES,
          outcome,
          timestampTypes: (topics) => ctx.topics.timestampTypes(topics),
        });
        return { body: ctx.masking.chain(chain) };
      },
    },
  ];
}
