import type { z } from 'zod';
import { badRequest } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { faultPatchSchema, type FaultController } from './faults.ts';
import type { Route } from './http.ts';
import type { ShopMetrics } from './metrics.ts';

// Operator routes every shop process serves: Prometheus metrics, a health check, and the fault
// switches. In the all-in-one they control every service of the process; in Kafka mode each
// service's port controls that service.

export function zodDetails(error: z.ZodError) {
  return error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
}

export function adminRoutes(deps: {
  faults: FaultController;
  metrics: ShopMetrics;
  logger: Logger;
  services: readonly string[];
}): Route[] {
  const log = deps.logger.child({ component: 'admin' });
  return [
    {
      method: 'GET',
      pattern: '/metrics',
      async handle() {
        return {
          status: 200,
          text: await deps.metrics.registry.metrics(),
          contentType: deps.metrics.registry.contentType,
        };
      },
    },
    {
      method: 'GET',
      pattern: '/healthz',
      handle: () => ({ status: 200, body: { status: 'ok', services: deps.services } }),
    },
    {
      method: 'GET',
      pattern: '/admin/faults',
      handle: () => ({ status: 200, body: deps.faults.get() }),
    },
    {
      method: 'PUT',
      pattern: '/admin/faults',
      async handle(req) {
        const parsed = faultPatchSchema.safeParse(await req.json());
        if (!parsed.success) throw badRequest('invalid fault settings', zodDetails(parsed.error));
        const next = deps.faults.update(parsed.data);
        log.warn({ faults: next }, 'fault settings changed');
        return { status: 200, body: next };
      },
    },
  ];
}
