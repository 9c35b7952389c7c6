// Schema drift per topic and event type. A record written with a schema id this (topic, type) has
// not used before is a new version; a field that disappears or changes type against the schema
// used before it is an incompatible change. Records without a schema id are compared by their
// inferred shape (JSON paths and types): only a changed type is flagged (incompatible). A new or
// missing field is not: schemaless producers add and omit optional fields all the time.
//
// The tracker is per process and in memory, bounded; after a restart the first schema seen per
// (topic, type) is the baseline again, so a change can be missed across a restart, never invented.

export type Shape = ReadonlyMap<string, string>;

const MAX_DEPTH = 5;
const MAX_PATHS = 300;

/** JSON paths (`a.b`, `items[].sku`) and their JSON types; nulls say nothing about a type. */
export function inferShape(value: unknown): Shape {
  const out = new Map<string, string>();
  const walk = (v: unknown, path: string, depth: number) => {
    if (out.size >= MAX_PATHS) return;
    const type = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
    // Within one record the first type seen for a path stands (mixed arrays are not drift).
    if (path && type !== 'null' && !out.has(path)) out.set(path, type);
    if (depth >= MAX_DEPTH) return;
    if (Array.isArray(v)) for (const item of v.slice(0, 20)) walk(item, `${path}[]`, depth + 1);
    else if (type === 'object')
      for (const [k, child] of Object.entries(v as object)) walk(child, path ? `${path}.${k}` : k, depth + 1);
  };
  walk(value, '', 0);
  return out;
}

export interface SchemaSeen {
  /** `id:<n>` for a registry / local schema id, else `shape` (the merged shape of schemaless records). */
  readonly key: string;
  readonly label: string;
}

export interface DriftFlag {
  readonly change: 'schema_changed' | 'schema_incompatible';
  readonly detail: string;
}

interface PairState {
  latestKey: string | null;
  latestLabel: string;
  shapes: Map<string, Map<string, string>>;
  /** Flags given, by record position: a record decoded twice (live tail, redelivery) gets the same answer. */
  flagged: Map<string, DriftFlag>;
}

const MAX_PAIRS = 5000;
const MAX_KEYS_PER_PAIR = 64;
const MAX_FLAGS_REMEMBERED = 256;

function differences(before: Shape, after: Shape, reportRemoved: boolean): string[] {
  const out: string[] = [];
  for (const [path, type] of before) {
    const now = after.get(path);
    if (now === undefined) {
      if (reportRemoved) out.push(`${path} removed`);
    } else if (now !== type) out.push(`${path} ${type} → ${now}`);
  }
  return out;
}

function judge(p: PairState, schema: SchemaSeen | null, payload: unknown): DriftFlag | null {
  const shape = inferShape(payload);
  if (schema) {
    const known = p.shapes.get(schema.key);
    const previous = p.latestKey;
    const before = previous ? p.shapes.get(previous) : undefined;
    const label = p.latestLabel;
    if (!known && p.shapes.size < MAX_KEYS_PER_PAIR) p.shapes.set(schema.key, new Map(shape));
    p.latestKey = schema.key;
    p.latestLabel = schema.label;
    if (known || !previous || previous === schema.key || !before) return null;
    // Removed fields only count between schemas: each schema's records carry all its fields.
    const diff = differences(before, shape, true);
    return diff.length
      ? { change: 'schema_incompatible', detail: `${schema.label} after ${label}: ${diff.join('; ')}` }
      : { change: 'schema_changed', detail: `new schema ${schema.label} after ${label}` };
  }
  if (shape.size === 0) return null;
  const merged = p.shapes.get('shape');
  if (!merged) {
    p.shapes.set('shape', new Map(shape));
    return null;
  }
  const changed = differences(merged, shape, false);
  for (const [k, v] of shape) if (merged.size < MAX_PATHS || merged.has(k)) merged.set(k, v);
  return changed.length
    ? { change: 'schema_incompatible', detail: `shape changed: ${changed.join('; ')}` }
    : null;
}

export function createDriftTracker() {
  const pairs = new Map<string, PairState>();

  return {
    /**
     * The change this record shows, if any; `schema` is null for records without a schema id.
     * `position` (topic:partition:offset) makes a second look at the same record give the same answer.
     */
    observe(
      topic: string,
      type: string | null,
      schema: SchemaSeen | null,
      payload: unknown,
      position?: string,
    ): DriftFlag | null {
      const pk = `${topic}\u0000${type ?? ''}`;
      let p = pairs.get(pk);
      if (!p) {
        if (pairs.size >= MAX_PAIRS) pairs.delete(pairs.keys().next().value!);
        p = { latestKey: null, latestLabel: '', shapes: new Map(), flagged: new Map() };
        pairs.set(pk, p);
      }
      const again = position !== undefined ? p.flagged.get(position) : undefined;
      if (again) return again;
      const flag = judge(p, schema, payload);
      if (flag && position !== undefined) {
        if (p.flagged.size >= MAX_FLAGS_REMEMBERED) p.flagged.delete(p.flagged.keys().next().value!);
        p.flagged.set(position, flag);
      }
      return flag;
    },
  };
}
export type DriftTracker = ReturnType<typeof createDriftTracker>;
