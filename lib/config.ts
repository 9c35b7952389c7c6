import { z } from 'zod';

// Environment parsing shared by every process. Each process's own `config.ts` extends
// `busEnvSchema` and calls `parseEnv` once at boot, so a wrong variable stops the process with a
// message that names it, instead of failing later somewhere deep.

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const envBool = (fallback: boolean) => bool.optional().transform((v) => v ?? fallback);

export const busEnvSchema = z.object({
  /** Comma-separated bootstrap servers. Empty or unset: the embedded in-process bus. */
  KAFKA_BROKERS: z.string().optional(),
  KAFKA_CLIENT_ID: z.string().min(1).optional(),
  KAFKA_SSL: envBool(false),
  KAFKA_SSL_CA_FILE: z.string().optional(),
  KAFKA_SSL_CERT_FILE: z.string().optional(),
  KAFKA_SSL_KEY_FILE: z.string().optional(),
  KAFKA_SSL_REJECT_UNAUTHORIZED: envBool(true),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  /** Embedded bus retention per partition (records) and by age (ms). */
  EMBEDDED_RETENTION_RECORDS: z.coerce.number().int().positive().default(200_000),
  EMBEDDED_RETENTION_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(24 * 3600_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().default('./data'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
});
export type BusEnv = z.infer<typeof busEnvSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses `env` with `schema`; throws a ConfigError listing every bad variable and what it wants. */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): Readonly<z.infer<S>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration, set these environment variables:\n${lines.join('\n')}`);
  }
  return Object.freeze(result.data);
}

/** Keys a zod object schema accepts; the compose test checks every env name against these. */
export function envNames(schema: z.ZodObject): string[] {
  return Object.keys(schema.shape);
}
