import { z } from 'zod';
import { busEnvSchema, envBool, parseEnv } from '../lib/config.ts';

export const collectorEnvSchema = busEnvSchema.extend({
  COLLECTOR_HOST: z.string().default('127.0.0.1'),
  COLLECTOR_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  OTLP_PORT: z.coerce.number().int().min(0).max(65535).default(4318),
  COLLECTOR_GROUP_ID: z.string().min(1).default('causeway-collector'),
  /** Regex of topics to ingest; internal topics (`__*`) are always left out. */
  COLLECTOR_TOPIC_INCLUDE: z.string().default('.*'),
  COLLECTOR_TOPIC_EXCLUDE: z.string().optional(),
  COLLECTOR_DB_PATH: z.string().optional(),
  LAG_POLL_INTERVAL_MS: z.coerce.number().int().positive().default(5000),
  RETENTION_HOURS: z.coerce.number().positive().default(72),
  RETENTION_MAX_RECORDS: z.coerce.number().int().positive().default(2_000_000),
  MAX_VALUE_BYTES: z.coerce.number().int().positive().default(256 * 1024),
  OPERATOR_TOKEN: z.string().min(8).optional(),
  VIEWER_TOKEN: z.string().min(8).optional(),
  PROMETHEUS_URL: z.string().url().optional(),
  SAGA_DEFINITIONS_FILE: z.string().optional(),
  REPLAY_MAX_COUNT: z.coerce.number().int().positive().default(3),
  COLLECTOR_NATIVE_ALERTS: envBool(true),
});
export type CollectorConfig = z.infer<typeof collectorEnvSchema>;

export const loadCollectorConfig = (env: Record<string, string | undefined> = process.env) =>
  parseEnv(collectorEnvSchema, env);
