import { expect, it } from 'vitest';
import { chainRow, dlqEntry, newRecord, sagaRow } from './testing.ts';
import type { AlertActionRow, NewAuditEntry, Store } from './types.ts';

// Store-port cases for what operators leave behind (dead-letter resolutions, the audit log, alert
// silences and acknowledgements), the list filters by start time, and search over decoded values.
// Run by storeConformance (conformance.ts) on every backend.

type OpenStore = () => Promise<Store>;

const auditEntry = (at: number, target: string): NewAuditEntry => ({
  at,
  action: 'unmask',
  identity: 'operator',
  actor: at === 1 ? 'alice' : null,
  remoteAddr: '127.0.0.1',
  target,
  reason: at === 1 ? 'ticket-1' : null,
});

const alertAction = (id: string, patch: Partial<AlertActionRow>): AlertActionRow => ({
  id,
  kind: 'silence',
  matchers: [{ name: 'alertname', value: 'DlqDepth' }],
  startsAt: 1000,
  endsAt: null,
  comment: 'looking into it',
  createdBy: 'op',
  via: 'native',
  externalId: null,
  ...patch,
});

export function operatorConformance(open: OpenStore): void {
  it('records resolutions of a dead letter oldest first and marks the entry resolved', async () => {
    const s = await open();
    await s.transaction(async (tx) => {
      for (let i = 1; i <= 3; i++) await tx.dlq.insert(dlqEntry(i));
    });
    const resolution = (id: string, at: number, action: 'resolved' | 'discarded') => ({
      id,
      entryId: 'e1',
      action,
      reason: `why ${id}`,
      resolvedBy: 'op',
      resolvedAt: at,
    });
    await s.transaction((tx) => tx.dlq.resolve(resolution('x2', 2000, 'discarded')));
    await s.transaction((tx) => tx.dlq.resolve(resolution('x1', 1500, 'resolved')));
    expect(await s.dlq.resolutions('e1')).toEqual([
      resolution('x1', 1500, 'resolved'),
      resolution('x2', 2000, 'discarded'),
    ]);
    expect(await s.dlq.resolutions('e2')).toEqual([]);
    expect((await s.dlq.get('e1'))?.status).toBe('resolved');
    expect((await s.dlq.get('e2'))?.status).toBe('unresolved');
    expect(await s.dlq.depth()).toEqual([{ dlqTopic: 'orders.DLT', depth: 2, oldest: 1000 }]);
    // A failed transaction leaves neither the row nor the status behind.
    await expect(
      s.transaction(async (tx) => {
        await tx.dlq.resolve({ ...resolution('x3', 3000, 'resolved'), entryId: 'e2' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await s.dlq.resolutions('e2')).toEqual([]);
    expect((await s.dlq.get('e2'))?.status).toBe('unresolved');
  });

  it('appends audit entries and lists them newest first, by target and in pages; retention keeps them', async () => {
    const s = await open();
    const first = await s.audit.append(auditEntry(1, 't:0:1'));
    expect(first).toEqual({ ...auditEntry(1, 't:0:1'), id: expect.any(Number) as number });
    await s.transaction((tx) => tx.audit.append(auditEntry(2, 't:0:2')));
    await s.audit.append(auditEntry(3, 't:0:1'));
    expect((await s.audit.list({ limit: 10 })).map((e) => e.at)).toEqual([3, 2, 1]);
    expect((await s.audit.list({ limit: 10, target: 't:0:1' })).map((e) => e.at)).toEqual([3, 1]);
    expect(await s.audit.list({ limit: 10, target: 't:0:9' })).toEqual([]);
    const page1 = await s.audit.list({ limit: 2 });
    const page2 = await s.audit.list({ limit: 2, beforeId: page1.at(-1)!.id });
    expect([...page1, ...page2].map((e) => e.at)).toEqual([3, 2, 1]);
    expect(await s.audit.list({ limit: 2, beforeId: first.id })).toEqual([]);
    await s.enforceRetention({ olderThan: Date.now() + 1e9, maxRecords: 0, maxDeletes: 1000 });
    expect(await s.audit.list({ limit: 10 })).toHaveLength(3);
  });

  it('answers current silences and recent acknowledgements, newest first', async () => {
    const s = await open();
    const rows = [
      alertAction('s-active', { startsAt: 1000, endsAt: 9000, via: 'alertmanager', externalId: 'am-1' }),
      alertAction('s-ended', { startsAt: 1100, endsAt: 4000 }),
      alertAction('a-old', { kind: 'ack', startsAt: 1200 }),
      alertAction('a-new', { kind: 'ack', startsAt: 3000, matchers: [{ name: 'topic', value: 'o"r\\d' }] }),
    ];
    await s.transaction(async (tx) => {
      for (const r of rows) await tx.alertActions.insert(r);
    });
    expect(await s.alertActions.current(5000, 2000)).toEqual([rows[3], rows[0]]);
    expect((await s.alertActions.current(9000, 0)).map((a) => a.id)).toEqual(['a-new', 'a-old']);
  });

  it('filters chains and sagas by when they started', async () => {
    const s = await open();
    await s.transaction(async (tx) => {
      for (let i = 0; i < 6; i++) {
        await tx.chains.put(chainRow(`c${i}`, { firstTs: 1000 + i * 100 }));
        await tx.sagas.put(sagaRow(`s${i}`, { startedAt: 1000 + i * 100 }));
      }
    });
    const base = { now: 10_000, stoppedAfterMs: 60_000 };
    const page = { cursor: null, limit: 50 };
    const chains = await s.chains.list({ ...base, startedAfter: 1200, startedBefore: 1400 }, page);
    expect(chains.items.map((c) => c.id)).toEqual(['c4', 'c3', 'c2']);
    const sagas = await s.sagas.list({ startedAfter: 1300 }, page);
    expect(sagas.items.map((x) => x.id)).toEqual(['s5', 's4', 's3']);
    const between = await s.sagas.list({ startedAfter: 1100, startedBefore: 1200 }, page);
    expect(between.items.map((x) => x.id)).toEqual(['s2', 's1']);
  });

  it('searches a decoded value in place of the raw bytes, and does not store the decoded text', async () => {
    const s = await open();
    await s.transaction(async (tx) => {
      await tx.records.insert(
        newRecord(1, {
          value: Buffer.from([0x02, 0x0a, 0x72, 0x61, 0x77]),
          valueKind: 'binary',
          decodedText: '{"sku":"decoded-sku-77"}',
        }),
      );
      await tx.records.insert(
        newRecord(2, { value: Buffer.from('rawword'), valueKind: 'text', decodedText: '{"note":"other"}' }),
      );
    });
    const search = async (q: string) =>
      (await s.records.list({ q }, { cursor: null, limit: 10 })).items.map((r) => r.offset);
    expect(await search('sku-77')).toEqual([1]);
    expect(await search('other')).toEqual([2]);
    expect(await search('rawword')).toEqual([]);
    const stored = await s.records.get('t', 0, 1);
    expect(stored?.value).toEqual(Buffer.from([0x02, 0x0a, 0x72, 0x61, 0x77]));
    expect(stored).not.toHaveProperty('decodedText');
  });
}
