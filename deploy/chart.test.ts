// The Helm chart, checked without a cluster: helm (from an npm package, see testing/helm.ts)
// renders it, and every object is validated against the Kubernetes and Prometheus Operator
// schemas of @kubernetes-models, offline. A test here fails when a value the schema forbids is
// accepted, when a container sets an environment name its process does not read, or when the
// PrometheusRule differs from the rules dashboards/alerts generates.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { sagaDefinitionsFileSchema } from '../collector/sagas/definitions.ts';
import { renderRulesFile } from '../dashboards/alerts/generate.ts';
import { SHOP_SERVICE_NAMES } from '../shop-services/types.ts';
import {
  COLLECTOR_GROUP,
  COLLECTOR_USER,
  KAFKA_BOOTSTRAP,
  KAFKA_CA_SECRET,
  shopUser,
} from './strimzi/manifests.ts';
import type { IPodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import type { IPrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import { CHART, helm, type K8sObject, renderChart } from './testing/helm.ts';
import { containersOf, envOf, type RenderedContainer } from './testing/process-env.ts';

const SCALE_OUT = join(CHART, '../values-scale-out.yaml');
const tmp = mkdtempSync(join(tmpdir(), 'causeway-chart-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A values file for one test; --set cannot express objects such as the saga definitions. */
function valuesFile(values: unknown): string {
  const file = join(tmp, `values-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify(values));
  return file;
}

let defaults: K8sObject[];
let scaleOut: K8sObject[];
// The first run unpacks helm (60 MB) out of the npm package: more than the default hook timeout
// on a busy machine.
beforeAll(() => {
  defaults = renderChart();
  scaleOut = renderChart(['-f', SCALE_OUT]);
}, 120_000);

function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o)
    throw new Error(
      `no ${kind}/${name} among ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`,
    );
  return o;
}
/** The rendered object, typed as @kubernetes-models declares its kind (the schema tests check it is one). */
const as = <T>(o: K8sObject): T => o as unknown as T;
const deployment = (objects: K8sObject[], name: string) => as<IDeployment>(find(objects, 'Deployment', name));
const envVar = (d: IDeployment, name: string): IEnvVar | undefined =>
  d.spec?.template.spec?.containers[0]?.env?.find((e) => e.name === name);

/** The schema-checked model class of an object, from @kubernetes-models. */
async function modelOf(o: K8sObject): Promise<new (data: unknown) => { validate(): void }> {
  const path = o.apiVersion.startsWith('monitoring.coreos.com/')
    ? `@kubernetes-models/prometheus-operator/${o.apiVersion}/${o.kind}`
    : `kubernetes-models/${o.apiVersion}/${o.kind}`;
  const mod = (await import(path)) as Record<string, new (data: unknown) => { validate(): void }>;
  const model = mod[o.kind];
  if (!model) throw new Error(`no schema for ${o.apiVersion} ${o.kind}`);
  return model;
}

describe('the chart', () => {
  it('passes helm lint with the default and the scale-out values', () => {
    for (const args of [[], ['-f', SCALE_OUT]]) {
      const r = helm(['lint', '--strict', CHART, ...args]);
      expect(r.status, r.stdout + r.stderr).toBe(0);
    }
  });

  /** Other combinations of the values that change which objects and fields render. */
  const variants: Record<string, string[]> = {
    'plain Kafka, tokens from a Secret': [
      '--set',
      'kafka.brokers=kafka-0.kafka:9092\\,kafka-1.kafka:9092',
      '--set',
      'kafka.tls.enabled=false',
      '--set',
      'kafka.sasl.mechanism=',
      '--set',
      'auth.existingSecret=causeway-tokens',
      '--set',
      'networkPolicy.enabled=false',
      '--set',
      'serviceAccount.create=false',
    ],
    'SASL password and tokens as values, system CAs, TLS Ingress': [
      '--set',
      'kafka.sasl.existingSecret=',
      '--set',
      'kafka.sasl.password=s3cret-pass',
      '--set',
      'kafka.tls.caSecret=',
      '--set',
      'auth.operatorToken=operator-token-1',
      '--set',
      'auth.viewerToken=viewer-token-1',
      '--set',
      'ingress.enabled=true',
      '--set',
      'ingress.tls.enabled=true',
      '--set',
      'collector.store=postgres',
      '--set',
      'collector.replicas=2',
      '--set',
      'collector.postgres.url=postgres://causeway:pw@db:5432/causeway',
    ],
  };

  const renders: [string, () => K8sObject[]][] = [
    ['default', () => defaults],
    ['scale-out', () => scaleOut],
    ...Object.entries(variants).map(([name, args]): [string, () => K8sObject[]] => [
      name,
      () => renderChart(args),
    ]),
  ];
  it.each(renders)(
    'renders only objects that validate against their schemas (%s values)',
    async (_, render) => {
      const objects = render();
      expect(objects.length).toBeGreaterThan(5);
      for (const o of objects) {
        const Model = await modelOf(o);
        expect(() => new Model(o).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
      }
    },
  );

  it('keeps given secrets in its own Secret and points the processes at them', () => {
    const objects = renderChart(variants['SASL password and tokens as values, system CAs, TLS Ingress']);
    const secret = as<ISecret>(find(objects, 'Secret', 'causeway'));
    const data = Object.fromEntries(
      Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
    );
    expect(data).toEqual({
      'operator-token': 'operator-token-1',
      'viewer-token': 'viewer-token-1',
      'kafka-password': 's3cret-pass',
      'postgres-url': 'postgres://causeway:pw@db:5432/causeway',
    });
    const d = deployment(objects, 'causeway-collector');
    for (const [name, key] of [
      ['OPERATOR_TOKEN', 'operator-token'],
      ['VIEWER_TOKEN', 'viewer-token'],
      ['KAFKA_SASL_PASSWORD', 'kafka-password'],
      ['COLLECTOR_STORE_URL', 'postgres-url'],
    ] as const) {
      expect(envVar(d, name)?.valueFrom?.secretKeyRef, name).toEqual({ name: 'causeway', key });
    }
    expect(envVar(d, 'KAFKA_SSL_CA_FILE')).toBeUndefined();
    const console = deployment(objects, 'causeway-console');
    expect(envVar(console, 'COLLECTOR_PUBLIC_URL')?.value).toBe('https://causeway.example.com');
  });

  it('has a validator that catches a wrong type (so the test above can fail)', async () => {
    const broken = structuredClone(find(defaults, 'Deployment', 'causeway-collector'));
    (broken.spec as Record<string, unknown>).replicas = 'one';
    const Model = await modelOf(broken);
    expect(() => new Model(broken).validate()).toThrow(/replicas/);
  });

  it.each([
    ['collector.replicas=2', /\/collector\/replicas.*value must be 1/],
    ['collector.store=postgres', /\/collector\/postgres\/(url|existingSecret)/],
    ['kafka.sasl.mechanism=scram-sha-1', /\/kafka\/sasl\/mechanism/],
    ['kafka.brokers=kafka', /\/kafka\/brokers/],
    ['auth.operatorToken=short', /\/auth\/operatorToken/],
    ['collector.replica=2', /additional properties 'replica' not allowed/],
    ['console.env.lower_case=1', /\/console\/env.*'lower_case' not allowed/],
  ])('refuses %s at install time, naming the value', (value, message) => {
    const r = helm(['template', 'causeway', CHART, '--set', value]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/values don't meet the specifications of the schema/);
    expect(r.stderr).toMatch(message);
  });
});

describe('the processes it runs', () => {
  const all = (): RenderedContainer[] => [...containersOf(defaults), ...containersOf(scaleOut)];

  it('runs a known Causeway process in every container', () => {
    for (const { workload, container, proc } of all()) {
      expect(proc, `${workload} runs: ${container.command?.join(' ')}`).toBeDefined();
    }
    expect(new Set(all().map((c) => c.proc?.kind))).toEqual(new Set(['collector', 'console', 'shop']));
  });

  /** What a process would ignore (a name its schema lacks) or refuse (a value its schema rejects). */
  function envProblems(containers: RenderedContainer[]): string[] {
    return containers.flatMap(({ workload, container, proc }) => {
      if (!proc) return [];
      const env = envOf(container);
      const known = new Set(Object.keys(proc.schema.shape));
      const unknown = Object.keys(env)
        .filter((name) => !known.has(name))
        .map((name) => `${workload}: ${name} is not in the ${proc.kind} env schema`);
      // A name given twice (a chart-set one repeated in `env`) leaves which value wins to the reader.
      const names = (container.env ?? []).map((e) => e.name);
      const twice = names
        .filter((n, i) => names.indexOf(n) !== i)
        .map((n) => `${workload}: ${n} is set twice`);
      const parsed = proc.schema.safeParse(env);
      return [...unknown, ...twice, ...(parsed.success ? [] : [`${workload}: ${parsed.error.message}`])];
    });
  }

  it('sets only environment names that each process reads, with valid values', () => {
    expect(envProblems(all())).toEqual([]);
  });

  it('notices a misspelt or invalid extra variable (so the test above can fail)', () => {
    const objects = renderChart([
      '--set',
      'collector.env.COLLECTOR_PROT=1',
      '--set',
      'console.env.PORT=http',
    ]);
    const problems = envProblems(containersOf(objects)).join('\n');
    expect(problems).toMatch(/causeway-collector: COLLECTOR_PROT is not in the collector env schema/);
    expect(problems).toMatch(/causeway-console: PORT is set twice/);
    expect(problems).toMatch(/causeway-console: .*PORT/s);
  });

  it('runs every container non-root, read-only, with no capabilities and the runtime seccomp profile', () => {
    for (const { workload, container, pod } of all()) {
      const podSc = pod.securityContext as IPodSecurityContext;
      const sc = container.securityContext as ISecurityContext;
      expect(podSc.runAsNonRoot, workload).toBe(true);
      expect(podSc.seccompProfile, workload).toEqual({ type: 'RuntimeDefault' });
      expect(sc.readOnlyRootFilesystem, workload).toBe(true);
      expect(sc.allowPrivilegeEscalation, workload).toBe(false);
      expect(sc.capabilities, workload).toEqual({ drop: ['ALL'] });
      // With a read-only root, every path a process writes must be a volume.
      const mounts = (container.volumeMounts as { mountPath: string }[]).map((m) => m.mountPath);
      expect(mounts, workload).toContain('/tmp');
      if (envOf(container).DATA_DIR) expect(mounts, workload).toContain(envOf(container).DATA_DIR);
      expect(container.resources, workload).toBeDefined();
    }
  });

  it('probes each process on its own health endpoint and port', () => {
    for (const { workload, container, proc } of all()) {
      const env = envOf(container);
      const port = (container.ports as { name: string; containerPort: number }[]).find(
        (p) => p.name === 'http',
      );
      const expected = {
        collector: { path: '/healthz', port: Number(env.COLLECTOR_PORT) },
        console: { path: '/', port: Number(env.PORT) },
        shop: { path: '/healthz', port: Number(env.SERVICE_PORT) },
      }[proc!.kind];
      expect(port?.containerPort, workload).toBe(expected.port);
      for (const probe of ['readinessProbe', 'livenessProbe'])
        expect((container[probe] as IProbe).httpGet, `${workload} ${probe}`).toEqual({
          path: expected.path,
          port: 'http',
        });
    }
  });
});

describe('network policies', () => {
  it('select pods that exist and open only ports those pods serve', () => {
    const policies = scaleOut.filter((o) => o.kind === 'NetworkPolicy').map((o) => as<INetworkPolicy>(o));
    expect(policies.map((p) => p.metadata?.name).sort()).toEqual([
      'causeway-collector',
      'causeway-console',
      'causeway-shop',
    ]);
    const workloads = scaleOut.filter((o) => o.kind === 'Deployment').map((o) => as<IDeployment>(o));
    for (const policy of policies) {
      const wanted = Object.entries(policy.spec?.podSelector?.matchLabels ?? {});
      const selected = workloads.filter((d) =>
        wanted.every(([k, v]) => d.spec?.template.metadata?.labels?.[k] === v),
      );
      expect(selected.length, policy.metadata?.name).toBeGreaterThan(0);
      const served = new Set(
        selected.flatMap(
          (d) => d.spec?.template.spec?.containers.flatMap((c) => (c.ports ?? []).map((p) => p.name)) ?? [],
        ),
      );
      for (const rule of policy.spec?.ingress ?? [])
        for (const port of rule.ports ?? [])
          expect(served, `${policy.metadata?.name} opens ${port.port}`).toContain(port.port);
    }
  });
});

describe('the two collector modes', () => {
  it('runs one collector on the SQLite store by default: Recreate, on a kept volume', () => {
    const d = deployment(defaults, 'causeway-collector');
    expect(d.spec?.replicas).toBe(1);
    expect(d.spec?.strategy).toEqual({ type: 'Recreate' });
    const claim = d.spec?.template.spec?.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim;
    const pvc = find(defaults, 'PersistentVolumeClaim', claim?.claimName ?? '');
    expect(pvc.metadata).toMatchObject({ annotations: { 'helm.sh/resource-policy': 'keep' } });
    // A budget for a single pod would forbid every eviction and block node drains.
    expect(defaults.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.metadata.name)).toEqual([
      'causeway-console',
    ]);
  });

  it('runs several collectors on the PostgreSQL store when scaled out', () => {
    const d = deployment(scaleOut, 'causeway-collector');
    expect(d.spec?.replicas).toBe(3);
    expect(d.spec?.strategy?.type).toBe('RollingUpdate');
    expect(envVar(d, 'COLLECTOR_STORE_URL')?.valueFrom).toEqual({
      secretKeyRef: { name: 'causeway-postgres', key: 'url' },
    });
    expect(scaleOut.some((o) => o.kind === 'PersistentVolumeClaim')).toBe(false);
    const pdb = as<IPodDisruptionBudget>(find(scaleOut, 'PodDisruptionBudget', 'causeway-collector'));
    expect(pdb.spec?.maxUnavailable).toBe(1);
  });

  it('defaults to the Strimzi cluster and users of deploy/strimzi', () => {
    const d = deployment(defaults, 'causeway-collector');
    expect(envVar(d, 'KAFKA_BROKERS')?.value).toBe(KAFKA_BOOTSTRAP);
    expect(envVar(d, 'KAFKA_SASL_USERNAME')?.value).toBe(COLLECTOR_USER);
    expect(envVar(d, 'COLLECTOR_GROUP_ID')?.value).toBe(COLLECTOR_GROUP);
    expect(envVar(d, 'KAFKA_SASL_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({
      name: COLLECTOR_USER,
      key: 'password',
    });
    const ca = d.spec?.template.spec?.volumes?.find((v) => v.name === 'kafka-ca');
    expect(ca?.secret?.secretName).toBe(KAFKA_CA_SECRET);
    for (const service of SHOP_SERVICE_NAMES) {
      const shop = deployment(scaleOut, `causeway-shop-${service}`);
      expect(envVar(shop, 'KAFKA_SASL_USERNAME')?.value).toBe(shopUser(service));
      expect(envVar(shop, 'KAFKA_SASL_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({
        name: shopUser(service),
        key: 'password',
      });
    }
  });

  it('mounts saga definitions from a ConfigMap the collector can read', () => {
    const file: unknown = JSON.parse(
      readFileSync(new URL('../collector/sagas/shop.sagas.json', import.meta.url), 'utf8'),
    );
    const objects = renderChart(['-f', valuesFile({ collector: { sagaDefinitions: file } })]);
    const cm = as<IConfigMap>(find(objects, 'ConfigMap', 'causeway-sagas'));
    expect(sagaDefinitionsFileSchema.safeParse(JSON.parse(cm.data?.['sagas.json'] ?? '')).success).toBe(true);
    expect(envVar(deployment(objects, 'causeway-collector'), 'SAGA_DEFINITIONS_FILE')?.value).toBe(
      '/etc/causeway/sagas/sagas.json',
    );
  });
});

describe('monitoring resources', () => {
  it('renders the PrometheusRule from the alert definitions, linking runbooks to this console', () => {
    const rule = as<IPrometheusRule>(find(scaleOut, 'PrometheusRule', 'causeway'));
    const source = parse(renderRulesFile({ consoleUrl: 'https://causeway.example.com' })) as {
      groups: unknown;
    };
    expect(rule.spec.groups).toEqual(source.groups);
  });

  it('ships the Grafana dashboard for the sidecar', () => {
    const cm = as<IConfigMap>(find(scaleOut, 'ConfigMap', 'causeway-dashboard'));
    expect(cm.metadata?.labels?.grafana_dashboard).toBe('1');
    const committed = readFileSync(
      new URL('../dashboards/grafana/causeway-overview.json', import.meta.url),
      'utf8',
    );
    expect(JSON.parse(cm.data?.['causeway-overview.json'] ?? '')).toEqual(JSON.parse(committed));
  });

  it('scrapes the collector and the shop on /metrics of their http ports', () => {
    const sm = as<IServiceMonitor>(find(scaleOut, 'ServiceMonitor', 'causeway-collector'));
    expect(sm.spec.endpoints?.[0]).toMatchObject({ port: 'http', path: '/metrics' });
    const pm = as<IPodMonitor>(find(scaleOut, 'PodMonitor', 'causeway-shop'));
    expect(pm.spec.podMetricsEndpoints?.[0]).toMatchObject({ port: 'http', path: '/metrics' });
  });
});
