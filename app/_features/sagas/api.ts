'use client';

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import {
  sagaDetailSchema,
  sagasPageSchema,
  sagaViewStateSchema,
  type SagaViewState,
} from '../../../lib/api/sagas.ts';
import { TERMINAL_SAGA_STATES } from '../../../lib/events/shop-events.ts';
import { apiGet, toQueryString } from '../../_lib/api-client.ts';
import { REFETCH, STALE } from '../../_lib/query-client.ts';

/** `?state=STUCK&type=order-fulfilment&stuck=1&minAge=300000&q=ord-1` */
export const sagasUrlShape = {
  state: sagaViewStateSchema,
  type: z.string().max(128),
  stuck: z.enum(['1', 'true']),
  minAge: z.coerce.number().int().nonnegative(),
  q: z.string().max(256),
};

export interface SagasFilter {
  state?: SagaViewState | undefined;
  type?: string | undefined;
  stuck?: boolean | undefined;
  minAgeMs?: number | undefined;
  correlationId?: string | undefined;
  /** Only sagas started at or after this (epoch ms). */
  from?: number | undefined;
}

export const sagaKeys = {
  all: ['sagas'] as const,
  lists: () => [...sagaKeys.all, 'list'] as const,
  list: (filter: SagasFilter) => [...sagaKeys.lists(), filter] as const,
  details: () => [...sagaKeys.all, 'detail'] as const,
  detail: (id: string) => [...sagaKeys.details(), id] as const,
};

export const sagaPaths = {
  list: (f: SagasFilter, cursor?: string) =>
    `/api/sagas${toQueryString({ state: f.state, type: f.type, stuck: f.stuck ? 'true' : undefined, minAgeMs: f.minAgeMs, correlationId: f.correlationId, from: f.from, cursor, limit: 100 })}`,
  detail: (id: string) => `/api/sagas/${encodeURIComponent(id)}`,
};

/** Newest first, 100 at a time; further pages follow the server's cursor. */
export function useSagas(
  filter: SagasFilter,
  refresh: { refetchInterval: number | false } = { refetchInterval: REFETCH.list },
) {
  return useInfiniteQuery({
    queryKey: sagaKeys.list(filter),
    queryFn: ({ signal, pageParam }) => apiGet(sagaPaths.list(filter, pageParam), sagasPageSchema, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    staleTime: STALE.list,
    refetchInterval: refresh.refetchInterval,
  });
}

const RUNNING_POLL_MS = 2_000;

export function useSaga(id: string) {
  return useQuery({
    queryKey: sagaKeys.detail(id),
    queryFn: ({ signal }) => apiGet(sagaPaths.detail(id), sagaDetailSchema, signal),
    staleTime: STALE.live,
    // A running saga is watched closely; a finished one only in case it is replayed.
    refetchInterval: (q) =>
      q.state.data && TERMINAL_SAGA_STATES.has(q.state.data.state) ? REFETCH.list : RUNNING_POLL_MS,
  });
}
