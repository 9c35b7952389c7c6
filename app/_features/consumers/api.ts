'use client';

import { useQuery } from '@tanstack/react-query';
import { consumerGroupsSchema } from '../../../lib/api/consumers.ts';
import { apiGet } from '../../_lib/api-client.ts';
import { REFETCH, STALE } from '../../_lib/query-client.ts';

export const consumerKeys = {
  all: ['consumers'] as const,
  groups: () => [...consumerKeys.all, 'groups'] as const,
};

export const CONSUMERS_PATH = '/api/consumers';

export function useConsumerGroups() {
  return useQuery({
    queryKey: consumerKeys.groups(),
    queryFn: ({ signal }) => apiGet(CONSUMERS_PATH, consumerGroupsSchema, signal),
    staleTime: STALE.live,
    refetchInterval: REFETCH.live,
  });
}
