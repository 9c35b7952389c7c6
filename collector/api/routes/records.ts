import { parseRecordId, recordIdSchema } from '../../../lib/api/common.ts';
import { recordsQuerySchema } from '../../../lib/api/records.ts';
import { badRequest, notFound } from '../../../lib/errors.ts';
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
        if (q.offset !== undefined && (q.topic === undefined || q.partition === undefined))
          throw badRequest('offset: browsing by offset needs a topic and a partition', [
            { path: 'offset', message: 'needs topic and partition' },
          ]);
        if (q.q !== undefined && (q.offset !== undefined || q.order === 'asc'))
          throw badRequest('q: text search lists newest first; drop offset / order=asc to search', [
            { path: 'q', message: 'not with offset or order=asc' },
          ]);
        const page = await ctx.store.records.list(filter, { cursor: decodeCursor(cursor), limit });
        return { body: { items: page.items.map(toSummary), nextCursor: encodeCursor(page.next) } };
      },
    },
    {
      method: 'GET',
      path: '/api/topics',
      access: 'read',
      async handler() {
        return { body: await ctx.topics.list() };
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
