import { parseRecordId, recordId } from '../../lib/api/common.ts';
import type { Chain, Hop } from '../../lib/api/chains.ts';
import { toSummary } from '../api/record-views.ts';
import type { ChainRow, ChainStatus, RecordRow, SpanRow, Store } from '../store/types.ts';
import { chainEdges } from './edges.ts';
import { chainOutcome, payloadReason, terminalRecord, type OutcomeConfig } from './outcome.ts';

// Builds the chain view the console shows: every record and span of one flow in order, the
// edges between them, per-hop timings and where the flow stopped. Bounded: a runaway flow is cut
// at `recordLimit` records and `spanLimit` spans and marked truncated.

export interface ChainTarget {
  readonly chainId: string | null;
  /** The one record of a chain that was never materialised (no correlation, causation or trace). */
  readonly seed?: RecordRow;
}

/** Any id a user may paste: correlation / order id, trace id, ce_id, topic:partition:offset, saga id. */
export async function findChain(store: Store, id: string): Promise<ChainTarget | undefined> {
  if (await store.chains.get(id)) return { chainId: id };
  const byTrace = await store.chains.chainOfTrace(id);
  if (byTrace) return { chainId: byTrace };
  const rid = parseRecordId(id);
  const rec = rid
    ? await store.records.get(rid.topic, rid.partition, rid.offset)
    : (await store.records.byCeId(id, 1))[0];
  if (rec) return rec.chainId ? { chainId: rec.chainId } : { chainId: null, seed: rec };
  const saga = await store.sagas.get(id);
  if (saga?.correlationId && (await store.chains.get(saga.correlationId)))
    return { chainId: saga.correlationId };
  return undefined;
}

export interface ChainViewOptions {
  readonly now: number;
  readonly stoppedAfterMs: number;
  readonly finalTypes: readonly string[];
  readonly outcome: OutcomeConfig;
  /** The topics' `message.timestamp.type` (null: unknown, treated as CreateTime). */
  readonly timestampTypes?: (
    topics: readonly string[],
  ) => Promise<ReadonlyMap<string, 'CreateTime' | 'LogAppendTime' | null>>;
  readonly recordLimit?: number;
  readonly spanLimit?: number;
}

const attr = (s: SpanRow, k: string) => {
  const v = s.attributes[k];
  return v === undefined ? null : String(v);
};

function hopsOf(
  records: readonly RecordRow[],
  spans: readonly SpanRow[],
  logAppendTopics: ReadonlySet<string>,
): Hop[] {
  const byRecord = new Map<string, SpanRow[]>();
  for (const s of spans) if (s.recordId) byRecord.set(s.recordId, [...(byRecord.get(s.recordId) ?? []), s]);
  return records.flatMap((r): Hop[] => {
    const id = recordId(r.topic, r.partition, r.offset);
    const joined = byRecord.get(id) ?? [];
    const send =
      joined.find((s) => s.kind === 'producer') ??
      spans.find((s) => s.spanId === r.spanId && s.traceId === r.traceId);
    const consumers = joined.filter((s) => s.kind === 'consumer');
    // CreateTime is the producer's clock, not the broker's: taking it as the append time made
    // produce → broker a false 0. With LogAppendTime the timestamp is the append; otherwise the
    // producer span's end (the ack, at or after the append) bounds it, never past the first fetch.
    const firstFetch = Math.min(...consumers.map((c) => c.startMs));
    const ack = send?.kind === 'producer' ? Math.min(send.endMs, firstFetch) : null;
    const broker = logAppendTopics.has(r.topic)
      ? { brokerAt: r.timestamp, brokerAtSource: 'log_append_time' as const }
      : ack !== null && Number.isFinite(ack)
        ? { brokerAt: ack, brokerAtSource: 'producer_ack' as const }
        : { brokerAt: r.timestamp, brokerAtSource: 'create_time' as const };
    const base = {
      recordId: id,
      topic: r.topic,
      producer: send?.service ?? r.ceSource,
      producedAt: send?.startMs ?? r.ceTimeMs,
      ...broker,
    };
    if (!consumers.length)
      return [{ ...base, consumerGroup: null, consumer: null, consumedAt: null, processedAt: null }];
    return consumers.map((c) => ({
      ...base,
      consumerGroup: attr(c, 'messaging.consumer.group.name') ?? c.msgGroup,
      consumer: c.service,
      consumedAt: c.startMs,
      processedAt: c.endMs,
    }));
  });
}

async function logAppendTopics(records: readonly RecordRow[], opts: ChainViewOptions): Promise<Set<string>> {
  if (!opts.timestampTypes) return new Set();
  const types = await opts.timestampTypes([...new Set(records.map((r) => r.topic))]);
  return new Set([...types].filter(([, t]) => t === 'LogAppendTime').map(([topic]) => topic));
}

export async function buildChainView(
  store: Store,
  target: ChainTarget,
  opts: ChainViewOptions,
): Promise<Chain> {
  const recordLimit = opts.recordLimit ?? 2000;
  const spanLimit = opts.spanLimit ?? 5000;
  const row: ChainRow | undefined = target.chainId ? await store.chains.get(target.chainId) : undefined;
  const fetched = target.chainId
    ? await store.records.byChain(target.chainId, recordLimit + 1)
    : target.seed
      ? [target.seed]
      : [];
  const records = fetched.slice(0, recordLimit);
  const id =
    target.chainId ??
    (target.seed ? recordId(target.seed.topic, target.seed.partition, target.seed.offset) : '');

  const traceIds = new Set<string>(target.chainId ? await store.chains.tracesOf(target.chainId) : []);
  for (const r of records) if (r.traceId) traceIds.add(r.traceId);
  const spanMap = new Map<string, SpanRow>();
  const addSpans = (xs: SpanRow[]) => {
    for (const s of xs) if (spanMap.size < spanLimit + 1) spanMap.set(`${s.traceId}/${s.spanId}`, s);
  };
  if (target.chainId) addSpans(await store.spans.byChain(target.chainId, spanLimit + 1));
  addSpans(
    await store.spans.byRecordIds(
      records.map((r) => recordId(r.topic, r.partition, r.offset)),
      spanLimit + 1,
    ),
  );
  addSpans(await store.spans.byTraceIds([...traceIds], spanLimit + 1));
  const allSpans = [...spanMap.values()].sort((a, b) => a.startMs - b.startMs);
  const spans = allSpans.slice(0, spanLimit);

  const dlqIds = records.filter((r) => r.isDlq).map((r) => recordId(r.topic, r.partition, r.offset));
  const openEntries = [];
  for (const d of dlqIds) {
    const e = await store.dlq.get(d);
    if (e && (e.status === 'unresolved' || e.status === 'quarantined')) openEntries.push(e);
  }

  const correlationId = row?.correlationId ?? records.find((r) => r.correlationId)?.correlationId ?? null;
  const sagas = correlationId ? await store.sagas.byCorrelation(correlationId) : [];
  const sagaIds = [
    ...new Set([...records.map((r) => r.sagaId).filter((s): s is string => !!s), ...sagas.map((s) => s.id)]),
  ];

  const lastSeen = row?.lastSeen ?? Math.max(0, ...records.map((r) => r.storedAt));
  const status: ChainStatus = openEntries.length
    ? 'failed'
    : row?.completeAt != null
      ? 'complete'
      : lastSeen < opts.now - opts.stoppedAfterMs
        ? 'stopped'
        : 'in_progress';

  const last = [...records].sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq).at(-1);
  let stoppedAt: string | null = null;
  if (status === 'failed') {
    const e = openEntries[0]!;
    stoppedAt = `dead-lettered to ${e.dlqTopic}${e.errorClass ? `: ${e.errorClass}` : ''}${e.errorMessage ? ` (${e.errorMessage.slice(0, 200)})` : ''}`;
  } else if (status !== 'complete' && last) {
    const waiting = sagas.find((s) => s.nextExpected?.events.length)?.nextExpected?.events;
    const afterTerminal = row?.terminalAt != null && opts.finalTypes.length ? opts.finalTypes : undefined;
    const expect = waiting ?? afterTerminal;
    stoppedAt = `after ${last.ceType ?? 'a record'} on ${last.topic}${expect ? `; waiting for ${expect.join(' or ')}` : ''}`;
  }

  const anomalies = target.chainId
    ? (await store.records.anomaliesOfChain(target.chainId, 1000)).map((a) => ({
        kind: a.kind,
        recordId: a.recordId,
        detail: a.detail,
      }))
    : records.flatMap((r) =>
        r.anomalies.map((kind) => ({
          kind,
          recordId: recordId(r.topic, r.partition, r.offset),
          detail: kind,
        })),
      );

  const firstTs = row?.firstTs ?? Math.min(...records.map((r) => r.timestamp));
  const lastTs = row?.lastTs ?? Math.max(...records.map((r) => r.timestamp));
  return {
    id,
    correlationId,
    traceIds: [...traceIds],
    flow: row?.flow ?? null,
    status,
    outcome: chainOutcome(
      records,
      sagas,
      opts.outcome,
      await payloadReason(store, terminalRecord(records, opts.outcome), opts.outcome),
    ),
    stoppedAt,
    startedAt: Number.isFinite(firstTs) ? firstTs : 0,
    endedAt: Number.isFinite(lastTs) ? lastTs : 0,
    durationMs: Number.isFinite(lastTs - firstTs) ? Math.max(0, lastTs - firstTs) : 0,
    records: records.map(toSummary),
    spans: spans.map((s) => ({
      traceId: s.traceId,
      spanId: s.spanId,
      parentSpanId: s.parentSpanId,
      name: s.name,
      kind: s.kind,
      service: s.service,
      startMs: s.startMs,
      endMs: s.endMs,
      status: s.status,
      attributes: s.attributes,
      links: s.links,
      events: s.events,
      resource: s.resource,
      recordId: s.recordId,
    })),
    edges: chainEdges(records, spans),
    hops: hopsOf(records, spans, await logAppendTopics(records, opts)),
    anomalies,
    sagaIds,
    truncated: fetched.length > recordLimit || allSpans.length > spanLimit,
  };
}
