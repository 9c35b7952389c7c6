import type { RecordProblem } from '../store/types.ts';
import { createSchemaDecoding, type PartOutcome, type RecordLike, type SchemaDecoding } from './decoding.ts';
import { createDriftTracker, type DriftFlag, type DriftTracker, type SchemaSeen } from './drift.ts';
import { loadLocalSchemas } from './local.ts';
import { createSyncRegistry } from './sync-registry.ts';

// Schema-registry formats for the rest of the collector. One decoding per thread: the collector
// configures it from its config at boot (createCollector); the engine's worker thread, which gets
// a copy of the process environment, builds its own from the same variables on first use.

export interface SchemaConfig {
  readonly SCHEMA_REGISTRY_URL?: string | undefined;
  readonly SCHEMA_REGISTRY_USERNAME?: string | undefined;
  readonly SCHEMA_REGISTRY_PASSWORD?: string | undefined;
  readonly SCHEMA_REGISTRY_CA_FILE?: string | undefined;
  readonly SCHEMA_REGISTRY_CERT_FILE?: string | undefined;
  readonly SCHEMA_REGISTRY_KEY_FILE?: string | undefined;
  readonly SCHEMA_REGISTRY_REJECT_UNAUTHORIZED?: boolean | undefined;
  readonly SCHEMA_REGISTRY_TIMEOUT_MS?: number | undefined;
  readonly SCHEMA_FILES_CONFIG?: string | undefined;
}

export function schemaDecodingFromConfig(c: SchemaConfig): SchemaDecoding {
  return createSchemaDecoding({
    local: loadLocalSchemas(c.SCHEMA_FILES_CONFIG),
    registry: c.SCHEMA_REGISTRY_URL
      ? createSyncRegistry({
          url: c.SCHEMA_REGISTRY_URL,
          username: c.SCHEMA_REGISTRY_USERNAME,
          password: c.SCHEMA_REGISTRY_PASSWORD,
          caFile: c.SCHEMA_REGISTRY_CA_FILE,
          certFile: c.SCHEMA_REGISTRY_CERT_FILE,
          keyFile: c.SCHEMA_REGISTRY_KEY_FILE,
          rejectUnauthorized: c.SCHEMA_REGISTRY_REJECT_UNAUTHORIZED ?? true,
          timeoutMs: c.SCHEMA_REGISTRY_TIMEOUT_MS ?? 3000,
        })
      : undefined,
  });
}

const envConfig = (env: NodeJS.ProcessEnv): SchemaConfig => ({
  SCHEMA_REGISTRY_URL: env.SCHEMA_REGISTRY_URL || undefined,
  SCHEMA_REGISTRY_USERNAME: env.SCHEMA_REGISTRY_USERNAME,
  SCHEMA_REGISTRY_PASSWORD: env.SCHEMA_REGISTRY_PASSWORD,
  SCHEMA_REGISTRY_CA_FILE: env.SCHEMA_REGISTRY_CA_FILE,
  SCHEMA_REGISTRY_CERT_FILE: env.SCHEMA_REGISTRY_CERT_FILE,
  SCHEMA_REGISTRY_KEY_FILE: env.SCHEMA_REGISTRY_KEY_FILE,
  SCHEMA_REGISTRY_REJECT_UNAUTHORIZED: !/^(false|0|no)$/i.test(env.SCHEMA_REGISTRY_REJECT_UNAUTHORIZED ?? ''),
  SCHEMA_REGISTRY_TIMEOUT_MS: Number(env.SCHEMA_REGISTRY_TIMEOUT_MS) || undefined,
  SCHEMA_FILES_CONFIG: env.SCHEMA_FILES_CONFIG || undefined,
});

let current: SchemaDecoding | undefined;

/** Replaces this thread's decoding (the collector at boot; tests). */
export function configureSchemaDecoding(d: SchemaDecoding | undefined): void {
  const old = current;
  current = d;
  if (old && old !== d) void old.close();
}

export function schemaDecoding(): SchemaDecoding {
  current ??= schemaDecodingFromConfig(envConfig(process.env));
  return current;
}

const describe = (o: PartOutcome & { ok: true }) =>
  `${o.format}${o.schemaId !== null ? ` schema id ${o.schemaId}` : ` (${o.origin})`}`;

let drift: DriftTracker | undefined;

/** Problem labels this stage adds to `causeway_records_malformed_total` (bounded). */
export type SchemaProblemKind = 'not_decoded' | DriftFlag['change'];

const schemaSeen = (o: PartOutcome | undefined): SchemaSeen | null => {
  if (!o?.ok) return null;
  if (o.schemaId !== null)
    return {
      key: `id:${o.schemaId}`,
      label: `id ${o.schemaId}${o.subject ? ` (${o.subject} v${o.version ?? '?'})` : ''}`,
    };
  return o.guid ? { key: `guid:${o.guid}`, label: o.guid } : { key: `file:${o.origin}`, label: o.origin };
};

/**
 * What the ingest decode stage needs (collector/ingest/decode-record.ts): the decoded value as
 * the record's payload (chains, sagas), the decoded key and value as text for search, a problem
 * for each part that carries a schema reference but could not be decoded, and a schema-drift
 * problem when this record's schema or shape differs from what its topic and type had before.
 */
export function schemaPayloads(
  r: RecordLike,
  jsonPayload: unknown,
  eventType: string | null,
): { payload: unknown; problems: RecordProblem[]; kinds: SchemaProblemKind[]; searchText: string | null } {
  const d = schemaDecoding();
  drift ??= createDriftTracker();
  const out = d.enabled ? d.decode(r) : {};
  const problems: RecordProblem[] = [];
  const kinds: SchemaProblemKind[] = [];
  const texts: string[] = [];
  for (const part of ['key', 'value'] as const) {
    const o = out[part];
    if (!o) continue;
    if (!o.ok) {
      problems.push({ problem: `${part} not decoded: ${o.reason}` });
      kinds.push('not_decoded');
    } else {
      texts.push(JSON.stringify(o.json));
      for (const v of o.violations)
        problems.push({ problem: `${part} (${describe(o)}) does not match its schema: ${v}` });
    }
  }
  const value = out.value;
  const payload = value?.ok ? value.json : undefined;
  const observed = payload !== undefined ? payload : jsonPayload;
  if (observed !== undefined && observed !== null && typeof observed === 'object') {
    const type = eventType ?? (value?.ok ? value.typeName : null);
    const position = r.offset !== undefined ? `${r.partition ?? 0}:${r.offset}` : undefined;
    const flag = drift.observe(r.topic, type, schemaSeen(value), observed, position);
    if (flag) {
      problems.push({ problem: `schema drift (${type ?? 'no event type'}): ${flag.detail}` });
      kinds.push(flag.change);
    }
  }
  return { payload, problems, kinds, searchText: texts.length ? texts.join('\n') : null };
}

export type { PartOutcome, SchemaDecoding } from './decoding.ts';
