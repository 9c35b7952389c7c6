import type { RecordHeader } from '../../lib/events/headers.ts';
import { compileDecoder, type PayloadDecoder, type SchemaFormat } from './formats.ts';
import type { LocalSchemas } from './local.ts';
import type { SchemaBundle } from './registry.ts';
import type { SyncRegistry } from './sync-registry.ts';
import { SCHEMA_ID_HEADERS, unframe, type SchemaRef } from './wire.ts';

// Which schema a key or value was written with (a local file mapped to its topic, else the wire
// format's schema id from local files or the registry), the decoded JSON, or why it could not be
// decoded. Never throws: an undecodable record is kept raw with the reason.

export type Part = 'key' | 'value';

export interface SchemaInfo {
  readonly format: SchemaFormat;
  readonly schemaId: number | null;
  readonly guid: string | null;
  readonly subject: string | null;
  readonly version: number | null;
  /** Where the schema came from: `registry` or a local file name. */
  readonly origin: string;
}

export type PartOutcome =
  | (SchemaInfo & {
      readonly ok: true;
      readonly json: unknown;
      readonly typeName: string | null;
      readonly violations: readonly string[];
    })
  | { readonly ok: false; readonly reason: string; readonly schemaId: number | null };

export interface RecordLike {
  readonly topic: string;
  /** Where the record is (drift judges each record once); absent for ad-hoc decodes. */
  readonly partition?: number;
  readonly offset?: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
}

interface Compiled {
  readonly info: SchemaInfo;
  readonly decode: PayloadDecoder;
}

const MAX_COMPILED = 2000;
const refKey = (r: SchemaRef) => (r.kind === 'id' ? `id:${r.id}` : `guid:${r.guid}`);
const refText = (r: SchemaRef) => (r.kind === 'id' ? `schema id ${r.id}` : `schema ${r.guid}`);

export interface SchemaDecodingOptions {
  readonly registry?: SyncRegistry | undefined;
  readonly local: LocalSchemas;
  readonly now?: () => number;
}

export function createSchemaDecoding(options: SchemaDecodingOptions) {
  const now = options.now ?? Date.now;
  const compiled = new Map<string, Compiled | { error: string }>();
  const failures = new Map<string, { until: number; delay: number; reason: string }>();
  let registryDownUntil = 0;
  let registryDownReason = '';

  const remember = (key: string, v: Compiled | { error: string }) => {
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    compiled.set(key, v);
  };
  const compile = (info: SchemaInfo, source: Parameters<typeof compileDecoder>[0]) => {
    try {
      return { info, decode: compileDecoder(source) };
    } catch (err) {
      return { error: `${info.format} schema does not compile: ${(err as Error).message}` };
    }
  };

  function fromRegistry(ref: SchemaRef): Compiled | { error: string } {
    const key = refKey(ref);
    const failed = failures.get(key);
    const t = now();
    if (failed && failed.until > t) return { error: failed.reason };
    if (registryDownUntil > t) return { error: `${registryDownReason} (retrying later)` };
    const answer = options.registry!.fetch(ref);
    if (!answer.ok) {
      // Not found: the registry is fine, this id is not there; retry rarely. Unreachable: back off
      // every look-up, doubling up to a minute.
      const delay = answer.notFound ? 300_000 : Math.min(60_000, (failed?.delay ?? 500) * 2);
      failures.set(key, { until: t + delay, delay, reason: `${refText(ref)}: ${answer.error}` });
      if (!answer.notFound) {
        registryDownUntil = t + delay;
        registryDownReason = answer.error;
      }
      return { error: `${refText(ref)}: ${answer.error}` };
    }
    failures.delete(key);
    const b: SchemaBundle = answer.bundle;
    return compile(
      {
        format: b.format,
        schemaId: b.id,
        guid: b.guid,
        subject: b.subject,
        version: b.version,
        origin: 'registry',
      },
      { format: b.format, text: b.text, references: b.references },
    );
  }

  function schemaOf(ref: SchemaRef): Compiled | { error: string } {
    const key = refKey(ref);
    const hit = compiled.get(key);
    if (hit) return hit;
    const local = ref.kind === 'id' ? options.local.byId(ref.id) : undefined;
    if (local) {
      const c = compile(
        {
          format: local.source.format,
          schemaId: ref.kind === 'id' ? ref.id : null,
          guid: null,
          subject: null,
          version: null,
          origin: local.file,
        },
        local.source,
      );
      remember(key, c);
      return c;
    }
    if (!options.registry)
      return { error: `${refText(ref)}: no SCHEMA_REGISTRY_URL and no local schema file for it` };
    const c = fromRegistry(ref);
    // Failures are not cached here: `failures` decides when to ask again.
    if ('decode' in c || !failures.has(key)) remember(key, c);
    return c;
  }

  const lastHeader = (headers: readonly RecordHeader[], name: string) => {
    for (let i = headers.length - 1; i >= 0; i--)
      if (headers[i]!.key === name) return headers[i]!.value ?? undefined;
    return undefined;
  };

  function decodePart(r: RecordLike, part: Part): PartOutcome | undefined {
    const bytes = part === 'value' ? r.value : r.key;
    if (!bytes || bytes.length === 0) return undefined;
    const header = lastHeader(r.headers, SCHEMA_ID_HEADERS[part]);
    const framed = unframe(bytes, header ? Buffer.from(header) : undefined);
    const byTopic = options.local.byTopic(r.topic, part);
    let schema: Compiled | { error: string } | undefined;
    if (byTopic && !framed) {
      const key = `topic:${part}:${byTopic.file}`;
      schema = compiled.get(key);
      if (!schema) {
        schema = compile(
          {
            format: byTopic.source.format,
            schemaId: null,
            guid: null,
            subject: null,
            version: null,
            origin: byTopic.file,
          },
          byTopic.source,
        );
        remember(key, schema);
      }
    } else if (framed) schema = schemaOf(framed.ref);
    else return undefined;
    const schemaId = framed?.ref.kind === 'id' ? framed.ref.id : null;
    if ('error' in schema) return { ok: false, reason: schema.error, schemaId };
    try {
      const d = schema.decode(framed ? framed.rest : bytes, framed !== null);
      return { ok: true, ...schema.info, json: d.value, typeName: d.typeName, violations: d.violations };
    } catch (err) {
      return {
        ok: false,
        schemaId,
        reason: `not readable as ${schema.info.format} with ${schema.info.schemaId !== null ? `schema id ${schema.info.schemaId}` : schema.info.origin}: ${(err as Error).message}`,
      };
    }
  }

  return {
    /** False when neither a registry nor local schema files are configured: nothing to try. */
    enabled: options.registry !== undefined || !options.local.empty,
    decode(r: RecordLike): { key?: PartOutcome; value?: PartOutcome } {
      const value = decodePart(r, 'value');
      const key = decodePart(r, 'key');
      return { ...(value && { value }), ...(key && { key }) };
    },
    close: () => options.registry?.close() ?? Promise.resolve(),
  };
}
export type SchemaDecoding = ReturnType<typeof createSchemaDecoding>;
