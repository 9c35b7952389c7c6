// The generated files under deploy/ and the Strimzi manifests, checked offline: each committed
// file must equal what deploy/generate.ts makes from its source now, and every Strimzi object
// must validate against the schema of its CRD (vendored from Strimzi's own generator, see
// strimzi/schemas/vendor.ts), read strictly: a field the CRD does not declare is an error here,
// where the API server would silently prune it.
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { SHOP_PARTITIONS, SHOP_TOPICS, dltTopic, retryTopic } from '../lib/events/shop-topics.ts';
import { SHOP_CONSUMED_TOPICS, shopTopicSpecs, type ShopTopicKey } from '../shop-services/contract-extra.ts';
import { SHOP_SERVICE_NAMES } from '../shop-services/types.ts';
import { deployPath, generatedFiles } from './generate.ts';
import { COLLECTOR_GROUP, COLLECTOR_USER, KAFKA_CLUSTER, shopGroups, shopUser } from './strimzi/manifests.ts';
import {
  schemaFile,
  STRIMZI_API_VERSION,
  STRIMZI_KINDS,
  type StrimziKind,
} from './strimzi/schemas/vendor.ts';
import { SHOP_ACCESS } from './strimzi/shop-access.ts';

interface Acl {
  resource: { type: string; name?: string };
  operations: string[];
}
interface StrimziObject {
  apiVersion: string;
  kind: StrimziKind;
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    partitions?: number;
    config?: Record<string, unknown>;
    authorization?: { acls: Acl[] };
  };
}

const manifests = (file: string): StrimziObject[] =>
  parseAllDocuments(readFileSync(deployPath(`strimzi/${file}`), 'utf8')).map(
    (d) => d.toJS() as StrimziObject,
  );
const objects = ['kafka.yaml', 'topics.yaml', 'users.yaml'].flatMap(manifests);

/**
 * A structural CRD schema closes nothing: the API server prunes unknown fields instead of
 * refusing them. For a test that must catch a misspelt field, every object schema that lists its
 * properties is closed, unless it says it keeps unknown fields.
 */
function closed(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closed);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = Object.fromEntries(
    Object.entries(node).map(([k, v]) => [k, closed(v)]),
  );
  if (
    out.properties &&
    !out['x-kubernetes-preserve-unknown-fields'] &&
    out.additionalProperties === undefined
  )
    out.additionalProperties = false;
  return out;
}

// strict: false lets the Kubernetes extensions (x-kubernetes-*) through as annotations.
const ajv = new Ajv({ strict: false, allErrors: true });
const validators = Object.fromEntries(
  (Object.keys(STRIMZI_KINDS) as StrimziKind[]).map((kind) => {
    const vendored = JSON.parse(readFileSync(schemaFile(kind), 'utf8')) as { schema: object };
    return [kind, ajv.compile(closed(vendored.schema) as object)];
  }),
) as Record<StrimziKind, ValidateFunction>;

function problems(o: StrimziObject): string[] {
  const id = `${o.kind}/${o.metadata.name}`;
  const validate = validators[o.kind];
  if (!validate) return [`${id}: no vendored schema for this kind`];
  if (validate(o)) return [];
  return (validate.errors ?? []).map(
    (e) => `${id} ${e.instancePath}: ${e.message} ${JSON.stringify(e.params)}`,
  );
}

describe('generated files under deploy/', () => {
  it.each(Object.entries(generatedFiles()))('%s is up to date with its source', (relative, fresh) => {
    const committed = readFileSync(deployPath(relative), 'utf8');
    expect(committed === fresh, `deploy/${relative} is stale: run \`node deploy/generate.ts\``).toBe(true);
  });
});

describe('Strimzi manifests', () => {
  it(`use ${STRIMZI_API_VERSION} and validate against the vendored CRD schemas`, () => {
    expect(new Set(objects.map((o) => o.kind))).toEqual(new Set(Object.keys(STRIMZI_KINDS)));
    for (const o of objects) {
      expect(o.apiVersion).toBe(STRIMZI_API_VERSION);
      expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
      if (o.kind !== 'Kafka')
        expect(o.metadata.labels?.['strimzi.io/cluster'], o.metadata.name).toBe(KAFKA_CLUSTER);
    }
    expect(objects.flatMap(problems)).toEqual([]);
  });

  it('refuse a misspelt field, a wrong enum and an out-of-range number (so the check above can fail)', () => {
    const topic = structuredClone(objects.find((o) => o.kind === 'KafkaTopic')!);
    topic.spec.partitions = 0;
    (topic.spec as Record<string, unknown>).replica = 3;
    const user = structuredClone(objects.find((o) => o.kind === 'KafkaUser')!);
    user.spec.authorization!.acls[0]!.operations = ['Reed'];
    const found = [...problems(topic), ...problems(user)].join('\n');
    expect(found).toMatch(/\/spec\/partitions: must be >= 1/);
    expect(found).toMatch(/must NOT have additional properties \{"additionalProperty":"replica"\}/);
    expect(found).toMatch(
      /\/spec\/authorization\/acls\/0\/operations\/0: must be equal to one of the allowed values/,
    );
  });

  it('run Kafka in KRaft on a node pool, with a TLS listener and SCRAM-SHA-512', () => {
    const pool = objects.find((o) => o.kind === 'KafkaNodePool') as unknown as { spec: { roles: string[] } };
    expect(pool.spec.roles.sort()).toEqual(['broker', 'controller']);
    const kafka = objects.find((o) => o.kind === 'Kafka') as unknown as {
      spec: { kafka: { listeners: { tls: boolean; authentication: { type: string } }[] } };
    };
    expect(kafka.spec.kafka.listeners).toEqual([
      expect.objectContaining({ tls: true, authentication: { type: 'scram-sha-512' } }),
    ]);
  });

  it('declare every shop topic with its partitions, compaction where the shop compacts', () => {
    const topics = objects.filter((o) => o.kind === 'KafkaTopic');
    const specs = shopTopicSpecs('', SHOP_PARTITIONS);
    expect(topics.map((t) => t.metadata.name).sort()).toEqual(specs.map((s) => s.topic).sort());
    for (const s of specs) {
      const t = topics.find((x) => x.metadata.name === s.topic)!;
      expect(t.spec.partitions, s.topic).toBe(s.numPartitions);
      const compacted = s.configs?.['cleanup.policy'] === 'compact';
      expect(t.spec.config?.['cleanup.policy'], s.topic).toBe(compacted ? 'compact' : undefined);
      expect(t.spec.config?.['retention.ms'] === undefined, s.topic).toBe(compacted);
    }
    expect(topics.find((t) => t.metadata.name === SHOP_TOPICS.customerProfiles)?.spec.config).toMatchObject({
      'cleanup.policy': 'compact',
    });
  });
});

describe('KafkaUsers', () => {
  const users = objects.filter((o) => o.kind === 'KafkaUser');
  const acls = (name: string): Acl[] =>
    users.find((u) => u.metadata.name === name)?.spec.authorization?.acls ?? [];
  const topicsWith = (name: string, op: string): string[] =>
    acls(name)
      .filter((a) => a.resource.type === 'topic' && a.operations.includes(op))
      .map((a) => a.resource.name ?? '')
      .sort();

  /** What a service's source reads (`topics: [...]`) and writes (`topic: topics.x`). */
  function accessInSource(service: string): { reads: string[]; writes: string[] } {
    const source = readFileSync(new URL(`../shop-services/${service}/service.ts`, import.meta.url), 'utf8');
    const keys = (text: string) => [...text.matchAll(/topics\.(\w+)/g)].map((m) => m[1] as ShopTopicKey);
    const reads = [...source.matchAll(/topics:\s*\[([^\]]*)\]/g)].flatMap((m) => keys(m[1] ?? ''));
    const writes = [...source.matchAll(/topic:\s*topics\.(\w+)/g)].map((m) => m[1] as ShopTopicKey);
    return { reads: [...new Set(reads)].sort(), writes: [...new Set(writes)].sort() };
  }

  it.each(SHOP_SERVICE_NAMES)(
    '%s: the access table matches what the service code reads and writes',
    (service) => {
      const table = SHOP_ACCESS[service];
      expect(accessInSource(service)).toEqual({
        reads: [...table.reads].sort(),
        writes: [...table.writes].sort(),
      });
    },
  );

  it('grant the consumer groups the shop really uses', () => {
    // shop-services/index.ts names a service's group, consumer.ts its retry group.
    const index = readFileSync(new URL('../shop-services/index.ts', import.meta.url), 'utf8');
    const consumer = readFileSync(new URL('../shop-services/runtime/consumer.ts', import.meta.url), 'utf8');
    expect(index).toContain('groupId: `${namespace}${name}-service`');
    expect(consumer).toContain('groupId: `${groupId}-retry`');
    expect(shopGroups('payment')).toEqual(['payment-service', 'payment-service-retry']);
  });

  it.each(SHOP_SERVICE_NAMES)(
    '%s: reads and writes exactly its own topics, describes all shop topics',
    (service) => {
      const name = shopUser(service);
      const { reads, writes } = SHOP_ACCESS[service];
      const read = reads.map((k) => SHOP_TOPICS[k]);
      expect(topicsWith(name, 'Read')).toEqual([...read, ...read.map(retryTopic)].sort());
      expect(topicsWith(name, 'Write')).toEqual(
        [
          ...new Set([...writes.map((k) => SHOP_TOPICS[k]), ...read.map(retryTopic), ...read.map(dltTopic)]),
        ].sort(),
      );
      expect(topicsWith(name, 'Describe')).toEqual(
        shopTopicSpecs('', SHOP_PARTITIONS)
          .map((s) => s.topic)
          .sort(),
      );
      const groups = acls(name).filter((a) => a.resource.type === 'group');
      expect(groups.map((g) => [g.resource.name, g.operations])).toEqual(
        shopGroups(service).map((g) => [g, ['Read']]),
      );
      expect(acls(name).some((a) => a.resource.type === 'cluster')).toBe(false);
    },
  );

  it('let the collector read everything and write only to replay targets', () => {
    expect(topicsWith(COLLECTOR_USER, 'Read')).toEqual(['*']);
    expect(topicsWith(COLLECTOR_USER, 'Write')).toEqual([...SHOP_CONSUMED_TOPICS].sort());
    const groups = acls(COLLECTOR_USER).filter((a) => a.resource.type === 'group');
    expect(groups.find((g) => g.resource.name === '*')?.operations).toEqual(['Describe']);
    expect(acls(COLLECTOR_USER).flatMap((a) => a.operations)).not.toContain('Create');
    // Delete only on its live-tail readers' throwaway groups (lib/bus `tail`), which it removes on stop.
    expect(acls(COLLECTOR_USER).filter((a) => a.operations.includes('Delete'))).toEqual([
      {
        resource: { type: 'group', name: `${COLLECTOR_GROUP}-tail-`, patternType: 'prefix' },
        operations: ['Read', 'Describe', 'Delete'],
      },
    ]);
  });
});
