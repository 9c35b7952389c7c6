import type { ChainOutcome } from '../../lib/api/chains.ts';
import type { SagaDefinition } from '../sagas/definitions.ts';
import type { RecordRow, SagaRow, Store } from '../store/types.ts';

// A chain's business outcome, next to its completeness: a flow that ended in OrderCancelled is
// complete, but it failed, and the console must not paint it green. Derived when a chain is read
// (from its records and sagas, through the store port), so no column or tracker change is needed
// and every store adapter gets it for free.

export interface OutcomeConfig {
  readonly terminalTypes: readonly string[];
  readonly failureTypes: readonly string[];
  readonly sagaDefinitions: readonly SagaDefinition[];
}

type OutcomeRecord = Pick<
  RecordRow,
  'ceType' | 'isDlq' | 'isRetry' | 'timestamp' | 'seq' | 'topic' | 'partition' | 'offset'
>;

/** The terminal record of a chain (the earliest), ignoring dead-letter and retry copies. */
export function terminalRecord<R extends OutcomeRecord>(
  records: readonly R[],
  cfg: OutcomeConfig,
): R | undefined {
  const terminal = new Set(cfg.terminalTypes);
  return records
    .filter((r) => r.ceType && terminal.has(r.ceType) && !r.isDlq && !r.isRetry)
    .sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq)[0];
}

/**
 * Why an open flow is not moving, when its first event starts an orchestrated saga that does not
 * exist: the orchestrator has not consumed it (stalled, lagging or down), so orders pile up
 * unseen by the saga list.
 */
function notStarted(records: readonly OutcomeRecord[], sagas: readonly SagaRow[], cfg: OutcomeConfig) {
  const orchestrated = cfg.sagaDefinitions.filter((d) => d.mode === 'orchestrated');
  // The earliest record that starts an orchestrated flow (not simply the first: a profile update
  // written before the order may come first).
  for (const r of [...records].sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq)) {
    const def = r.ceType ? orchestrated.find((d) => d.startedBy.includes(r.ceType!)) : undefined;
    if (!def) continue;
    if (sagas.some((s) => s.type === def.type)) return null;
    return `not started by orchestrator: ${r.ceType} on ${r.topic} has no ${def.type} saga yet`;
  }
  return null;
}

export function chainOutcome(
  records: readonly OutcomeRecord[],
  sagas: readonly SagaRow[],
  cfg: OutcomeConfig,
  payloadReason: string | null,
): ChainOutcome {
  const end = terminalRecord(records, cfg);
  if (!end) return { kind: 'open', event: null, reason: notStarted(records, sagas, cfg) };
  if (!cfg.failureTypes.includes(end.ceType!)) return { kind: 'succeeded', event: end.ceType, reason: null };
  const sagaReason = sagas.find((s) => s.reason)?.reason ?? null;
  return { kind: 'failed', event: end.ceType, reason: payloadReason ?? sagaReason };
}

/** The `reason` field of a failure-terminal record's JSON payload, when it has one. */
export async function payloadReason(store: Store, r: OutcomeRecord | undefined, cfg: OutcomeConfig) {
  if (!r?.ceType || !cfg.failureTypes.includes(r.ceType)) return null;
  const stored = await store.records.get(r.topic, r.partition, r.offset);
  if (!stored?.value || stored.valueKind !== 'json') return null;
  try {
    const v: unknown = JSON.parse(stored.value.toString('utf8'));
    const reason = v && typeof v === 'object' && 'reason' in v ? v.reason : undefined;
    return typeof reason === 'string' && reason ? reason.slice(0, 500) : null;
  } catch {
    return null;
  }
}

/** The outcome of a chain as the list shows it: its records (bounded) and sagas, read by id. */
export async function outcomeOfChain(
  store: Store,
  chainId: string,
  correlationId: string | null,
  cfg: OutcomeConfig,
  recordLimit = 500,
): Promise<ChainOutcome> {
  const records = await store.records.byChain(chainId, recordLimit);
  const sagas = correlationId ? await store.sagas.byCorrelation(correlationId) : [];
  return chainOutcome(records, sagas, cfg, await payloadReason(store, terminalRecord(records, cfg), cfg));
}
