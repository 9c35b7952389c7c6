import { tailGroupId } from '../../lib/bus/types.ts';
import { dltTopic, retryTopic, SHOP_PARTITIONS } from '../../lib/events/shop-topics.ts';
import { SHOP_CONSUMED_TOPICS, shopTopicSpecs } from '../../shop-services/contract-extra.ts';
import { SHOP_SERVICE_NAMES, type ShopServiceName } from '../../shop-services/types.ts';
import { STRIMZI_API_VERSION } from './schemas/vendor.ts';
import { SHOP_ACCESS, topicName } from './shop-access.ts';

// The shop's production shape on Strimzi, built from the shop's own topic list (shopTopicSpecs)
// and its per-service access table, so a new topic or a new read cannot be forgotten here.
// deploy/generate.ts writes these objects to deploy/strimzi/*.yaml.

export const KAFKA_CLUSTER = 'causeway';
/** Strimzi names the bootstrap Service and the cluster CA Secret after the Kafka resource. */
export const KAFKA_BOOTSTRAP = `${KAFKA_CLUSTER}-kafka-bootstrap:9093`;
export const KAFKA_CA_SECRET = `${KAFKA_CLUSTER}-cluster-ca-cert`;
export const COLLECTOR_USER = 'causeway-collector';
export const COLLECTOR_GROUP = 'causeway-collector';
export const shopUser = (service: ShopServiceName): string => `shop-${service}`;
/** shop-services/index.ts: `${namespace}${name}-service`, and `-retry` for the retry consumer. */
export const shopGroups = (service: ShopServiceName): string[] => [
  `${service}-service`,
  `${service}-service-retry`,
];

/** A Kafka release Strimzi 1.2.0 supports (4.2.x and 4.3.x). */
export const KAFKA_VERSION = '4.3.1';
const REPLICAS = 3;
const DAY_MS = 24 * 3600_000;
/** Dead letters wait for an operator's replay; retries are only ever minutes old. */
const RETENTION_MS = { main: 7 * DAY_MS, retry: DAY_MS, dlt: 14 * DAY_MS };

type Manifest = Record<string, unknown>;
const labels = { 'strimzi.io/cluster': KAFKA_CLUSTER };

export function kafkaCluster(): Manifest[] {
  const pool = {
    apiVersion: STRIMZI_API_VERSION,
    kind: 'KafkaNodePool',
    metadata: { name: 'dual-role', labels },
    spec: {
      replicas: REPLICAS,
      roles: ['controller', 'broker'],
      storage: {
        type: 'jbod',
        volumes: [
          { id: 0, type: 'persistent-claim', size: '20Gi', deleteClaim: false, kraftMetadata: 'shared' },
        ],
      },
      resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { memory: '2Gi' } },
    },
  };
  const kafka = {
    apiVersion: STRIMZI_API_VERSION,
    kind: 'Kafka',
    metadata: { name: KAFKA_CLUSTER },
    spec: {
      kafka: {
        // KRaft with node pools is the only mode of Strimzi 1.x (no ZooKeeper, no opt-in annotations).
        // Pinned, so upgrading the operator does not roll the brokers onto a new Kafka unasked.
        version: KAFKA_VERSION,
        listeners: [
          { name: 'tls', port: 9093, type: 'internal', tls: true, authentication: { type: 'scram-sha-512' } },
        ],
        authorization: { type: 'simple' },
        config: {
          // Topics are KafkaTopic resources; a client's typo must fail, not create a stray topic.
          'auto.create.topics.enable': false,
          'default.replication.factor': REPLICAS,
          'min.insync.replicas': 2,
          'offsets.topic.replication.factor': REPLICAS,
          'transaction.state.log.replication.factor': REPLICAS,
          'transaction.state.log.min.isr': 2,
        },
      },
      entityOperator: { topicOperator: {}, userOperator: {} },
    },
  };
  return [pool, kafka];
}

function retentionOf(topic: string): number {
  if (topic.endsWith('-retry')) return RETENTION_MS.retry;
  if (topic.endsWith('-dlt')) return RETENTION_MS.dlt;
  return RETENTION_MS.main;
}

export function kafkaTopics(): Manifest[] {
  return shopTopicSpecs('', SHOP_PARTITIONS).map((spec) => {
    const compacted = spec.configs?.['cleanup.policy'] === 'compact';
    return {
      apiVersion: STRIMZI_API_VERSION,
      kind: 'KafkaTopic',
      // Every shop topic name is already a valid Kubernetes name (lower case, dots and dashes).
      metadata: { name: spec.topic, labels },
      spec: {
        partitions: spec.numPartitions,
        replicas: REPLICAS,
        config: {
          ...spec.configs,
          'min.insync.replicas': 2,
          // A compacted topic keeps the latest value per key for ever; retention would delete it.
          ...(compacted ? {} : { 'retention.ms': retentionOf(spec.topic) }),
        },
      },
    };
  });
}

type Op = 'Read' | 'Write' | 'Describe' | 'Delete';
interface Acl {
  resource: { type: 'topic' | 'group' | 'cluster'; name?: string; patternType?: 'literal' | 'prefix' };
  operations: Op[];
}
const topicAcl = (name: string, operations: Op[]): Acl => ({
  resource: { type: 'topic', name, patternType: 'literal' },
  operations,
});
const groupAcl = (name: string, operations: Op[]): Acl => ({
  resource: { type: 'group', name, patternType: 'literal' },
  operations,
});

const user = (name: string, acls: Acl[]): Manifest => ({
  apiVersion: STRIMZI_API_VERSION,
  kind: 'KafkaUser',
  metadata: { name, labels },
  spec: { authentication: { type: 'scram-sha-512' }, authorization: { type: 'simple', acls } },
});

/**
 * A service reads its topics and their retry companions, writes its topics, and writes the retry
 * and dead-letter companions of what it reads. At start-up every service checks that all shop
 * topics exist (ensureTopics lists them), and a topic it may not describe looks missing: so
 * Describe on every shop topic, and nothing else on the others.
 */
function shopAcls(service: ShopServiceName): Acl[] {
  const { reads, writes } = SHOP_ACCESS[service];
  const ops = new Map<string, Set<Op>>(shopTopicSpecs('', SHOP_PARTITIONS).map((s) => [s.topic, new Set()]));
  const grant = (topic: string, ...granted: Op[]) => {
    const set = ops.get(topic);
    if (!set) throw new Error(`${service} uses ${topic}, which is not a shop topic`);
    for (const op of ['Describe', ...granted] as Op[]) set.add(op);
  };
  for (const topic of ops.keys()) grant(topic);
  for (const t of reads.map(topicName)) {
    grant(t, 'Read');
    grant(retryTopic(t), 'Read', 'Write');
    grant(dltTopic(t), 'Write');
  }
  for (const t of writes.map(topicName)) grant(t, 'Write');
  const order: Op[] = ['Read', 'Write', 'Describe'];
  return [
    ...[...ops].map(([topic, set]) =>
      topicAcl(
        topic,
        order.filter((op) => set.has(op)),
      ),
    ),
    ...shopGroups(service).map((g) => groupAcl(g, ['Read'])),
  ];
}

/**
 * The collector reads every topic with its own group, describes every group and the cluster for
 * lag (ListGroups needs cluster Describe), and writes only to replay targets: the topics whose
 * dead letters it can replay, i.e. the shop's consumed topics. Its live-tail readers (several
 * collectors: lib/bus `tail`) run in throwaway groups `<group>-tail-<random>` that they delete
 * when they stop: Delete on those alone.
 */
function collectorAcls(): Acl[] {
  return [
    topicAcl('*', ['Read', 'Describe']),
    groupAcl(COLLECTOR_GROUP, ['Read', 'Describe']),
    {
      resource: { type: 'group', name: tailGroupId(COLLECTOR_GROUP, ''), patternType: 'prefix' },
      operations: ['Read', 'Describe', 'Delete'],
    },
    groupAcl('*', ['Describe']),
    { resource: { type: 'cluster' }, operations: ['Describe'] },
    ...SHOP_CONSUMED_TOPICS.map((t) => topicAcl(t, ['Write'])),
  ];
}

export function kafkaUsers(): Manifest[] {
  return [
    user(COLLECTOR_USER, collectorAcls()),
    ...SHOP_SERVICE_NAMES.map((s) => user(shopUser(s), shopAcls(s))),
  ];
}
