'use client';

import { useQuery } from '@tanstack/react-query';
import { alertsResponseSchema } from '../../../lib/api/alerts.ts';
import { apiGet } from '../../_lib/api-client.ts';
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
