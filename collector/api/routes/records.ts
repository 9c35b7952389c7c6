import { auditQuerySchema } from '../../../lib/api/audit.ts';
import { parseRecordId, recordIdSchema } from '../../../lib/api/common.ts';
import {
  recordDetailQuerySchema,
  recordsExportQuerySchema,
  recordsQuerySchema,
  type RecordDetail,
  type RecordSummary,
} from '../../../lib/api/records.ts';
import { badRequest, forbidden, notFound } from '../../../lib/errors.ts';
import type { RecordRow, RecordsFilter } from '../../store/types.ts';
import type { ApiContext } from '../context.ts';
import { decodeCursor, encodeCursor, validate } from '../http.ts';
import { toDetail, toSummary } from '../record-views.ts';
import type { Route, RouteContext } from '../router.ts';

// Records: list / search, one record (masked; an operator may reveal it, audited), export.

export function recordRoutes(ctx: ApiContext): Route[] {
  const { masking, store } = ctx;

  /** A key filter that names a masked value would tell a viewer which record holds it. */
  const checkFilter = (f: RecordsFilter) => {
    if (f.key !== undefined && masking.isSensitive(f.topic ?? '', f.key))
      throw badRequest('key: filtering by a value the masking policy hides is not allowed', [
        { path: 'key', message: 'masked value' },
      ]);
  };

  /** One page of rows whose search hits survive masking (see OutputMasking.stillMatches). */
  async function visiblePage(filter: RecordsFilter, cursor: string | undefined, limit: number) {
    const page = await store.records.list(filter, { cursor: decodeCursor(cursor), limit });
    if (filter.q === undefined) return page;
    const items: RecordRow[] = [];
    for (const row of page.items) {
      const rec = await store.records.get(row.topic, row.partition, row.offset);
      if (rec && masking.stillMatches(rec, filter.q, toDetail)) items.push(row);
    }
    return { items, next: page.next };
  }

  async function reveal(detail: RecordDetail, req: RouteContext, reason: string | undefined) {
    if (req.identity !== 'operator')
      throw forbidden(
        ctx.auth.writeEnabled
          ? 'Revealing masked values needs the operator token'
          : 'Revealing masked values is disabled: set OPERATOR_TOKEN on the collector',
      );
    await store.audit.append({
      at: ctx.now(),
      action: 'unmask',
      identity: req.identity,
      actor: req.actor ?? null,
      remoteAddr: req.remoteAddr ?? 'unknown',
      target: detail.id,
      reason: reason ?? null,
    });
    return { ...detail, masked: [], unmasked: true };
  }

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
        checkFilter(filter);
        const page = await visiblePage(filter, cursor, limit);
        const items: RecordSummary[] = page.items.map((r) => masking.summary(toSummary(r)));
        return { body: { items, nextCursor: encodeCursor(page.next) } };
      },
    },
    {
      method: 'GET',
      path: '/api/records/export',
      access: 'read',
      async handler({ query }) {
        const { limit, ...filter } = validate(recordsExportQuerySchema, query, 'export query');
        checkFilter(filter);
        const records: RecordDetail[] = [];
        let cursor: string | undefined;
        let more = true;
        while (more && records.length < limit) {
          const page = await visiblePage(filter, cursor, Math.min(500, limit - records.length));
          for (const row of page.items) {
            const rec = await store.records.get(row.topic, row.partition, row.offset);
            if (rec) records.push(masking.detail(toDetail(rec)));
          }
          cursor = encodeCursor(page.next) ?? undefined;
          more = cursor !== undefined;
        }
        const exportedAt = ctx.now();
        return {
          body: { exportedAt, count: records.length, truncated: more, records },
          headers: {
            'content-disposition': `attachment; filename="causeway-records-${exportedAt}.json"`,
          },
        };
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
      async handler(req) {
        const id = validate(recordIdSchema, req.params.id, 'record id');
        const { unmask, reason } = validate(recordDetailQuerySchema, req.query, 'record query');
        const rid = parseRecordId(id)!;
        const rec = await store.records.get(rid.topic, rid.partition, rid.offset);
        if (!rec) throw notFound(`No stored record ${id}`);
        const detail = toDetail(rec);
        return { body: unmask ? await reveal(detail, req, reason) : masking.detail(detail) };
      },
    },
    {
      method: 'GET',
      path: '/api/audit',
      access: 'write',
      async handler({ query }) {
        const q = validate(auditQuerySchema, query, 'audit query');
        return { body: { items: await store.audit.list(q) } };
      },
    },
  ];
}
