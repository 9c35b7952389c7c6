import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../lib/config.ts';
import type { SchemaFormat, SchemaSource } from './formats.ts';

// Local schema files for clusters without a registry (SCHEMA_FILES_CONFIG): each entry maps topics
// (globs) and/or registry ids to an .avsc, .proto or JSON Schema file, for keys or values. Paths
// are relative to the config file.

const entrySchema = z
  .object({
    topics: z.array(z.string().min(1).max(249)).max(100).optional(),
    /** Registry ids this file stands for (records framed with these ids). */
    ids: z.array(z.number().int().positive()).max(1000).optional(),
    part: z.enum(['value', 'key']).default('value'),
    file: z.string().min(1),
    format: z.enum(['avro', 'protobuf', 'json']).optional(),
    /** Protobuf: the message (full name) of records that carry no message-index list. */
    message: z.string().min(1).optional(),
    /** Files the schema imports (.proto) or whose named types it uses (.avsc). */
    references: z
      .array(z.object({ name: z.string().min(1), file: z.string().min(1) }))
      .max(50)
      .default([]),
  })
  .strict()
  .refine((e) => e.topics?.length || e.ids?.length, { message: 'an entry needs topics or ids' });

export const schemaFilesConfigSchema = z.object({ schemas: z.array(entrySchema).max(500) }).strict();

export interface LocalSchema {
  readonly source: SchemaSource;
  readonly file: string;
}

const FORMAT_BY_EXT: Record<string, SchemaFormat> = {
  '.avsc': 'avro',
  '.proto': 'protobuf',
  '.json': 'json',
  '.desc': 'protobuf',
  '.pb': 'protobuf',
  '.binpb': 'protobuf',
  '.protoset': 'protobuf',
};
/** Compiled Protobuf descriptor sets (binary), as protoc writes them. */
const DESCRIPTOR_EXTS = new Set(['.desc', '.pb', '.binpb', '.protoset']);
const globRe = (g: string) =>
  new RegExp(
    `^${g
      .split('*')
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );

export function loadLocalSchemas(configFile: string | undefined) {
  const byId = new Map<number, LocalSchema>();
  const byTopic: { re: RegExp; part: 'value' | 'key'; schema: LocalSchema }[] = [];
  if (configFile) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(configFile, 'utf8'));
    } catch (err) {
      throw new ConfigError(`Cannot read SCHEMA_FILES_CONFIG ${configFile}: ${(err as Error).message}`);
    }
    const parsed = schemaFilesConfigSchema.safeParse(doc);
    if (!parsed.success)
      throw new ConfigError(
        `Invalid SCHEMA_FILES_CONFIG ${configFile}:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`,
      );
    const dir = dirname(resolve(configFile));
    const bytes = (f: string) => {
      try {
        return readFileSync(resolve(dir, f));
      } catch (err) {
        throw new ConfigError(
          `SCHEMA_FILES_CONFIG ${configFile}: cannot read ${f}: ${(err as Error).message}`,
        );
      }
    };
    const text = (f: string) => {
      try {
        return readFileSync(resolve(dir, f), 'utf8');
      } catch (err) {
        throw new ConfigError(
          `SCHEMA_FILES_CONFIG ${configFile}: cannot read ${f}: ${(err as Error).message}`,
        );
      }
    };
    for (const e of parsed.data.schemas) {
      const format = e.format ?? FORMAT_BY_EXT[extname(e.file).toLowerCase()];
      if (!format)
        throw new ConfigError(`SCHEMA_FILES_CONFIG: say "format" for ${e.file} (avro, protobuf, json)`);
      const schema: LocalSchema = {
        file: e.file,
        source: {
          format,
          ...(DESCRIPTOR_EXTS.has(extname(e.file).toLowerCase())
            ? { text: '', descriptorSet: bytes(e.file) }
            : { text: text(e.file) }),
          references: e.references.map((r) => ({ name: r.name, text: text(r.file) })),
          ...(e.message && { messageName: e.message }),
        },
      };
      for (const id of e.ids ?? []) byId.set(id, schema);
      for (const t of e.topics ?? []) byTopic.push({ re: globRe(t), part: e.part, schema });
    }
  }
  return {
    empty: byId.size === 0 && byTopic.length === 0,
    byId: (id: number) => byId.get(id),
    byTopic: (topic: string, part: 'value' | 'key') =>
      byTopic.find((x) => x.part === part && x.re.test(topic))?.schema,
  };
}
export type LocalSchemas = ReturnType<typeof loadLocalSchemas>;
