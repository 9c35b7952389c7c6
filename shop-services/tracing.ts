import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { createServiceTracing, type ServiceTracing } from '../lib/telemetry/tracing.ts';
import type { ShopServiceName, ShopTracing } from './types.ts';

// One tracer provider per shop service (its own `service.name`), created on first use. Spans go
// to the OTLP endpoint, or to an explicit exporter (tests), or nowhere; trace ids are made and
// propagated in every case, so records always carry a traceparent.

export interface ShopTracingOptions {
  readonly endpoint?: string;
  readonly exporter?: SpanExporter;
  /** Export each span when it ends (tests) rather than in batches. */
  readonly simple?: boolean;
  /** `service.name` per service; default the service's own name. */
  readonly serviceName?: (service: ShopServiceName) => string;
}

export function createShopTracing(options: ShopTracingOptions = {}): ShopTracing {
  const providers = new Map<ShopServiceName, ServiceTracing>();
  const get = (service: ShopServiceName) => {
    let p = providers.get(service);
    if (!p) {
      p = createServiceTracing({
        serviceName: options.serviceName?.(service) ?? service,
        attributes: { 'service.namespace': 'causeway-shop' },
        ...(options.endpoint && { endpoint: options.endpoint }),
        ...(options.exporter && { exporter: options.exporter }),
        ...(options.simple && { simple: true }),
      });
      providers.set(service, p);
    }
    return p;
  };
  return {
    tracer: (service) => get(service).tracer,
    async forceFlush() {
      await Promise.all([...providers.values()].map((p) => p.forceFlush()));
    },
    async shutdown() {
      await Promise.all([...providers.values()].map((p) => p.shutdown()));
    },
  };
}
