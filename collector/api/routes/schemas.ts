import { recordId } from '../../../lib/api/common.ts';
import { schemasQuerySchema, type SchemaHistory, type SchemaSeenView } from '../../../lib/api/schemas.ts';
import { inferShape } from '../../schemas/drift.ts';
import { schemaDecoding } from '../../schemas/index.ts';
import type { StoredRecord } from '../../store/types.ts';
import type { ApiContext } from '../context.ts';
import { decodeCursor, validate } from '../http.ts';
import type { Route } from '../router.ts';

// Schema history of a topic, read from its newest records (bounded by `limit`): what each event
// type was written with and when, and the drift flags ingest put on records.

const MAX_FIELDS = 60;

function schemaOf(r: StoredRecord): {
  seen: Omit<SchemaSeenView, 'firstSeen' | 'lastSeen' | 'records' | 'fields'>;
  json: unknown;
  typeName: string | null;
} | null {
  const d = schemaDecoding();
  if (d.enabled) {
    const headers = r.headers.map((h) => ({
      key: h.key,
      value: Buffer.from(h.value, h.encoding === 'hex' ? 'hex' : 'utf8'),
    }));
    const v = d.decode({ topic: r.topic, key: null, value: r.value, headers }).value;
    if (v?.ok) {
      const key = v.schemaId !== null ? `id:${v.schemaId}` : v.guid ? `guid:${v.guid}` : `file:${v.origin}`;
      return {
        seen: { key, format: v.format, schemaId: v.schemaId, subject: v.subject, version: v.version },
        json: v.json,
        typeName: v.typeName,
      };
    }
  }
  if (r.valueKind !== 'json' || !r.value || r.valueTruncated) return null;
  try {
    const json = JSON.parse(r.value.toString('utf8')) as unknown;
    return {
      seen: { key: 'shape', format: 'inferred', schemaId: null, subject: null, version: null },
      json,
      typeName: null,
    };
  } catch {
    return null;
  }
}

export function schemaRoutes(ctx: ApiContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/schemas',
      access: 'read',
      async handler({ query }) {
        const q = validate(schemasQuerySchema, query, 'schemas query');
        const types = new Map<
          string,
          {
            type: string | null;
            schemas: Map<string, SchemaSeenView & { shape: Map<string, Set<string>> }>;
            drift: SchemaHistory['types'][number]['drift'];
          }
        >();
        let scanned = 0;
        let cursor = decodeCursor(undefined);
        while (scanned < q.limit) {
          const page = await ctx.store.records.list(
            { topic: q.topic },
            { cursor, limit: Math.min(500, q.limit - scanned) },
          );
          for (const row of page.items) {
            scanned++;
            const r = await ctx.store.records.get(row.topic, row.partition, row.offset);
            if (!r) continue;
            const s = schemaOf(r);
            const type = r.ceType ?? s?.typeName ?? null;
            const tk = type ?? '';
            let t = types.get(tk);
            if (!t) types.set(tk, (t = { type, schemas: new Map(), drift: [] }));
            for (const p of r.problems)
              if (p.problem.startsWith('schema drift'))
                t.drift.push({
                  recordId: recordId(r.topic, r.partition, r.offset),
                  at: r.timestamp,
                  problem: p.problem,
                });
            if (!s) continue;
            let e = t.schemas.get(s.seen.key);
            if (!e)
              t.schemas.set(
                s.seen.key,
                (e = {
                  ...s.seen,
                  fields: [],
                  firstSeen: r.timestamp,
                  lastSeen: r.timestamp,
                  records: 0,
                  shape: new Map(),
                }),
              );
            e.records++;
            e.firstSeen = Math.min(e.firstSeen, r.timestamp);
            e.lastSeen = Math.max(e.lastSeen, r.timestamp);
            for (const [path, jt] of inferShape(s.json))
              if (e.shape.size < MAX_FIELDS || e.shape.has(path))
                e.shape.set(path, (e.shape.get(path) ?? new Set()).add(jt));
          }
          cursor = page.next;
          if (!cursor || !page.items.length) break;
        }
        const body: SchemaHistory = {
          topic: q.topic,
          scanned,
          types: [...types.values()].map((t) => ({
            type: t.type,
            schemas: [...t.schemas.values()]
              .map(({ shape, ...e }) => ({
                ...e,
                fields: [...shape].map(([p, ts]) => `${p}: ${[...ts].join('|')}`),
              }))
              .sort((a, b) => a.firstSeen - b.firstSeen),
            drift: t.drift.sort((a, b) => a.at - b.at),
          })),
        };
        return { body };
      },
    },
  ];
}
