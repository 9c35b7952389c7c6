import { recordId } from '../../lib/api/common.ts';
import type { ChainRepo, ChainRow, NewRecord, StoredRecord, StoreTx } from '../store/types.ts';
import type { SagaCatalog } from '../sagas/definitions.ts';

// Chain membership, decided as each record is stored. A chain's id is the correlation id when the
// record has one, else the chain of the record that caused it (ce_causationid -> ce_id), else the
// chain its trace already belongs to, else the trace id. Records with none of these form a
// one-record chain that is not materialised (looked up by record id). When a correlated record
// reveals that a trace-only chain is part of its flow, that chain is merged into it.

export interface ChainConfig {
  readonly terminalTypes: readonly string[];
  readonly finalTypes: readonly string[];
  readonly catalog: SagaCatalog;
  readonly now: () => number;
}

export interface ChainCompletion {
  readonly chainId: string;
  readonly flow: string | null;
  readonly seconds: number;
}

type AddingChainRepo = ChainRepo & Required<Pick<ChainRepo, 'add' | 'take'>>;
const canAdd = (r: ChainRepo): r is AddingChainRepo => r.add !== undefined && r.take !== undefined;

const eventTime = (r: { ceTimeMs: number | null; timestamp: number }) => r.ceTimeMs ?? r.timestamp;

export function createChainTracker(cfg: ChainConfig) {
  const terminal = new Set(cfg.terminalTypes);
  const final = new Set(cfg.finalTypes);

  async function assign(tx: StoreTx, r: NewRecord): Promise<string | null> {
    if (r.correlationId) return r.correlationId;
    if (r.causationId) {
      const causes = await tx.records.byCeId(r.causationId, 5);
      const cause = causes.find((c) => c.chainId && !c.isDlq && !c.isRetry) ?? causes.find((c) => c.chainId);
      if (cause?.chainId) return cause.chainId;
    }
    if (r.traceId) return (await tx.chains.chainOfTrace(r.traceId)) ?? r.traceId;
    return null;
  }

  function merged(into: ChainRow, from: ChainRow): ChainRow {
    const minOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
    const maxOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
    const later = from.lastTs > into.lastTs ? from : into;
    return {
      ...into,
      flow: into.flow ?? from.flow,
      firstTs: Math.min(into.firstTs, from.firstTs),
      lastTs: Math.max(into.lastTs, from.lastTs),
      lastSeen: Math.max(into.lastSeen, from.lastSeen),
      recordCount: into.recordCount + from.recordCount,
      terminalAt: minOf(into.terminalAt, from.terminalAt),
      finalAt: maxOf(into.finalAt, from.finalAt),
      lastType: later.lastType,
      lastTopic: later.lastTopic,
    };
  }

  async function merge(tx: StoreTx, fromId: string, into: ChainRow): Promise<ChainRow> {
    const from = await tx.chains.get(fromId);
    if (!from) return into;
    await tx.records.setChain(fromId, into.id);
    await tx.spans.setChain(fromId, into.id);
    await tx.dlq.setChain(fromId, into.id);
    await tx.chains.moveTraces(fromId, into.id);
    await tx.chains.delete(fromId);
    return merged(into, from);
  }

  /** Spans that arrived before the record they describe are joined to it now. */
  async function joinSpans(tx: StoreTx, rec: StoredRecord): Promise<void> {
    const id = rec.chainId;
    const rid = recordId(rec.topic, rec.partition, rec.offset);
    for (const s of await tx.spans.unjoinedFor(rec)) {
      const byMessaging =
        s.msgTopic === rec.topic && s.msgPartition === rec.partition && s.msgOffset === rec.offset;
      const sameTopic = s.msgTopic === null || s.msgTopic === rec.topic;
      // A dead-letter or retry copy keeps the original's headers; it must not take its spans.
      if (!byMessaging && (rec.isDlq || rec.isRetry || !sameTopic)) continue;
      await tx.spans.setRecord(s.traceId, s.spanId, rid, id);
      if (id && !(await tx.chains.chainOfTrace(s.traceId))) {
        await tx.chains.mapTrace(s.traceId, id);
        await tx.spans.setChainOfTrace(s.traceId, id);
      }
    }
  }

  /** What one record adds to its chain: itself as a chain of one (see `onStored`). */
  function contribution(rec: StoredRecord, id: string, now: number): ChainRow {
    const t = eventTime(rec);
    const counts = rec.ceType !== null && !rec.isDlq && !rec.isRetry;
    return {
      id,
      correlationId: rec.correlationId,
      flow: (rec.ceType ? cfg.catalog.flowOf(rec.ceType) : undefined) ?? rec.sagaType ?? null,
      firstTs: rec.timestamp,
      lastTs: rec.timestamp,
      lastSeen: now,
      recordCount: 1,
      terminalAt: counts && terminal.has(rec.ceType) ? t : null,
      finalAt: counts && final.has(rec.ceType) ? t : null,
      completeAt: null,
      lastType: rec.ceType,
      lastTopic: rec.topic,
    };
  }

  /**
   * A store several collectors write (ChainRepo.add): the record's contribution is added to the
   * chain in one commutative upsert, so records of one chain indexed by different collectors, in
   * any order, add up to the row one collector would have written. A trace-only chain merged into
   * this one is taken (one taker) and added the same way.
   */
  async function onStoredShared(
    tx: StoreTx,
    rec: StoredRecord,
    repo: AddingChainRepo,
  ): Promise<ChainCompletion | undefined> {
    await joinSpans(tx, rec);
    const id = rec.chainId;
    if (!id) return undefined;
    const now = cfg.now();
    let delta = contribution(rec, id, now);
    if (rec.traceId) {
      const owner = await tx.chains.chainOfTrace(rec.traceId);
      if (!owner) {
        await tx.chains.mapTrace(rec.traceId, id);
        await tx.spans.setChainOfTrace(rec.traceId, id);
      } else if (owner !== id && rec.correlationId) {
        const other = await tx.chains.get(owner);
        const from = other && !other.correlationId ? await repo.take(owner) : undefined;
        if (from) {
          await tx.records.setChain(owner, id);
          await tx.spans.setChain(owner, id);
          await tx.dlq.setChain(owner, id);
          await tx.chains.moveTraces(owner, id);
          delta = merged(delta, from);
        }
      }
    }
    const { row, completed } = await repo.add(delta, { requireFinal: final.size > 0, now });
    return completed
      ? { chainId: id, flow: row.flow, seconds: Math.max(0, row.lastTs - row.firstTs) / 1000 }
      : undefined;
  }

  /** Updates the chain of a stored record; returns its completion when this record completed it. */
  async function onStored(tx: StoreTx, rec: StoredRecord): Promise<ChainCompletion | undefined> {
    const repo = tx.chains;
    if (canAdd(repo)) return onStoredShared(tx, rec, repo);
    return onStoredAlone(tx, rec);
  }

  /** One writer: the chain row is read, changed and written back. */
  async function onStoredAlone(tx: StoreTx, rec: StoredRecord): Promise<ChainCompletion | undefined> {
    await joinSpans(tx, rec);
    const id = rec.chainId;
    if (!id) return undefined;
    const now = cfg.now();
    const t = eventTime(rec);
    const prev = await tx.chains.get(id);
    let chain: ChainRow = prev ?? {
      id,
      correlationId: rec.correlationId,
      flow: null,
      firstTs: rec.timestamp,
      lastTs: rec.timestamp,
      lastSeen: now,
      recordCount: 0,
      terminalAt: null,
      finalAt: null,
      completeAt: null,
      lastType: null,
      lastTopic: null,
    };
    const isLatest = rec.timestamp >= chain.lastTs;
    chain = {
      ...chain,
      correlationId: chain.correlationId ?? rec.correlationId,
      flow: chain.flow ?? (rec.ceType ? cfg.catalog.flowOf(rec.ceType) : undefined) ?? rec.sagaType ?? null,
      firstTs: Math.min(chain.firstTs, rec.timestamp),
      lastTs: Math.max(chain.lastTs, rec.timestamp),
      lastSeen: now,
      recordCount: chain.recordCount + 1,
      lastType: isLatest ? (rec.ceType ?? chain.lastType) : chain.lastType,
      lastTopic: isLatest ? rec.topic : chain.lastTopic,
    };
    if (rec.ceType && !rec.isDlq && !rec.isRetry) {
      if (terminal.has(rec.ceType)) chain = { ...chain, terminalAt: Math.min(chain.terminalAt ?? t, t) };
      if (final.has(rec.ceType)) chain = { ...chain, finalAt: Math.max(chain.finalAt ?? t, t) };
    }
    if (rec.traceId) {
      const owner = await tx.chains.chainOfTrace(rec.traceId);
      if (!owner) {
        await tx.chains.mapTrace(rec.traceId, id);
        await tx.spans.setChainOfTrace(rec.traceId, id);
      } else if (owner !== id && rec.correlationId) {
        const other = await tx.chains.get(owner);
        if (other && !other.correlationId) chain = await merge(tx, owner, chain);
      }
    }
    let completion: ChainCompletion | undefined;
    const done =
      chain.terminalAt !== null &&
      (final.size === 0 || (chain.finalAt !== null && chain.finalAt >= chain.terminalAt));
    if (done && chain.completeAt === null) {
      chain = { ...chain, completeAt: now };
      completion = {
        chainId: id,
        flow: chain.flow,
        seconds: Math.max(0, chain.lastTs - chain.firstTs) / 1000,
      };
    }
    await tx.chains.put(chain);
    return completion;
  }

  return { assign, onStored };
}
export type ChainTracker = ReturnType<typeof createChainTracker>;
