import { alertActionRequestSchema } from '../../../lib/api/alerts.ts';
import { createAlertActions } from '../../alerts/actions.ts';
import type { ApiContext } from '../context.ts';
import { validate } from '../http.ts';
import type { Route } from '../router.ts';

/** Silences and acknowledgements: reading them is a read, making one needs the operator token. */
export function alertActionRoutes(ctx: ApiContext): Route[] {
  const actions = createAlertActions({
    store: ctx.store,
    alertmanagerUrl: ctx.config.ALERTMANAGER_URL,
    prometheusUrl: ctx.config.PROMETHEUS_URL,
    now: ctx.now,
  });
  return [
    {
      method: 'GET',
      path: '/api/alerts/actions',
      access: 'read',
      handler: async () => ({
        body: { silencesVia: await actions.silencesVia(), actions: await actions.current() },
      }),
    },
    {
      method: 'POST',
      path: '/api/alerts/actions',
      access: 'write',
      async handler({ body, identity }) {
        const req = validate(alertActionRequestSchema, body, 'alert silence / acknowledgement');
        return { status: 201, body: await actions.create(req, identity) };
      },
    },
  ];
}
