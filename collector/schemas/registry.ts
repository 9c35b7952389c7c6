import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { SchemaFormat } from './formats.ts';
import type { SchemaRef } from './wire.ts';

// A client for the Confluent-compatible schema-registry REST API, the endpoints a deserializer
// needs: GET /schemas/ids/{id}, GET /schemas/guids/{guid}, GET /schemas/ids/{id}/versions and, for
// references, GET /subjects/{subject}/versions/{version}. Written against Confluent Schema
// Registry's API reference; Apicurio (its ccompat/v7 API), Karapace and Redpanda serve the same
// paths. Basic auth and TLS (CA, client certificate) as options.

export interface RegistryOptions {
  readonly url: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly caFile?: string | undefined;
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
  readonly rejectUnauthorized?: boolean;
  readonly timeoutMs?: number;
}

/** A schema with everything needed to compile it: its references' texts, its subject / version. */
export interface SchemaBundle {
  readonly id: number | null;
  readonly guid: string | null;
  readonly format: SchemaFormat;
  readonly text: string;
  readonly references: readonly { readonly name: string; readonly text: string }[];
  readonly subject: string | null;
  readonly version: number | null;
}

export class RegistryError extends Error {
  override name = 'RegistryError';
  /** Not found (404): the registry answered; retrying soon will not help. */
  readonly notFound: boolean;
  constructor(message: string, notFound = false) {
    super(message);
    this.notFound = notFound;
  }
}

const FORMATS: Record<string, SchemaFormat> = { AVRO: 'avro', PROTOBUF: 'protobuf', JSON: 'json' };
const MAX_BODY = 4 * 1024 * 1024;
const MAX_REFERENCE_DEPTH = 8;

interface RawSchema {
  schema?: unknown;
  schemaType?: unknown;
  references?: unknown;
  id?: unknown;
}
interface RawRef {
  name: string;
  subject: string;
  version: number;
}

const isRefs = (v: unknown): v is RawRef[] =>
  Array.isArray(v) &&
  v.every(
    (r) =>
      typeof r === 'object' &&
      r !== null &&
      typeof (r as RawRef).name === 'string' &&
      typeof (r as RawRef).subject === 'string' &&
      typeof (r as RawRef).version === 'number',
  );

export function createRegistryClient(options: RegistryOptions) {
  const base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
  const tls = base.protocol === 'https:';
  const read = (f: string | undefined) => (f ? readFileSync(f) : undefined);
  const tlsOptions = tls
    ? {
        ca: read(options.caFile),
        cert: read(options.certFile),
        key: read(options.keyFile),
        rejectUnauthorized: options.rejectUnauthorized ?? true,
      }
    : {};
  const auth =
    options.username !== undefined
      ? `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`
      : undefined;
  const timeoutMs = options.timeoutMs ?? 5000;

  function get(path: string): Promise<unknown> {
    const url = new URL(path, base);
    return new Promise((resolve, reject) => {
      const req = (tls ? httpsRequest : httpRequest)(
        url,
        {
          method: 'GET',
          headers: {
            accept: 'application/vnd.schemaregistry.v1+json, application/json',
            ...(auth && { authorization: auth }),
          },
          timeout: timeoutMs,
          ...tlsOptions,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY) req.destroy(new RegistryError(`answer to ${url.pathname} larger than 4 MB`));
            else chunks.push(c);
          });
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status === 404) return reject(new RegistryError(`registry: ${url.pathname} not found`, true));
            if (status === 401 || status === 403)
              return reject(
                new RegistryError(
                  `registry refused ${url.pathname} (${status}): check SCHEMA_REGISTRY_USERNAME / _PASSWORD`,
                ),
              );
            if (status < 200 || status >= 300)
              return reject(new RegistryError(`registry answered ${status} to ${url.pathname}`));
            try {
              resolve(JSON.parse(text) as unknown);
            } catch {
              reject(new RegistryError(`registry answer to ${url.pathname} is not JSON`));
            }
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () =>
        req.destroy(new RegistryError(`registry did not answer ${url.pathname} within ${timeoutMs} ms`)),
      );
      req.on('error', (err) =>
        reject(
          err instanceof RegistryError ? err : new RegistryError(`registry unreachable: ${err.message}`),
        ),
      );
      req.end();
    });
  }

  function parseSchema(raw: unknown, where: string): { format: SchemaFormat; text: string; refs: RawRef[] } {
    const r = (raw ?? {}) as RawSchema;
    if (typeof r.schema !== 'string')
      throw new RegistryError(`registry answer to ${where} has no schema text`);
    const type = typeof r.schemaType === 'string' ? r.schemaType : 'AVRO';
    const format = FORMATS[type];
    if (!format) throw new RegistryError(`schema type ${type} is not supported (AVRO, PROTOBUF, JSON)`);
    return { format, text: r.schema, refs: isRefs(r.references) ? r.references : [] };
  }

  /** Reference texts, depth first (a referenced schema's own references come before it). */
  async function resolveRefs(refs: RawRef[], depth: number, out: { name: string; text: string }[]) {
    if (depth > MAX_REFERENCE_DEPTH) throw new RegistryError('schema references nest too deep');
    for (const ref of refs) {
      if (out.some((o) => o.name === ref.name)) continue;
      const path = `subjects/${encodeURIComponent(ref.subject)}/versions/${ref.version}`;
      const s = parseSchema(await get(path), path);
      await resolveRefs(s.refs, depth + 1, out);
      out.push({ name: ref.name, text: s.text });
    }
  }

  return {
    async fetch(ref: SchemaRef): Promise<SchemaBundle> {
      const path =
        ref.kind === 'id' ? `schemas/ids/${ref.id}` : `schemas/guids/${encodeURIComponent(ref.guid)}`;
      const raw = await get(path);
      const s = parseSchema(raw, path);
      const references: { name: string; text: string }[] = [];
      await resolveRefs(s.refs, 1, references);
      const id =
        ref.kind === 'id'
          ? ref.id
          : typeof (raw as RawSchema).id === 'number'
            ? ((raw as RawSchema).id as number)
            : null;
      // Subject and version are for display and drift; a registry without the endpoint is fine.
      let subject: string | null = null;
      let version: number | null = null;
      if (id !== null) {
        try {
          const versions = await get(`schemas/ids/${id}/versions`);
          const first = Array.isArray(versions)
            ? (versions[0] as { subject?: unknown; version?: unknown } | undefined)
            : undefined;
          if (typeof first?.subject === 'string' && typeof first.version === 'number') {
            subject = first.subject;
            version = first.version;
          }
        } catch {
          // optional
        }
      }
      return {
        id,
        guid: ref.kind === 'guid' ? ref.guid : null,
        format: s.format,
        text: s.text,
        references,
        subject,
        version,
      };
    },
  };
}
export type RegistryClient = ReturnType<typeof createRegistryClient>;
