'use client';

import { useQuery } from '@tanstack/react-query';
import { topologySchema } from '../../../lib/api/topology.ts';
import { apiGet } from '../../_lib/api-client.ts';
import { REFETCH, STALE } from '../../_lib/query-client.ts';

export const topologyKeys = {
  all: ['topology'] as const,
};

export const TOPOLOGY_PATH = '/api/topology';

export function useTopology() {
  return useQuery({
    queryKey: topologyKeys.all,
    queryFn: ({ signal }) => apiGet(TOPOLOGY_PATH, topologySchema, signal),
    staleTime: STALE.live,
    refetchInterval: REFETCH.live,
  });
}
