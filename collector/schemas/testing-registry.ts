import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, resolve } from 'node:path';

// A small stand-in for a Confluent-compatible schema registry, for tests (no registry server can
// be installed on the test machines). It serves schemas from files with the endpoints a
// deserializer uses: GET /schemas/ids/{id}, /schemas/ids/{id}/versions, /schemas/guids/{guid},
// /subjects/{subject}/versions/{version}; optional basic auth. Run it as a child process
// (`node collector/schemas/testing-registry.ts <registry.json>`: it prints its port), since the
// collector's schema look-ups block the thread they run on.

export interface TestRegistrySchema {
  readonly id: number;
  readonly guid?: string;
  readonly subject: string;
  readonly version: number;
  readonly schemaType: 'AVRO' | 'PROTOBUF' | 'JSON';
  readonly file: string;
  readonly references?: readonly { name: string; subject: string; version: number }[];
}

export interface TestRegistryConfig {
  readonly schemas: readonly TestRegistrySchema[];
  readonly basicAuth?: { readonly username: string; readonly password: string };
}

export function createTestRegistry(config: TestRegistryConfig, baseDir: string): Server & { hits: string[] } {
  const text = (s: TestRegistrySchema) => readFileSync(resolve(baseDir, s.file), 'utf8');
  const body = (s: TestRegistrySchema) => ({
    schema: text(s),
    ...(s.schemaType !== 'AVRO' && { schemaType: s.schemaType }),
    ...(s.references?.length && { references: s.references }),
  });
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    hits.push(path);
    const send = (status: number, v: unknown) => {
      res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
      res.end(JSON.stringify(v));
    };
    if (config.basicAuth) {
      const want = `Basic ${Buffer.from(`${config.basicAuth.username}:${config.basicAuth.password}`).toString('base64')}`;
      if (req.headers.authorization !== want) return send(401, { error_code: 401, message: 'Unauthorized' });
    }
    let m: RegExpExecArray | null;
    if ((m = /^\/schemas\/ids\/(\d+)$/.exec(path))) {
      const s = config.schemas.find((x) => x.id === Number(m![1]));
      return s ? send(200, body(s)) : send(404, { error_code: 40403, message: 'Schema not found' });
    }
    if ((m = /^\/schemas\/ids\/(\d+)\/versions$/.exec(path))) {
      const s = config.schemas.filter((x) => x.id === Number(m![1]));
      return s.length
        ? send(
            200,
            s.map((x) => ({ subject: x.subject, version: x.version })),
          )
        : send(404, { error_code: 40403, message: 'Schema not found' });
    }
    if ((m = /^\/schemas\/guids\/([0-9a-f-]{36})$/.exec(path))) {
      const s = config.schemas.find((x) => x.guid === m![1]);
      return s
        ? send(200, { ...body(s), id: s.id })
        : send(404, { error_code: 40403, message: 'Schema not found' });
    }
    if ((m = /^\/subjects\/([^/]+)\/versions\/(\d+)$/.exec(path))) {
      const s = config.schemas.find((x) => x.subject === m![1] && x.version === Number(m![2]));
      return s
        ? send(200, { subject: s.subject, version: s.version, id: s.id, ...body(s) })
        : send(404, { error_code: 40401, message: 'Subject not found' });
    }
    send(404, { error_code: 404, message: `no route ${path}` });
  });
  return Object.assign(server, { hits });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2]!;
  const config = JSON.parse(readFileSync(file, 'utf8')) as TestRegistryConfig;
  const server = createTestRegistry(config, dirname(resolve(file)));
  server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    process.stdout.write(`${typeof a === 'object' && a ? a.port : 0}\n`);
  });
}
