'use client';

import { useQuery } from '@tanstack/react-query';
import { healthSchema } from '../../../lib/api/topology.ts';
import { apiGet } from '../../_lib/api-client.ts';
import { REFETCH, STALE } from '../../_lib/query-client.ts';

export const healthKeys = {
  all: ['health'] as const,
};

export const HEALTH_PATH = '/api/health';

export function useHealth() {
  return useQuery({
    queryKey: healthKeys.all,
    queryFn: ({ signal }) => apiGet(HEALTH_PATH, healthSchema, signal),
    staleTime: STALE.live,
    refetchInterval: REFETCH.live,
  });
}
