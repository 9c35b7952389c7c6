import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { colNum, openServiceDb, type ServiceDb } from '../runtime/db.ts';
import { INITIAL_STOCK, createInventoryStore, type InventoryStore } from './store.ts';

describe('inventory store', () => {
  let dir: string;
  let db: ServiceDb;
  let store: InventoryStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'inventory-store-'));
    db = openServiceDb(dir, 'inventory');
    store = createInventoryStore(db);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const available = (sku: string) =>
    colNum(db.db.prepare('SELECT available FROM stock WHERE sku = ?').get(sku)!, 'available');

  it('release twice = one release', () => {
    store.reserve(
      'o-1',
      [
        { sku: 'a', qty: 3, price: 1 },
        { sku: 'a', qty: 2, price: 1 },
      ],
      1,
    );
    expect(available('a')).toBe(INITIAL_STOCK - 5);
    expect(store.release('o-1', 2).restocked).toBe(true);
    expect(store.release('o-1', 3).restocked).toBe(false);
    expect(available('a')).toBe(INITIAL_STOCK);
    expect(store.get('o-1')?.status).toBe('released');
  });

  it('reserves all lines or none', () => {
    const r = store.reserve(
      'o-2',
      [
        { sku: 'b', qty: 1, price: 1 },
        { sku: 'c', qty: INITIAL_STOCK + 1, price: 1 },
      ],
      1,
    );
    expect(r.status).toBe('failed');
    expect(r.reason).toContain('insufficient stock for c');
    expect(available('b')).toBe(INITIAL_STOCK);
  });

  it('a release that overtakes its reservation leaves a guard, so nothing stays held', () => {
    expect(store.release('o-3', 1).restocked).toBe(false);
    expect(store.get('o-3')?.status).toBe('released');
  });
});
