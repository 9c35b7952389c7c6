import type { Tracer } from '@opentelemetry/api';
import type { Bus } from '../lib/bus/types.ts';
import type { Logger } from '../lib/logger.ts';
import type { ShopConfig } from './config.ts';
import type { FaultController } from './runtime/faults.ts';

export const SHOP_SERVICE_NAMES = [
  'order',
  'orchestrator',
  'inventory',
  'payment',
  'shipping',
  'notification',
  'loyalty',
] as const;
export type ShopServiceName = (typeof SHOP_SERVICE_NAMES)[number];

/** One tracer per service: in the all-in-one several services share a process but not a resource. */
export interface ShopTracing {
  tracer(service: ShopServiceName): Tracer;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface ShopDeps {
  readonly bus: Bus;
  readonly config: ShopConfig;
  readonly logger: Logger;
  /** Default: from `config.SHOP_SERVICE` ('all' = every service). */
  readonly services?: readonly ShopServiceName[];
  /** Prefix of every topic and consumer group; default `config.SHOP_NAMESPACE`. */
  readonly namespace?: string;
  /** Where the services' SQLite files live; default `${config.DATA_DIR}/shop`. */
  readonly dataDir?: string;
  /** Default: one provider per service exporting to OTEL_EXPORTER_OTLP_ENDPOINT (owned by the shop). */
  readonly tracing?: ShopTracing;
  /** What the crash fault calls; default process.exit. */
  readonly exit?: (code: number) => void;
}

export interface Shop {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Base URL of this shop's HTTP server once started (the order API when `order` runs here). */
  readonly orderUrl: string;
  readonly faults: FaultController;
}
