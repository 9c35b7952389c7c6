import { context, propagation, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  TracerProvider,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';

// Tracer providers for processes that host several services (the all-in-one runs every shop
// service in one process). The global SDK has one resource, so one `service.name`; here each
// service gets its own provider and resource and is handed its tracer explicitly. Only the
// context manager and the propagator are global, and they are installed once.
//
// The SDK packages used here (sdk-trace, resources, context-async-hooks, core) are dependencies
// of @opentelemetry/sdk-node; this version of sdk-node no longer re-exports them.

let globalsInstalled = false;

/** Installs the AsyncLocalStorage context manager and the W3C propagator once per process. */
export function installTracingGlobals(): void {
  if (globalsInstalled) return;
  globalsInstalled = true;
  const manager = new AsyncLocalStorageContextManager();
  manager.enable();
  // Returns false when another part of the process registered one first; theirs stays.
  context.setGlobalContextManager(manager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

export interface ServiceTracingOptions {
  readonly serviceName: string;
  /** OTLP/HTTP base URL (the collector); `/v1/traces` is appended. */
  readonly endpoint?: string;
  /** An explicit exporter (tests pass an InMemorySpanExporter); wins over `endpoint`. */
  readonly exporter?: SpanExporter;
  /** Export each span as it ends instead of in batches (tests). */
  readonly simple?: boolean;
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface ServiceTracing {
  readonly tracer: Tracer;
  /** True when spans leave the process; ids are generated (and propagated) either way. */
  readonly exporting: boolean;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function otlpTracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}

/**
 * A tracer provider for one service. Without an exporter it still records spans (and drops
 * them), so every record gets a valid `traceparent` even when nobody collects traces.
 */
export function createServiceTracing(options: ServiceTracingOptions): ServiceTracing {
  installTracingGlobals();
  const exporter =
    options.exporter ??
    (options.endpoint ? new OTLPTraceExporter({ url: otlpTracesUrl(options.endpoint) }) : undefined);
  const processors: SpanProcessor[] = [];
  if (exporter)
    processors.push(
      options.simple
        ? new SimpleSpanProcessor({ exporter })
        : new BatchSpanProcessor({ exporter, scheduledDelayMillis: 1000 }),
    );
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName, ...options.attributes }),
    spanProcessors: processors,
  });
  let shut = false;
  return {
    tracer: provider.getTracer('causeway-shop'),
    exporting: exporter !== undefined,
    forceFlush: () => provider.forceFlush(),
    async shutdown() {
      if (shut) return;
      shut = true;
      await provider.shutdown();
    },
  };
}
