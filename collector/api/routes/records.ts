import { parseRecordId, recordIdSchema } from '../../../lib/api/common.ts';
import { recordsQuerySchema } from '../../../lib/api/records.ts';
import { notFound } from '../../../lib/errors.ts';
import type { ApiContext } from '../context.ts';
import { decodeCursor, encodeCursor, validate } from '../http.ts';
import { toDetail, toSummary } from '../record-views.ts';
import type { Route } from '../router.ts';

export function recordRoutes(ctx: ApiContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/records',
      access: 'read',
      async handler({ query }) {
        const q = validate(recordsQuerySchema, query, 'records query');
        const { cursor, limit, ...filter } = q;
        const page = await ctx.store.records.list(filter, { cursor: decodeCursor(cursor), limit });
        return { body: { items: page.items.map(toSummary), nextCursor: encodeCursor(page.next) } };
      },
    },
    {
      method: 'GET',
      path: '/api/records/:id',
      access: 'read',
      async handler({ params }) {
        const id = validate(recordIdSchema, params.id, 'record id');
        const rid = parseRecordId(id)!;
        const rec = await ctx.store.records.get(rid.topic, rid.partition, rid.offset);
        if (!rec) throw notFound(`No stored record ${id}`);
        return { body: toDetail(rec) };
      },
    },
  ];
}
