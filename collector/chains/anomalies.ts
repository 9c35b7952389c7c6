import { recordId } from '../../lib/api/common.ts';
import type { AnomalyKind } from '../../lib/api/records.ts';
import type { DecodedEnvelope } from '../../lib/events/envelope.ts';
import type { NewRecord, StoreTx } from '../store/types.ts';

// Anomalies a user wants flagged on a record before it is stored. Dead-letter and retry copies
// and replays repeat an event on purpose (same ce_id, old ce_time), so they are not judged.

export interface Anomaly {
  readonly kind: AnomalyKind;
  readonly detail: string;
}

export async function detectAnomalies(
  tx: StoreTx,
  r: NewRecord,
  env: DecodedEnvelope,
  opts: { lateThresholdMs: number },
): Promise<Anomaly[]> {
  const out: Anomaly[] = [];
  const copy = r.isDlq || r.isRetry || r.replayId !== null;

  if (r.ceId && !copy) {
    const others = (await tx.records.byCeId(r.ceId, 20)).filter(
      (o) =>
        !o.isDlq &&
        !o.isRetry &&
        !o.replayId &&
        !(o.topic === r.topic && o.partition === r.partition && o.offset === r.offset),
    );
    const same = others.find((o) => o.topic === r.topic);
    if (same)
      out.push({
        kind: 'duplicate',
        detail: `ce_id ${r.ceId} was already delivered as ${recordId(same.topic, same.partition, same.offset)}`,
      });
    else if (others[0])
      out.push({ kind: 'duplicate', detail: `ce_id ${r.ceId} is reused: also on topic ${others[0].topic}` });
  }

  if (!copy && r.keyText !== null && r.ceTimeMs !== null) {
    const prev = await tx.records.previousWithKey(r.topic, r.partition, r.keyText, r.offset);
    if (prev?.ceTimeMs != null && r.ceTimeMs < prev.ceTimeMs)
      out.push({
        kind: 'out_of_order',
        detail: `event time ${new Date(r.ceTimeMs).toISOString()} is before the previous event of this key (${prev.ceTime ?? prev.ceTimeMs}) at offset ${prev.offset}`,
      });
  }

  out.push(...recordAnomalies(r, env, opts));
  return out;
}

/** The anomalies a record shows by itself, without looking at any other (the live tail's). */
export function recordAnomalies(
  r: NewRecord,
  env: DecodedEnvelope,
  opts: { lateThresholdMs: number },
): Anomaly[] {
  const out: Anomaly[] = [];
  const copy = r.isDlq || r.isRetry || r.replayId !== null;
  if (!copy && r.ceTimeMs !== null && r.timestamp - r.ceTimeMs > opts.lateThresholdMs)
    out.push({
      kind: 'late',
      detail: `event time is ${Math.round((r.timestamp - r.ceTimeMs) / 1000)} s behind the broker time`,
    });

  const bad = env.problems.find((p) => p.header === 'traceparent');
  if (bad) out.push({ kind: 'broken_trace', detail: bad.problem });
  else if (env.isCloudEvent && !env.traceparent)
    out.push({ kind: 'missing_trace', detail: 'CloudEvent without a traceparent header' });
  return out;
}
