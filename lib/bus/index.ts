import type { BusEnv } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createEmbeddedBus } from './embedded.ts';
import { createKafkaBus } from './kafka.ts';
import type { Bus } from './types.ts';

export * from './types.ts';
export { createEmbeddedBus } from './embedded.ts';
export { createKafkaBus } from './kafka.ts';

/** Kafka when KAFKA_BROKERS is set, the embedded bus otherwise: one code path either way. */
export function createBusFromEnv(env: BusEnv, logger?: Logger, clientId?: string): Bus {
  const brokers = (env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (!brokers.length)
    return createEmbeddedBus({
      retentionRecords: env.EMBEDDED_RETENTION_RECORDS,
      retentionMs: env.EMBEDDED_RETENTION_MS,
    });
  const tlsFiles = env.KAFKA_SSL_CA_FILE || env.KAFKA_SSL_CERT_FILE || env.KAFKA_SSL_KEY_FILE;
  return createKafkaBus({
    brokers,
    clientId: clientId ?? env.KAFKA_CLIENT_ID ?? 'causeway',
    ...(logger && { logger }),
    ...((env.KAFKA_SSL || tlsFiles) && {
      ssl: {
        rejectUnauthorized: env.KAFKA_SSL_REJECT_UNAUTHORIZED,
        ...(env.KAFKA_SSL_CA_FILE && { ca: env.KAFKA_SSL_CA_FILE }),
        ...(env.KAFKA_SSL_CERT_FILE && { cert: env.KAFKA_SSL_CERT_FILE }),
        ...(env.KAFKA_SSL_KEY_FILE && { key: env.KAFKA_SSL_KEY_FILE }),
      },
    }),
    ...(env.KAFKA_SASL_MECHANISM && {
      sasl: {
        mechanism: env.KAFKA_SASL_MECHANISM,
        username: env.KAFKA_SASL_USERNAME ?? '',
        password: env.KAFKA_SASL_PASSWORD ?? '',
      },
    }),
  });
}
