import pino, { type Logger } from 'pino';

export type { Logger };

// One root logger per process; components take a child (`logger.child({ component: 'lag' })`).
// Secrets and tokens are redacted wherever they appear in a logged object.
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? 'causeway',
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: {
      paths: [
        '*.password',
        '*.token',
        '*.authorization',
        '*.sasl',
        'password',
        'token',
        'authorization',
        'req.headers.authorization',
        'config.KAFKA_SASL_PASSWORD',
        'config.OPERATOR_TOKEN',
        'config.VIEWER_TOKEN',
        'config.SCHEMA_REGISTRY_PASSWORD',
        'config.MASKING_HASH_KEY',
      ],
      censor: '[redacted]',
    },
  });
}

/** A logger that drops everything, for tests that do not look at logs. */
export const silentLogger = (): Logger => pino({ level: 'silent' });
