'use client';

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { chainSchema, chainsPageSchema, chainStatusSchema } from '../../../lib/api/chains.ts';
import { apiGet, toQueryString } from '../../_lib/api-client.ts';
import { REFETCH, STALE } from '../../_lib/query-client.ts';

export const chainsUrlShape = {
  status: chainStatusSchema,
  flow: z.string().max(128),
};
export interface ChainsFilter {
  status?: z.infer<typeof chainStatusSchema> | undefined;
  flow?: string | undefined;
  /** Only chains whose first record is at or after this (epoch ms). */
  from?: number | undefined;
}

/** How a list refreshes: the interval the user picked, or false when paused. */
export interface ListRefresh {
  readonly refetchInterval: number | false;
}

export const chainKeys = {
  all: ['chains'] as const,
  lists: () => [...chainKeys.all, 'list'] as const,
  list: (filter: ChainsFilter) => [...chainKeys.lists(), filter] as const,
  details: () => [...chainKeys.all, 'detail'] as const,
  detail: (id: string) => [...chainKeys.details(), id] as const,
};

export const chainPaths = {
  list: (filter: ChainsFilter, cursor?: string) =>
    `/api/chains${toQueryString({ ...filter, cursor, limit: 50 })}`,
  detail: (id: string) => `/api/chains/${encodeURIComponent(id)}`,
};

/** Newest first, 50 at a time; further pages follow the server's cursor. */
export function useChains(filter: ChainsFilter, refresh: ListRefresh = { refetchInterval: REFETCH.list }) {
  return useInfiniteQuery({
    queryKey: chainKeys.list(filter),
    queryFn: ({ signal, pageParam }) => apiGet(chainPaths.list(filter, pageParam), chainsPageSchema, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    staleTime: STALE.list,
    refetchInterval: refresh.refetchInterval,
  });
}

/** A chain still in progress is polled, so the waterfall grows while the user watches. */
const IN_PROGRESS_POLL_MS = 2_000;
/**
 * Spans come in the services' export batches, seconds after the records: a chain that just
 * completed is polled a little longer, so it does not stay at "0 spans" until a reload.
 */
const SETTLE_MS = 30_000;

export function useChain(id: string) {
  return useQuery({
    queryKey: chainKeys.detail(id),
    queryFn: ({ signal }) => apiGet(chainPaths.detail(id), chainSchema, signal),
    staleTime: STALE.detail,
    refetchInterval: (q) => {
      const c = q.state.data;
      if (!c) return false;
      const settling = Date.now() - c.endedAt < SETTLE_MS;
      return c.status === 'in_progress' || settling ? IN_PROGRESS_POLL_MS : false;
    },
  });
}
