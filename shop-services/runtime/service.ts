import type { Tracer } from '@opentelemetry/api';
import type { Bus } from '../../lib/bus/types.ts';
import type { Logger } from '../../lib/logger.ts';
import type { ShopConfig } from '../config.ts';
import type { ShopTopicNames } from '../contract-extra.ts';
import type { ShopServiceName } from '../types.ts';
import type { ServiceDb } from './db.ts';
import type { FaultController } from './faults.ts';
import type { HandlerTable } from './handlers.ts';
import type { Route } from './http.ts';
import type { ShopMetrics } from './metrics.ts';
import type { Outbox } from './outbox.ts';

// What every service gets (its own database and outbox, its tracer, the shared bus and faults)
// and what it gives back (the topics it consumes with their handlers, HTTP routes, timers).
// `createShop` wires these together the same way in the all-in-one and in one-per-process mode.

export interface ServiceContext {
  readonly name: ShopServiceName;
  readonly bus: Bus;
  readonly db: ServiceDb;
  readonly outbox: Outbox;
  readonly tracer: Tracer;
  readonly logger: Logger;
  readonly metrics: ShopMetrics;
  readonly faults: FaultController;
  readonly topics: ShopTopicNames;
  readonly config: ShopConfig;
}

export interface ServiceModule {
  readonly consumes?: { readonly topics: readonly string[]; readonly handlers: HandlerTable };
  readonly routes?: readonly Route[];
  start?(): void;
  stop?(): void;
}
