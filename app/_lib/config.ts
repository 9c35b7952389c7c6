import { z } from 'zod';
import { parseEnv } from '../../lib/config.ts';

// Read on the console's server side at request time, so one build serves any deployment.
export const consoleEnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOSTNAME: z.string().default('127.0.0.1'),
  /** Where the console's server reaches the collector's REST API. */
  COLLECTOR_URL: z.string().url().default('http://127.0.0.1:4000'),
  /** Where browsers open the live-tail WebSocket; defaults to COLLECTOR_URL with ws://. */
  COLLECTOR_PUBLIC_URL: z.string().url().optional(),
});
export type ConsoleConfig = z.infer<typeof consoleEnvSchema>;

export const loadConsoleConfig = (env: Record<string, string | undefined> = process.env) =>
  parseEnv(consoleEnvSchema, env);
