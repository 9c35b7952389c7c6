'use client';

import { useInfiniteQuery, useMutation, useQuery } from '@tanstack/react-query';
import { recordDetailSchema, recordsPageSchema, type RecordsQuery } from '../../../lib/api/records.ts';
import { topicsResponseSchema } from '../../../lib/api/topics.ts';
import { apiGet, apiRequest, toQueryString } from '../../_lib/api-client.ts';
import { REFETCH, STALE } from '../../_lib/query-client.ts';

export type RecordsFilter = Partial<Omit<RecordsQuery, 'limit'>> & { limit?: number };

export const recordKeys = {
  all: ['records'] as const,
  lists: () => [...recordKeys.all, 'list'] as const,
  list: (filter: RecordsFilter) => [...recordKeys.lists(), filter] as const,
  details: () => [...recordKeys.all, 'detail'] as const,
  detail: (id: string) => [...recordKeys.details(), id] as const,
  pages: (filter: RecordsFilter) => [...recordKeys.all, 'pages', filter] as const,
  topics: () => [...recordKeys.all, 'topics'] as const,
};

export const recordPath = (id: string) => `/api/records/${encodeURIComponent(id)}`;
/** The explorer's first page is `explorerPath` (explorer-query.ts): the same builder. */
export const recordsPath = (filter: RecordsFilter) => `/api/records${toQueryString(filter)}`;

export function useRecord(id: string | null | undefined) {
  return useQuery({
    queryKey: recordKeys.detail(id ?? ''),
    queryFn: ({ signal }) => apiGet(recordPath(id!), recordDetailSchema, signal),
    enabled: Boolean(id),
    staleTime: STALE.detail,
  });
}

export function useRecords(filter: RecordsFilter, enabled = true) {
  return useQuery({
    queryKey: recordKeys.list(filter),
    queryFn: ({ signal }) => apiGet(recordsPath(filter), recordsPageSchema, signal),
    enabled,
    staleTime: STALE.list,
  });
}

/** The operator reveals a record's masked values; the collector writes the reveal to its audit log. */
export function useRevealRecord(id: string) {
  return useMutation({
    mutationFn: (vars: { token: string | null }) =>
      apiRequest(`${recordPath(id)}?unmask=1`, recordDetailSchema, { token: vars.token }),
  });
}

/** The explorer's result: cursor pages of one request, loaded on demand ("Load more"). */
export function useRecordPages(filter: RecordsFilter, enabled = true) {
  return useInfiniteQuery({
    queryKey: recordKeys.pages(filter),
    queryFn: ({ signal, pageParam }) =>
      apiGet(
        recordsPath({ ...filter, ...(pageParam ? { cursor: pageParam } : {}) }),
        recordsPageSchema,
        signal,
      ),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled,
    staleTime: STALE.list,
  });
}

export function useTopics() {
  return useQuery({
    queryKey: recordKeys.topics(),
    queryFn: ({ signal }) => apiGet('/api/topics', topicsResponseSchema, signal),
    staleTime: STALE.live,
    refetchInterval: REFETCH.list,
  });
}
