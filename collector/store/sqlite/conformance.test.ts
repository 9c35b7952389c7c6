import { afterEach, describe } from 'vitest';
import { storeConformance } from '../conformance.ts';
import type { Store } from '../types.ts';
import { createSqliteStore } from './index.ts';

// The Store port's contract (../conformance.ts) on the embedded store, in memory.
const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

describe('Store port: SQLite', () => {
  storeConformance(() => {
    const s = createSqliteStore({ path: ':memory:' });
    stores.push(s);
    return Promise.resolve(s);
  });
});
