import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Store } from '../types.ts';
import { createPostgresStore } from './index.ts';

// A database of its own for a test, on the server `adminUrl` points at (any database there):
// created empty, dropped (with its connections) by `drop`.

export async function createTestPgDatabase(adminUrl: string) {
  const name = `causeway_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = async (text: string) => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(text);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  return {
    name,
    url,
    open: (member?: string): Promise<Store> => createPostgresStore({ url, member }),
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
