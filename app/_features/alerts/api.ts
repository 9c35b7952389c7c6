'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  alertActionSchema,
  alertActionsResponseSchema,
  alertsResponseSchema,
  type AlertAction,
  type AlertActionRequest,
} from '../../../lib/api/alerts.ts';
import { apiGet, apiRequest } from '../../_lib/api-client.ts';
import { REFETCH, STALE } from '../../_lib/query-client.ts';

export const alertKeys = {
  all: ['alerts'] as const,
  active: () => [...alertKeys.all, 'active'] as const,
};

export const ALERTS_PATH = '/api/alerts';

export function useAlerts() {
  return useQuery({
    queryKey: alertKeys.active(),
    queryFn: ({ signal }) => apiGet(ALERTS_PATH, alertsResponseSchema, signal),
    staleTime: STALE.live,
    refetchInterval: REFETCH.live,
  });
}

export function useAlertActions() {
  return useQuery({
    queryKey: [...alertKeys.all, 'actions'] as const,
    queryFn: ({ signal }) => apiGet('/api/alerts/actions', alertActionsResponseSchema, signal),
    staleTime: STALE.live,
    refetchInterval: REFETCH.live,
  });
}

export function useCreateAlertAction() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (vars: { request: AlertActionRequest; token: string | null }) =>
      apiRequest('/api/alerts/actions', alertActionSchema, { body: vars.request, token: vars.token }),
    onSettled: async () => {
      await qc.invalidateQueries({ queryKey: alertKeys.all });
    },
  });
}

/** The silences and acknowledgements whose matchers all hold for these labels. */
export function actionsFor(labels: Readonly<Record<string, string>>, actions: readonly AlertAction[]) {
  return actions.filter((a) => a.matchers.every((m) => labels[m.name] === m.value));
}
