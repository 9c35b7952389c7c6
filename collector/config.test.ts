import { describe, expect, it } from 'vitest';
import { ConfigError } from '../lib/config.ts';
import { loadCollectorConfig } from './config.ts';

describe('COLLECTOR_STORE_URL', () => {
  it('is unset by default (SQLite under DATA_DIR) and takes postgres:// and postgresql:// URLs', () => {
    expect(loadCollectorConfig({}).COLLECTOR_STORE_URL).toBeUndefined();
    for (const url of [
      'postgres://postgres@127.0.0.1:5432/causeway',
      'postgresql://u:p@db/causeway?sslmode=require',
    ])
      expect(loadCollectorConfig({ COLLECTOR_STORE_URL: url }).COLLECTOR_STORE_URL).toBe(url);
  });

  it('refuses anything else with a message naming the variable and what it wants', () => {
    for (const url of ['mysql://db/causeway', '/var/lib/causeway.db', 'postgres://', 'postgres:// host'])
      expect(() => loadCollectorConfig({ COLLECTOR_STORE_URL: url })).toThrow(ConfigError);
    expect(() => loadCollectorConfig({ COLLECTOR_STORE_URL: 'mysql://db' })).toThrow(
      /COLLECTOR_STORE_URL.*postgres:\/\/ or postgresql:\/\//s,
    );
  });
});
