import type { ChainRow, RecordRow, SagaEvent, SagaRow, StoredRecord, StoreTx } from '../store/types.ts';
import { BloomFilter, BoundedMap } from './bloom.ts';

// The derivations' working set, kept in memory by the one writer that derives (the ingest engine).
// Per record, deriving used to cost a dozen index lookups and read-modify-writes: is this event id
// new, which chain caused it, the previous event of its key, the chain and saga rows and the
// saga's events. Here:
//  - Bloom filters answer "never seen" for new event ids, keys, chains and sagas without a lookup;
//  - bounded maps keep the recent answers (complete lists only: an entry is created when the filter
//    says the id is new, or loaded whole from the store);
//  - chain and saga rows are written once per transaction (`flush`), not once per record.
// Everything goes through `wrap(tx)`, so every write the engine makes keeps the cache right. The
// engine calls `invalidate()` after a rollback, and around writes it does not route through here
// (the STUCK sweep, retention), so a stale entry is never served.

type CeRef = RecordRow;

export interface CacheSizes {
  readonly entries: number;
  /**
   * The store is shared by several collectors (Store.shared): every answer comes from the store,
   * inside the transaction. Another process can falsify a "never seen", a remembered row or a
   * write held back, so the cache is not used at all: it may speed up what is true, never decide it.
   */
  readonly shared?: boolean;
}

export interface WarmSource {
  ceIds: Iterable<string>;
  /** topic, partition and key text, NUL-separated, of every keyed record. */
  keys: Iterable<string>;
  chains: Iterable<string>;
  /** Ids of sagas and of everything in saga_events. */
  sagas: Iterable<string>;
  /** `spanJoinKeys(...)` of every span not yet joined to a record. */
  spanKeys: Iterable<string>;
}

const keyOf = (topic: string, partition: number, key: string) => `${topic}\u0000${partition}\u0000${key}`;

/** The keys a span not yet joined can be found by (see SpanRepo.unjoinedFor). */
export function spanJoinKeys(s: {
  msgTopic: string | null;
  msgPartition: number | null;
  msgOffset: number | null;
  msgId: string | null;
  traceId: string;
  spanId: string;
}): string[] {
  const out = [`t:${s.traceId}\u0000${s.spanId}`];
  if (s.msgTopic !== null && s.msgPartition !== null && s.msgOffset !== null)
    out.push(`m:${keyOf(s.msgTopic, s.msgPartition, String(s.msgOffset))}`);
  if (s.msgId !== null) out.push(`i:${s.msgId}`);
  return out;
}

/** The record without its body (which would keep the whole transferred batch buffer alive). */
function toRow(r: StoredRecord): RecordRow {
  const { key: _k, value: _v, headers: _h, problems: _p, dlq: _d, ...row } = r;
  return row;
}

/**
 * Rows by id with write-behind: `get` answers from the unflushed writes, then "never seen" from
 * the filter, then the bounded map, then the store; `put` only records the row until `flush`.
 */
class RowCache<R extends { readonly id: string }> {
  readonly rows: BoundedMap<string, R | null>;
  readonly dirty = new Map<string, R>();
  readonly seen: BloomFilter;
  readonly #warmed: () => boolean;
  constructor(entries: number, seen: BloomFilter, warmed: () => boolean) {
    this.rows = new BoundedMap(entries);
    this.seen = seen;
    this.#warmed = warmed;
  }
  async get(id: string, load: (id: string) => Promise<R | undefined>): Promise<R | undefined> {
    const dirty = this.dirty.get(id);
    if (dirty) return dirty;
    if (this.#warmed() && !this.seen.has(id)) return undefined;
    const hit = this.rows.get(id);
    if (hit !== undefined) return hit ?? undefined;
    const row = await load(id);
    this.rows.set(id, row ?? null);
    return row;
  }
  put(row: R): Promise<void> {
    this.seen.add(row.id);
    this.rows.set(row.id, row);
    this.dirty.set(row.id, row);
    return Promise.resolve();
  }
  async flush(write: (row: R) => Promise<void>) {
    for (const row of this.dirty.values()) await write(row);
    this.dirty.clear();
  }
}

export function createDerivationCache(opts: CacheSizes = { entries: 4_000 }) {
  const n = opts.entries;
  const seenCe = new BloomFilter(26);
  const seenKey = new BloomFilter(26);
  const seenChain = new BloomFilter(25);
  const seenSaga = new BloomFilter(25);
  const seenSpanKey = new BloomFilter(24);
  let warmed = false;

  const byCe = new BoundedMap<string, CeRef[]>(n);
  const lastOfKey = new BoundedMap<string, CeRef>(n);
  const chains = new RowCache<ChainRow>(n, seenChain, () => warmed);
  const traces = new BoundedMap<string, string | null>(n);
  const sagas = new RowCache<SagaRow>(n, seenSaga, () => warmed);
  const sagaEvents = new BoundedMap<string, SagaEvent[]>(n);

  /** Drops every cached answer, keeping the writes not yet flushed. */
  function forgetClean() {
    byCe.clear();
    lastOfKey.clear();
    chains.rows.clear();
    traces.clear();
    sagas.rows.clear();
    sagaEvents.clear();
  }

  function invalidate() {
    forgetClean();
    chains.dirty.clear();
    sagas.dirty.clear();
  }

  function wrap(tx: StoreTx): StoreTx {
    if (opts.shared) return tx;
    const records: StoreTx['records'] = {
      ...tx.records,
      async insert(r) {
        const stored = await tx.records.insert(r);
        if (!stored) return stored;
        const row = toRow(stored);
        if (r.ceId) {
          if (warmed && !seenCe.has(r.ceId)) byCe.set(r.ceId, [row]);
          else byCe.get(r.ceId)?.push(row);
          seenCe.add(r.ceId);
        }
        if (r.keyText !== null) {
          const k = keyOf(r.topic, r.partition, r.keyText);
          const prev = lastOfKey.get(k);
          if ((warmed && !seenKey.has(k)) || (prev && prev.offset < r.offset)) lastOfKey.set(k, row);
          seenKey.add(k);
        }
        return stored;
      },
      async byCeId(ceId, limit) {
        if (warmed && !seenCe.has(ceId)) return [];
        const hit = byCe.get(ceId);
        if (hit) return hit.slice(0, limit);
        const rows = await tx.records.byCeId(ceId, limit);
        if (rows.length < limit) byCe.set(ceId, rows);
        return rows;
      },
      async previousWithKey(topic, partition, keyText, beforeOffset) {
        const k = keyOf(topic, partition, keyText);
        if (warmed && !seenKey.has(k)) return undefined;
        const hit = lastOfKey.get(k);
        if (hit && hit.offset < beforeOffset) return hit;
        return tx.records.previousWithKey(topic, partition, keyText, beforeOffset);
      },
      async setChain(from, to) {
        // Rare (a merge): the cached references of the moved records would name the old chain.
        byCe.clear();
        lastOfKey.clear();
        return tx.records.setChain(from, to);
      },
    };

    const chainRepo: StoreTx['chains'] = {
      ...tx.chains,
      get: (id) => chains.get(id, (x) => tx.chains.get(x)),
      put: (row) => chains.put(row),
      async delete(id) {
        chains.dirty.delete(id);
        chains.rows.set(id, null);
        await tx.chains.delete(id);
      },
      async chainOfTrace(traceId) {
        const hit = traces.get(traceId);
        if (hit !== undefined) return hit ?? undefined;
        const id = await tx.chains.chainOfTrace(traceId);
        traces.set(traceId, id ?? null);
        return id;
      },
      async mapTrace(traceId, chainId) {
        traces.set(traceId, chainId);
        await tx.chains.mapTrace(traceId, chainId);
      },
      async moveTraces(from, to) {
        traces.clear();
        await tx.chains.moveTraces(from, to);
      },
    };

    const sagaRepo: StoreTx['sagas'] = {
      ...tx.sagas,
      get: (id) => sagas.get(id, (x) => tx.sagas.get(x)),
      put: (row) => sagas.put(row),
      async addEvent(e) {
        await tx.sagas.addEvent(e);
        const list = sagaEvents.get(e.sagaId);
        if (list) {
          if (!list.some((x) => x.recordSeq === e.recordSeq)) {
            // Kept in the store's order: by time, then by record.
            let i = list.length;
            const after = (x: SagaEvent) => x.at > e.at || (x.at === e.at && x.recordSeq > e.recordSeq);
            while (i > 0 && after(list[i - 1]!)) i--;
            list.splice(i, 0, e);
          }
        } else if (warmed && !seenSaga.has(e.sagaId)) {
          // A saga never seen: these are all its events, and it has no row yet.
          sagaEvents.set(e.sagaId, [e]);
          if (!sagas.dirty.has(e.sagaId)) sagas.rows.set(e.sagaId, null);
        }
        seenSaga.add(e.sagaId);
      },
      async events(id) {
        const hit = sagaEvents.get(id);
        if (hit) return hit.slice();
        const list = await tx.sagas.events(id);
        if (list.length < 5000) sagaEvents.set(id, list);
        return list;
      },
      async markStuck(now) {
        await flush(tx);
        const out = await tx.sagas.markStuck(now);
        for (const s of out) sagas.rows.delete(s.id);
        return out;
      },
    };

    const spanRepo: StoreTx['spans'] = {
      ...tx.spans,
      async insert(row) {
        const added = await tx.spans.insert(row);
        if (added && row.recordId === null) for (const k of spanJoinKeys(row)) seenSpanKey.add(k);
        return added;
      },
      async unjoinedFor(r) {
        if (warmed) {
          const maybe =
            seenSpanKey.has(`m:${keyOf(r.topic, r.partition, String(r.offset))}`) ||
            (r.ceId !== null && seenSpanKey.has(`i:${r.ceId}`)) ||
            (r.traceId !== null && r.spanId !== null && seenSpanKey.has(`t:${r.traceId}\u0000${r.spanId}`));
          if (!maybe) return [];
        }
        return tx.spans.unjoinedFor(r);
      },
    };

    // A savepoint must undo the cache too: earlier writes are flushed first, so on failure only
    // this savepoint's own changes are dropped with the cache.
    const savepoint: StoreTx['savepoint'] = async (fn) => {
      await flush(tx);
      try {
        return await tx.savepoint(fn);
      } catch (err) {
        invalidate();
        throw err;
      }
    };

    // Replays are requested from the main thread; within this transaction's snapshot, one look
    // tells whether any waits for an outcome, and when none does no record needs to ask.
    let awaiting: Promise<boolean> | undefined;
    const anyAwaiting = () => (awaiting ??= tx.replays.anyAwaiting());
    const replayRepo: StoreTx['replays'] = {
      ...tx.replays,
      async awaitingOutcome(ceId) {
        return (await anyAwaiting()) ? tx.replays.awaitingOutcome(ceId) : [];
      },
      async byChainAwaiting(chainId) {
        return (await anyAwaiting()) ? tx.replays.byChainAwaiting(chainId) : [];
      },
    };

    return {
      ...tx,
      records,
      chains: chainRepo,
      sagas: sagaRepo,
      spans: spanRepo,
      replays: replayRepo,
      savepoint,
    };
  }

  /** Writes the chain and saga rows changed since the last flush; call before COMMIT. */
  async function flush(tx: StoreTx) {
    if (opts.shared) return;
    await chains.flush((row) => tx.chains.put(row));
    await sagas.flush((row) => tx.sagas.put(row));
  }

  return {
    wrap,
    flush,
    invalidate,
    forgetClean,
    /** Loads the filters from the store; until then every "never seen" is asked of the store. */
    warm(source: WarmSource) {
      for (const id of source.ceIds) seenCe.add(id);
      for (const k of source.keys) seenKey.add(k);
      for (const id of source.chains) seenChain.add(id);
      for (const id of source.sagas) seenSaga.add(id);
      for (const k of source.spanKeys) seenSpanKey.add(k);
      warmed = true;
    },
  };
}
