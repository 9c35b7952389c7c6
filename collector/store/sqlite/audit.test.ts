import { describe, expect, it } from 'vitest';
import { createSqliteStore } from './index.ts';

// The audit log as the Store port promises it (a PostgreSQL adapter must answer the same).

describe('audit log (store port)', () => {
  it('appends entries and lists them newest first, by target and in pages', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    try {
      const entry = (at: number, target: string) => ({
        at,
        action: 'unmask' as const,
        identity: 'operator',
        actor: at === 1 ? 'alice' : null,
        remoteAddr: '127.0.0.1',
        target,
        reason: at === 1 ? 'ticket-1' : null,
      });
      const first = await store.audit.append(entry(1, 't:0:1'));
      expect(first).toMatchObject({ id: expect.any(Number) as number, actor: 'alice', reason: 'ticket-1' });
      await store.audit.append(entry(2, 't:0:2'));
      await store.audit.append(entry(3, 't:0:1'));
      expect((await store.audit.list({ limit: 10 })).map((e) => e.at)).toEqual([3, 2, 1]);
      expect((await store.audit.list({ limit: 10, target: 't:0:1' })).map((e) => e.at)).toEqual([3, 1]);
      const page1 = await store.audit.list({ limit: 2 });
      const page2 = await store.audit.list({ limit: 2, beforeId: page1.at(-1)!.id });
      expect([...page1, ...page2].map((e) => e.at)).toEqual([3, 2, 1]);
      // Retention never touches it.
      await store.enforceRetention({ olderThan: Date.now() + 1e9, maxRecords: 0, maxDeletes: 1000 });
      expect(await store.audit.list({ limit: 10 })).toHaveLength(3);
    } finally {
      await store.close();
    }
  });
});
