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
   * Sagas whose events are kept (default 2 × entries). In Kafka's fetch order a saga's events
   * arrive spread over a fetch round of every partition, and a saga evicted between two of its
   * records is read back from the store (~60 µs): with 4,000, 21k of 57k lookups at 100k records.
   * Twice as many (compact, below) cut the time spent reading them back by a quarter (profile at
   * 200k records: 2.6 → 1.9 s); holding all of them took 32,000 and broke the memory budget.
   */
  readonly sagaEntries?: number;
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

/** What the cache knows, shared by the repositories it wraps (below). */
interface CacheState {
  /** The filters were loaded from the store: until then every "never seen" is asked of it. */
  warmed: boolean;
  readonly seenCe: BloomFilter;
  readonly seenKey: BloomFilter;
  readonly seenSaga: BloomFilter;
  readonly seenSpanKey: BloomFilter;
  readonly byCe: BoundedMap<string, CeRef[]>;
  readonly lastOfKey: BoundedMap<string, CeRef>;
  readonly chains: RowCache<ChainRow>;
  readonly traces: BoundedMap<string, string | null>;
  readonly sagas: RowCache<SagaRow>;
  readonly sagaEvents: BoundedMap<string, SagaEvent[]>;
  readonly intern: (s: string | null) => string | null;
}

/** Records through the cache: every insert keeps the id and key answers right. */
function cachedRecords(c: CacheState, tx: StoreTx): StoreTx['records'] {
  return {
    ...tx.records,
    async insert(r) {
      const stored = await tx.records.insert(r);
      if (!stored) return stored;
      const row = toRow(stored);
      if (r.ceId) {
        if (c.warmed && !c.seenCe.has(r.ceId)) c.byCe.set(r.ceId, [row]);
        else c.byCe.get(r.ceId)?.push(row);
        c.seenCe.add(r.ceId);
      }
      if (r.keyText !== null) {
        const k = keyOf(r.topic, r.partition, r.keyText);
        const prev = c.lastOfKey.get(k);
        // A record stored now is its partition's newest (landing keeps each partition in offset
        // order and drops redeliveries), so it is the last of its key there, also when the key's
        // previous last was evicted from the map: setting it only over a cached one left a hot
        // key, once evicted, to a store lookup per record (~90 µs through records_key_ts).
        if (!prev || prev.offset < r.offset) c.lastOfKey.set(k, row);
        c.seenKey.add(k);
      }
      return stored;
    },
    async byCeId(ceId, limit) {
      if (c.warmed && !c.seenCe.has(ceId)) return [];
      const hit = c.byCe.get(ceId);
      if (hit) return hit.slice(0, limit);
      const rows = await tx.records.byCeId(ceId, limit);
      if (rows.length < limit) c.byCe.set(ceId, rows);
      return rows;
    },
    async previousWithKey(topic, partition, keyText, beforeOffset) {
      const k = keyOf(topic, partition, keyText);
      if (c.warmed && !c.seenKey.has(k)) return undefined;
      const hit = c.lastOfKey.get(k);
      if (hit && hit.offset < beforeOffset) return hit;
      return tx.records.previousWithKey(topic, partition, keyText, beforeOffset);
    },
    async setChain(from, to) {
      // Rare (a merge): the cached references of the moved records would name the old chain.
      c.byCe.clear();
      c.lastOfKey.clear();
      return tx.records.setChain(from, to);
    },
  };
}

/** Chain rows written behind (flush), and trace → chain answers. */
function cachedChains(c: CacheState, tx: StoreTx): StoreTx['chains'] {
  return {
    ...tx.chains,
    get: (id) => c.chains.get(id, (x) => tx.chains.get(x)),
    put: (row) => c.chains.put(row),
    async delete(id) {
      c.chains.dirty.delete(id);
      c.chains.rows.set(id, null);
      await tx.chains.delete(id);
    },
    async chainOfTrace(traceId) {
      const hit = c.traces.get(traceId);
      if (hit !== undefined) return hit ?? undefined;
      const id = await tx.chains.chainOfTrace(traceId);
      c.traces.set(traceId, id ?? null);
      return id;
    },
    async mapTrace(traceId, chainId) {
      c.traces.set(traceId, chainId);
      await tx.chains.mapTrace(traceId, chainId);
    },
    async moveTraces(from, to) {
      c.traces.clear();
      await tx.chains.moveTraces(from, to);
    },
  };
}

/**
 * Event types and step names repeat across millions of saga events, and every decoded record
 * brings its own copy of them: the cached events share one string each. With the saga id shared
 * too, a saga of 8 events takes about a quarter less memory (4.1 → 3.0 KB, measured alone).
 */
function createInterner(max = 10_000) {
  const strings = new Map<string, string>();
  return (s: string | null): string | null => {
    if (s === null) return null;
    const hit = strings.get(s);
    if (hit !== undefined) return hit;
    if (strings.size >= max) strings.clear();
    strings.set(s, s);
    return s;
  };
}

/** A saga event as the cache keeps it: the saga id is the map's key, type and step interned. */
const compactEvent = (c: CacheState, sagaId: string, e: SagaEvent): SagaEvent => ({
  sagaId,
  recordSeq: e.recordSeq,
  recordId: e.recordId,
  type: c.intern(e.type),
  at: e.at,
  step: c.intern(e.step),
  data: e.data,
});

/** Saga rows written behind (flush), and each saga's events. */
function cachedSagas(c: CacheState, sagas: StoreTx['sagas'], flush: () => Promise<void>): StoreTx['sagas'] {
  const tx = { sagas };
  return {
    ...tx.sagas,
    get: (id) => c.sagas.get(id, (x) => tx.sagas.get(x)),
    put: (row) => c.sagas.put(row),
    async addEvent(e) {
      await tx.sagas.addEvent(e);
      const list = c.sagaEvents.get(e.sagaId);
      // Only what is kept is made compact.
      if (list) {
        if (!list.some((x) => x.recordSeq === e.recordSeq)) {
          // Kept in the store's order: by time, then by record.
          let i = list.length;
          const after = (x: SagaEvent) => x.at > e.at || (x.at === e.at && x.recordSeq > e.recordSeq);
          while (i > 0 && after(list[i - 1]!)) i--;
          list.splice(i, 0, compactEvent(c, e.sagaId, e));
        }
      } else if (c.warmed && !c.seenSaga.has(e.sagaId)) {
        // A saga never seen: these are all its events, and it has no row yet.
        c.sagaEvents.set(e.sagaId, [compactEvent(c, e.sagaId, e)]);
        if (!c.sagas.dirty.has(e.sagaId)) c.sagas.rows.set(e.sagaId, null);
      }
      c.seenSaga.add(e.sagaId);
    },
    async events(id) {
      const hit = c.sagaEvents.get(id);
      if (hit) return hit.slice();
      const list = await tx.sagas.events(id);
      if (list.length < 5000) {
        const kept = list.map((e) => compactEvent(c, id, e));
        c.sagaEvents.set(id, kept);
      }
      return list;
    },
    async markStuck(now) {
      await flush();
      const out = await tx.sagas.markStuck(now);
      for (const s of out) c.sagas.rows.delete(s.id);
      return out;
    },
  };
}

/** Spans: "no span waits for this record" from the filter of unjoined spans' keys. */
function cachedSpans(c: CacheState, tx: StoreTx): StoreTx['spans'] {
  return {
    ...tx.spans,
    async insert(row) {
      const added = await tx.spans.insert(row);
      if (added && row.recordId === null) for (const k of spanJoinKeys(row)) c.seenSpanKey.add(k);
      return added;
    },
    async unjoinedFor(r) {
      if (c.warmed) {
        const maybe =
          c.seenSpanKey.has(`m:${keyOf(r.topic, r.partition, String(r.offset))}`) ||
          (r.ceId !== null && c.seenSpanKey.has(`i:${r.ceId}`)) ||
          (r.traceId !== null && r.spanId !== null && c.seenSpanKey.has(`t:${r.traceId}\u0000${r.spanId}`));
        if (!maybe) return [];
      }
      return tx.spans.unjoinedFor(r);
    },
  };
}

/**
 * Replays are requested from the main thread; within this transaction's snapshot, one look tells
 * whether any waits for an outcome, and when none does no record needs to ask.
 */
function cachedReplays(tx: StoreTx): StoreTx['replays'] {
  let awaiting: Promise<boolean> | undefined;
  const anyAwaiting = () => (awaiting ??= tx.replays.anyAwaiting());
  return {
    ...tx.replays,
    async awaitingOutcome(ceId) {
      return (await anyAwaiting()) ? tx.replays.awaitingOutcome(ceId) : [];
    },
    async byChainAwaiting(chainId) {
      return (await anyAwaiting()) ? tx.replays.byChainAwaiting(chainId) : [];
    },
  };
}

export function createDerivationCache(opts: CacheSizes = { entries: 4_000 }) {
  const n = opts.entries;
  const seenChain = new BloomFilter(25);
  const seenSaga = new BloomFilter(25);
  const c: CacheState = {
    warmed: false,
    seenCe: new BloomFilter(26),
    seenKey: new BloomFilter(26),
    seenSaga,
    seenSpanKey: new BloomFilter(24),
    byCe: new BoundedMap(n),
    lastOfKey: new BoundedMap(n),
    chains: new RowCache<ChainRow>(n, seenChain, () => c.warmed),
    traces: new BoundedMap(n),
    sagas: new RowCache<SagaRow>(n, seenSaga, () => c.warmed),
    sagaEvents: new BoundedMap(opts.sagaEntries ?? 2 * n),
    intern: createInterner(),
  };

  /** Drops every cached answer, keeping the writes not yet flushed. */
  function forgetClean() {
    c.byCe.clear();
    c.lastOfKey.clear();
    c.chains.rows.clear();
    c.traces.clear();
    c.sagas.rows.clear();
    c.sagaEvents.clear();
  }

  function invalidate() {
    forgetClean();
    c.chains.dirty.clear();
    c.sagas.dirty.clear();
  }

  /** Writes the chain and saga rows changed since the last flush; call before COMMIT. */
  async function flush(tx: StoreTx) {
    if (opts.shared) return;
    await c.chains.flush((row) => tx.chains.put(row));
    await c.sagas.flush((row) => tx.sagas.put(row));
  }

  function wrap(tx: StoreTx): StoreTx {
    if (opts.shared) return tx;
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
    return {
      ...tx,
      records: cachedRecords(c, tx),
      chains: cachedChains(c, tx),
      sagas: cachedSagas(c, tx.sagas, () => flush(tx)),
      spans: cachedSpans(c, tx),
      replays: cachedReplays(tx),
      savepoint,
    };
  }

  /**
   * Saga derivation alone, over `sagas` (the search worker's: store/sqlite/sagas-apart.ts):
   * the cached repository, and the flush to call before its transaction commits.
   */
  function wrapSagas(sagas: StoreTx['sagas']) {
    const flushSagas = () => c.sagas.flush((row) => sagas.put(row));
    return { sagas: cachedSagas(c, sagas, flushSagas), flush: flushSagas };
  }

  /** Drops what is cached of these sagas (their events were deleted). */
  function forgetSagas(ids: Iterable<string>) {
    for (const id of ids) {
      c.sagaEvents.delete(id);
      if (!c.sagas.dirty.has(id)) c.sagas.rows.delete(id);
    }
  }

  return {
    wrap,
    flush,
    invalidate,
    forgetClean,
    wrapSagas,
    forgetSagas,
    /** Loads the filters from the store; until then every "never seen" is asked of the store. */
    warm(source: WarmSource) {
      for (const id of source.ceIds) c.seenCe.add(id);
      for (const k of source.keys) c.seenKey.add(k);
      for (const id of source.chains) seenChain.add(id);
      for (const id of source.sagas) c.seenSaga.add(id);
      for (const k of source.spanKeys) c.seenSpanKey.add(k);
      c.warmed = true;
    },
  };
}
