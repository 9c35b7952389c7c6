import { z } from 'zod';
import { busEnvSchema, envBool, parseEnv } from '../lib/config.ts';

const csv = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );

export const collectorEnvSchema = busEnvSchema.extend({
  COLLECTOR_HOST: z.string().default('127.0.0.1'),
  COLLECTOR_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  OTLP_PORT: z.coerce.number().int().min(0).max(65535).default(4318),
  COLLECTOR_GROUP_ID: z.string().min(1).default('causeway-collector'),
  /** Regex of topics to ingest; internal topics (`__*`) are always left out. */
  COLLECTOR_TOPIC_INCLUDE: z.string().default('.*'),
  COLLECTOR_TOPIC_EXCLUDE: z.string().optional(),
  COLLECTOR_DB_PATH: z.string().optional(),
  /**
   * A PostgreSQL store several collectors share (`postgres://user:pass@host:5432/db`); unset, the
   * embedded SQLite store at COLLECTOR_DB_PATH. Collectors with the same COLLECTOR_GROUP_ID and
   * store split the partitions between them and elect one to run the singletons.
   */
  COLLECTOR_STORE_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || /^postgres(ql)?:\/\/[^\s]+$/i.test(v), {
      message: 'must be a postgres:// or postgresql:// URL (unset: SQLite under DATA_DIR)',
    }),
  LAG_POLL_INTERVAL_MS: z.coerce.number().int().positive().default(5000),
  RETENTION_HOURS: z.coerce.number().positive().default(72),
  RETENTION_MAX_RECORDS: z.coerce.number().int().positive().default(2_000_000),
  MAX_VALUE_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(256 * 1024),
  OPERATOR_TOKEN: z.string().min(8).optional(),
  VIEWER_TOKEN: z.string().min(8).optional(),
  PROMETHEUS_URL: z.string().url().optional(),
  /** Silences go to this Alertmanager's API v2 (and are audited here too); unset: native silences. */
  ALERTMANAGER_URL: z.string().url().optional(),
  SAGA_DEFINITIONS_FILE: z.string().optional(),
  REPLAY_MAX_COUNT: z.coerce.number().int().positive().default(3),
  COLLECTOR_NATIVE_ALERTS: envBool(true),
  /**
   * Multiplies every alert's `for:` and `keep_firing_for:` in the native evaluation. 1 in
   * production; end-to-end tests use a small factor so a two-minute `for:` takes seconds.
   */
  ALERT_DURATION_SCALE: z.coerce.number().positive().max(1).default(1),
  /** How often the native evaluator samples the metrics (Prometheus' evaluation_interval). */
  ALERT_EVAL_INTERVAL_MS: z.coerce.number().int().positive().default(5000),
  /** Event types that end a business flow (the chain is complete once one arrived...). */
  CHAIN_TERMINAL_TYPES: csv('OrderConfirmed,OrderCancelled'),
  /** ...and, when this list is not empty, once one of these followed it (event time ≥ the terminal's). */
  CHAIN_FINAL_TYPES: csv('NotificationSent'),
  /**
   * Terminal types that end a flow unsuccessfully: a chain ending in one is complete but its
   * outcome is failed (shown beside completeness, never green). The reason is the record's
   * `reason` field, else its saga's.
   */
  CHAIN_FAILURE_TYPES: csv('OrderCancelled'),
  /** A chain with no new record for this long and no terminal event is reported `stopped`. */
  CHAIN_STOPPED_AFTER_MS: z.coerce.number().int().positive().default(60_000),
  /** An event whose ce_time is older than its broker timestamp by more than this is `late`. */
  LATE_EVENT_THRESHOLD_MS: z.coerce.number().int().positive().default(60_000),
  /** Extra dead-letter topic suffixes besides -dlt, .DLT, -dlq, .dlq, _dlq, _dlt. */
  DLQ_TOPIC_SUFFIXES: csv(''),
  /** How often sagas are checked for passed deadlines (STUCK) and retention runs. */
  MAINTENANCE_INTERVAL_MS: z.coerce.number().int().positive().default(2000),
  /** A saga is STUCK once its deadline passed by this much with no transition (lets an orchestrator act first). */
  SAGA_STUCK_GRACE_MS: z.coerce.number().int().nonnegative().default(2000),
  /** Live-tail records kept per WebSocket client before the oldest are dropped. */
  WS_CLIENT_BUFFER: z.coerce.number().int().positive().default(1000),
  /** Window over which the topology computes rates. */
  TOPOLOGY_WINDOW_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(5 * 60_000),
  /**
   * Records per hand-over from the consumer to the engine at most (on Kafka a record batch is not
   * split: one larger than this is a hand-over by itself).
   */
  COLLECTOR_MAX_BATCH_RECORDS: z.coerce.number().int().positive().default(2000),
  /** Kafka consumer session timeout: how long a crashed collector holds its partitions. */
  COLLECTOR_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).default(30_000),
  /** Store and derive on a worker thread (file stores only); false keeps it on the main thread. */
  COLLECTOR_INGEST_WORKER: envBool(true),
  /**
   * Records landed (stored as fetched, offsets committed) but not yet indexed, past which fetching
   * waits for indexing: bounds the disk a long catch-up can take before Kafka's own lag grows.
   */
  COLLECTOR_MAX_UNINDEXED: z.coerce.number().int().positive().default(2_000_000),
  /** JSON masking policy (collector/masking/policy.ts); unset: the built-in card and e-mail rules. */
  MASKING_POLICY_FILE: z.string().optional(),
  /** HMAC key for the `hash` action; unset: a random key per process (hashes change on restart). */
  MASKING_HASH_KEY: z.string().min(16).optional(),
  /** Confluent-compatible schema registry (collector/schemas); unset: local schema files only. */
  SCHEMA_REGISTRY_URL: z.string().url().optional(),
  SCHEMA_REGISTRY_USERNAME: z.string().optional(),
  SCHEMA_REGISTRY_PASSWORD: z.string().optional(),
  SCHEMA_REGISTRY_CA_FILE: z.string().optional(),
  SCHEMA_REGISTRY_CERT_FILE: z.string().optional(),
  SCHEMA_REGISTRY_KEY_FILE: z.string().optional(),
  SCHEMA_REGISTRY_REJECT_UNAUTHORIZED: envBool(true),
  SCHEMA_REGISTRY_TIMEOUT_MS: z.coerce.number().int().positive().max(60_000).default(3000),
  /** JSON file mapping topics / schema ids to .avsc, .proto and JSON Schema files. */
  SCHEMA_FILES_CONFIG: z.string().optional(),
  /**
   * Bytes one Kafka record batch may expand to when decompressed; a batch past it (a compression
   * bomb) is kept as one record holding its bytes, with a problem saying why.
   */
  COLLECTOR_MAX_BATCH_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .default(64 * 1024 * 1024),
});
export type CollectorConfig = z.infer<typeof collectorEnvSchema>;

export const loadCollectorConfig = (env: Record<string, string | undefined> = process.env) =>
  parseEnv(collectorEnvSchema, env);
