import { originFromTopicName } from '../../lib/events/dlq.ts';
import type { RecordEffects } from '../ingest/derive.ts';
import type { LandedChunk } from '../store/types.ts';

// What the engine reports after each indexing transaction (to the main thread, for the metrics and
// the topology): counts aggregated per run of chunks from one partition, never per record objects.

/** What main needs to update metrics and topology after records are indexed. */
export interface BatchOutcome {
  readonly topic: string;
  readonly stored: number;
  readonly duplicates: number;
  readonly at: number;
  /** [metric, labels, count] aggregated over the batch. */
  readonly counts: [CountedMetric, Record<string, string>, number][];
  /** Seconds from broker time to indexing, per record stored. */
  readonly delays: number[];
  /** [flow, seconds] per chain this batch completed. */
  readonly completions: [string | null, number][];
  /** [source, topic, isDlq, count] */
  readonly traffic: [string | null, string, boolean, number][];
  /** [origin topic, origin group, count] */
  readonly deadLetters: [string | null, string | null, number][];
  /** Seconds the indexing transaction took, on the first outcome of each transaction only. */
  readonly transactionSeconds: number | null;
}

export type CountedMetric =
  | 'recordsMalformed'
  | 'consumerErrors'
  | 'dlqRecords'
  | 'anomalies'
  | 'sagaTransitions'
  | 'batchesQuarantined';

function summarise(topic: string, rows: number, effects: readonly RecordEffects[], at: number): BatchOutcome {
  const counts = new Map<string, [CountedMetric, Record<string, string>, number]>();
  const count = (m: CountedMetric, labels: Record<string, string>) => {
    const k = `${m}\u0000${JSON.stringify(labels)}`;
    const c = counts.get(k);
    if (c) c[2]++;
    else counts.set(k, [m, labels, 1]);
  };
  const traffic = new Map<string, [string | null, string, boolean, number]>();
  const deadLetters = new Map<string, [string | null, string | null, number]>();
  const delays: number[] = [];
  const completions: [string | null, number][] = [];
  for (const e of effects) {
    const r = e.record;
    const tk = `${r.ceSource ?? ''}\u0000${r.topic}\u0000${r.isDlq}`;
    const t = traffic.get(tk);
    if (t) t[3]++;
    else traffic.set(tk, [r.ceSource, r.topic, r.isDlq, 1]);
    if (r.isDlq) {
      const o = r.dlq?.originTopic ?? null;
      const g = r.dlq?.originGroup ?? null;
      const dk = `${o ?? ''}\u0000${g ?? ''}`;
      const d = deadLetters.get(dk);
      if (d) d[2]++;
      else deadLetters.set(dk, [o, g, 1]);
    }
    for (const m of e.malformed) count('recordsMalformed', { topic: r.topic, problem: m });
    if (at >= r.timestamp) delays.push((at - r.timestamp) / 1000);
    if (r.isDlq || r.isRetry) {
      const origin = r.dlq?.originTopic ?? originFromTopicName(r.topic) ?? 'unknown';
      count('consumerErrors', { topic: origin, kind: r.isDlq ? 'dlq' : 'retry' });
      if (r.isDlq) count('dlqRecords', { dlq_topic: r.topic, origin_topic: r.dlq?.originTopic ?? 'unknown' });
    }
    for (const a of e.anomalies) count('anomalies', { kind: a.kind });
    for (const s of e.sagaTransitions) count('sagaTransitions', { saga_type: s.type, state: s.state });
    if (e.completion) completions.push([e.completion.flow, e.completion.seconds]);
  }
  return {
    topic,
    stored: effects.length,
    duplicates: rows - effects.length,
    at,
    counts: [...counts.values()],
    delays,
    completions,
    traffic: [...traffic.values()],
    deadLetters: [...deadLetters.values()],
    transactionSeconds: null,
  };
}

/** Outcomes per run of consecutive chunks from one partition; `effects` per chunk, per record. */
export function outcomesOf(
  chunks: readonly LandedChunk[],
  effects: readonly (readonly (RecordEffects | undefined)[])[],
  at: number,
): BatchOutcome[] {
  const out: BatchOutcome[] = [];
  let from = 0;
  for (let i = 1; i <= effects.length; i++) {
    const a = chunks[from]!;
    const b = i < effects.length ? chunks[i] : undefined;
    if (b && b.topic === a.topic && b.partition === a.partition) continue;
    const run = effects.slice(from, i).flat();
    out.push(
      summarise(
        a.topic,
        run.length,
        run.filter((e): e is RecordEffects => e !== undefined),
        at,
      ),
    );
    from = i;
  }
  return out;
}
