import type { Bus } from '../../lib/bus/types.ts';
import type { ConsumerGroup } from '../../lib/api/consumers.ts';
import type { AlertsSource } from '../alerts/source.ts';
import type { CollectorConfig } from '../config.ts';
import type { BulkReplayer } from '../dlq/bulk.ts';
import type { Replayer } from '../dlq/replay.ts';
import type { IngestStatus } from '../ingest/ingest.ts';
import type { OutputMasking } from '../masking/outputs.ts';
import type { Store } from '../store/types.ts';
import type { Auth } from './auth.ts';
import type { TrafficCounter } from '../topology/traffic.ts';
import type { TopicCatalog } from '../topics/catalog.ts';
import type { SagaDefinition } from '../sagas/definitions.ts';

/** What the consumer-lag monitor offers the API (collector/lag). */
export interface LagView {
  groups(): ConsumerGroup[];
  group(id: string): ConsumerGroup | undefined;
  lastPollAt(): number | null;
}

/** Everything route handlers read from; built once by createCollector. */
export interface ApiContext {
  readonly store: Store;
  readonly bus: Pick<Bus, 'kind'>;
  readonly config: CollectorConfig;
  readonly now: () => number;
  readonly startedAt: number;
  readonly auth: Auth;
  readonly replayer: Replayer;
  readonly bulk: BulkReplayer;
  readonly lag: LagView | undefined;
  readonly alerts: AlertsSource;
  readonly ingestStatus: () => IngestStatus;
  readonly traffic: TrafficCounter;
  /** Every payload leaving the store goes through this (collector/masking). */
  readonly masking: OutputMasking;
  /** Topics with partitions, rates, roles and timestamp types (records explorer, hop timings). */
  readonly topics: TopicCatalog;
  /** The saga definitions in use (chain outcomes: which flows an orchestrator starts). */
  readonly sagaDefinitions?: readonly SagaDefinition[];
  /**
   * The event time before which sagas are derived from every record (engine/frontier.ts):
   * +Infinity when nothing waits, -Infinity while records of unknown time wait. Always +Infinity
   * when not given.
   */
  readonly sagasDerivedThrough?: () => number;
  /**
   * The same for records indexed (chains, DLQ, lists): where a chain's silence may be judged
   * (`stopped`). Always +Infinity when not given.
   */
  readonly recordsIndexedThrough?: () => number;
}
