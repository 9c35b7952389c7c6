// The Compose stack cannot run in CI (no Docker engine), so this test is what keeps it honest:
// a misspelt or renamed environment variable would otherwise be silently ignored by the zod
// schema's defaults and surface only as "the service talks to 127.0.0.1" in production.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { collectorEnvSchema } from '../collector/config.ts';
import { shopEnvSchema } from '../shop-services/config.ts';
import { consoleEnvSchema } from '../app/_lib/config.ts';
import { CONSOLE_URL_LABEL } from '../dashboards/alerts/definitions.ts';

const readYaml = (file: string): unknown =>
  // Compose files use YAML merge keys (`<<: *anchor`), which YAML 1.2 leaves off by default.
  parse(readFileSync(new URL(file, import.meta.url), 'utf8'), { merge: true });

const envValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const serviceSchema = z.looseObject({
  image: z.string().optional(),
  build: z
    .union([z.string(), z.looseObject({ context: z.string(), dockerfile: z.string().optional() })])
    .optional(),
  command: z.union([z.string(), z.array(z.string())]).optional(),
  environment: z.union([z.record(z.string(), envValue), z.array(z.string())]).optional(),
  volumes: z.array(z.string()).optional(),
});
type Service = z.infer<typeof serviceSchema>;
const composeSchema = z.looseObject({ services: z.record(z.string(), serviceSchema) });

const promSchema = z.looseObject({
  global: z.looseObject({ external_labels: z.record(z.string(), z.string()).optional() }),
  rule_files: z.array(z.string()),
  scrape_configs: z.array(
    z.looseObject({
      job_name: z.string(),
      metrics_path: z.string().optional(),
      static_configs: z.array(z.looseObject({ targets: z.array(z.string()) })),
    }),
  ),
});

const compose = composeSchema.parse(readYaml('./docker-compose.yml'));
const prometheus = promSchema.parse(readYaml('./prometheus.yml'));

/** The environment as the process sees it: Compose turns every value into a string. */
function envOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => [entry.split('=')[0] ?? '', entry.split('=').slice(1).join('=')]),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** Enough of glob syntax for rule_files basenames: `*` and `?`, never crossing a `/`. */
const globToRegExp = (glob: string): RegExp =>
  new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  );

const commandOf = (service: Service): string =>
  Array.isArray(service.command) ? service.command.join(' ') : (service.command ?? '');

// The process a service runs decides which schema reads its environment, so classify by command
// rather than by service name: renaming a service cannot slip it past the check.
const processes = [
  { kind: 'collector', pattern: /\bcollector\/main\.ts\b/, schema: collectorEnvSchema },
  { kind: 'shop', pattern: /\bshop-services\/main\.ts\b/, schema: shopEnvSchema },
  { kind: 'console', pattern: /\bscripts\/console\.ts\b/, schema: consoleEnvSchema },
] as const;

const nodeServices = Object.entries(compose.services)
  .filter(([, service]) => service.build !== undefined)
  .map(([name, service]) => ({
    name,
    service,
    proc: processes.find((p) => p.pattern.test(commandOf(service))),
  }));

const shopServiceNames = [
  'order',
  'orchestrator',
  'inventory',
  'payment',
  'shipping',
  'notification',
  'loyalty',
];

describe('docker-compose.yml', () => {
  it('gives every service an image or a build', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.image ?? service.build, `service ${name}`).toBeDefined();
    }
  });

  it('runs a known Causeway process in every service built from the Dockerfile', () => {
    expect(nodeServices.length).toBeGreaterThan(0);
    for (const { name, proc } of nodeServices) {
      expect(proc, `service ${name} runs: ${commandOf(compose.services[name] ?? {})}`).toBeDefined();
    }
  });

  it.each(nodeServices)(
    'sets only environment names that $name reads, with valid values',
    ({ service, proc }) => {
      if (!proc) throw new Error('unclassified service (see the previous test)');
      const env = envOf(service);
      const known = new Set(Object.keys(proc.schema.shape));
      const unknown = Object.keys(env).filter((name) => !known.has(name));
      expect(unknown, `not in the ${proc.kind} env schema`).toEqual([]);
      const parsed = proc.schema.safeParse(env);
      expect(parsed.success, parsed.error?.message).toBe(true);
    },
  );

  it('runs one shop service per container, each on its own port', () => {
    const shops = nodeServices.filter((s) => s.proc?.kind === 'shop');
    expect(shops.map((s) => s.name).sort()).toEqual([...shopServiceNames].sort());
    for (const { name, service } of shops) {
      expect(envOf(service).SHOP_SERVICE, `service ${name}`).toBe(name);
    }
    const ports = shops.map((s) => envOf(s.service).SERVICE_PORT);
    expect(new Set(ports).size).toBe(shops.length);
  });

  it('mounts the alert rules where prometheus.yml loads them from', () => {
    const volumes = compose.services.prometheus?.volumes ?? [];
    expect(volumes).toContain('./prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    expect(volumes).toContain('../dashboards/prometheus:/etc/prometheus/rules:ro');
  });
});

describe('prometheus.yml', () => {
  const targets = prometheus.scrape_configs.flatMap((job) =>
    job.static_configs.flatMap((c) =>
      c.targets.map((target) => ({ target, path: job.metrics_path ?? '/metrics' })),
    ),
  );

  // Prometheus exits at start-up if any file the glob matches is not a rule file, and the folder
  // also holds promtool's test files; so match the globs against the real folder.
  it('loads every rule file in dashboards/prometheus and nothing else', () => {
    const mounted = '/etc/prometheus/rules/';
    const globs = prometheus.rule_files
      .filter((g) => g.startsWith(mounted))
      .map((g) => g.slice(mounted.length));
    const loaded = readdirSync(new URL('../dashboards/prometheus/', import.meta.url)).filter((file) =>
      globs.some((glob) => globToRegExp(glob).test(file)),
    );
    expect(loaded).toContain('causeway.rules.yml');
    expect(loaded.filter((file) => !file.endsWith('.rules.yml'))).toEqual([]);
  });

  // The shipped rules link runbooks through this label; see dashboards/alerts/definitions.ts.
  it('sets the console_url external label from the environment Compose gives Prometheus', () => {
    expect(prometheus.global.external_labels?.[CONSOLE_URL_LABEL]).toBe('${CAUSEWAY_CONSOLE_URL}');
    const service = compose.services.prometheus ?? {};
    expect(service.command).toContain('--enable-feature=expand-external-labels');
    expect(envOf(service).CAUSEWAY_CONSOLE_URL).toMatch(/^\$\{CAUSEWAY_CONSOLE_URL:-https?:\/\/[^}]+\}$/);
  });

  it('scrapes the collector on its REST port', () => {
    // Through the schema, so an unset COLLECTOR_PORT is checked against the default it falls back to.
    const port = collectorEnvSchema.parse(envOf(compose.services.collector ?? {})).COLLECTOR_PORT;
    expect(targets).toContainEqual({ target: `collector:${port}`, path: '/metrics' });
  });

  it('scrapes every shop service on the port Compose gives it', () => {
    for (const name of shopServiceNames) {
      const port = envOf(compose.services[name] ?? {}).SERVICE_PORT;
      expect(targets, `shop service ${name}`).toContainEqual({ target: `${name}:${port}`, path: '/metrics' });
    }
  });
});
