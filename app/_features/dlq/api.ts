'use client';

import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import {
  bulkJobSchema,
  bulkReplayResultSchema,
  replayPlanSchema,
  resolutionSchema,
  type ResolveRequest,
  dlqEntryDetailSchema,
  dlqGroupsSchema,
  dlqPageSchema,
  replayResponseSchema,
  type BulkReplayRequest,
  type DlqEntryDetail,
} from '../../../lib/api/dlq.ts';
import { apiGet, apiRequest, toQueryString } from '../../_lib/api-client.ts';
import { REFETCH, STALE } from '../../_lib/query-client.ts';
import { chainKeys } from '../chains/api.ts';
import { sagaKeys } from '../sagas/api.ts';

/** The filter the workbench keeps in its URL; the same fields the collector's dlqFilterSchema takes. */
export const dlqUrlShape = {
  dlqTopic: z.string().max(249),
  originTopic: z.string().max(249),
  errorClass: z.string().max(512),
  key: z.string().max(1024),
  status: z.enum(['unresolved', 'replayed', 'resolved', 'quarantined']),
};
export interface DlqFilter {
  dlqTopic?: string | undefined;
  originTopic?: string | undefined;
  errorClass?: string | undefined;
  key?: string | undefined;
  status?: 'unresolved' | 'replayed' | 'resolved' | 'quarantined' | undefined;
  /** Only entries that last failed at or after this (epoch ms); not kept in the URL. */
  from?: number | undefined;
}

export const dlqKeys = {
  all: ['dlq'] as const,
  lists: () => [...dlqKeys.all, 'list'] as const,
  list: (filter: DlqFilter) => [...dlqKeys.lists(), filter] as const,
  groupsAll: () => [...dlqKeys.all, 'groups'] as const,
  groups: (filter: DlqFilter) => [...dlqKeys.groupsAll(), filter] as const,
  details: () => [...dlqKeys.all, 'detail'] as const,
  detail: (id: string) => [...dlqKeys.details(), id] as const,
};

export const dlqPaths = {
  list: (filter: DlqFilter, cursor?: string) => `/api/dlq${toQueryString({ ...filter, cursor, limit: 100 })}`,
  groups: (filter: DlqFilter) => `/api/dlq/groups${toQueryString({ ...filter })}`,
  detail: (id: string) => `/api/dlq/${encodeURIComponent(id)}`,
  replay: (id: string) => `/api/dlq/${encodeURIComponent(id)}/replay`,
  bulkReplay: () => '/api/dlq/replay',
  replayPlan: (id: string) => `/api/dlq/${encodeURIComponent(id)}/replay-plan`,
  resolve: (id: string) => `/api/dlq/${encodeURIComponent(id)}/resolve`,
  job: (replayKey: string) => `/api/dlq/jobs/${encodeURIComponent(replayKey)}`,
};

export function useDlqEntries(
  filter: DlqFilter,
  refresh: { refetchInterval: number | false } = { refetchInterval: REFETCH.list },
) {
  return useInfiniteQuery({
    queryKey: dlqKeys.list(filter),
    queryFn: ({ signal, pageParam }) => apiGet(dlqPaths.list(filter, pageParam), dlqPageSchema, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    staleTime: STALE.list,
    refetchInterval: refresh.refetchInterval,
  });
}

export function useDlqGroups(filter: DlqFilter) {
  return useQuery({
    queryKey: dlqKeys.groups(filter),
    queryFn: ({ signal }) => apiGet(dlqPaths.groups(filter), dlqGroupsSchema, signal),
    staleTime: STALE.list,
    refetchInterval: REFETCH.list,
  });
}

/** The latest replay of an entry, or null. */
export function latestReplay(entry: Pick<DlqEntryDetail, 'replays'>) {
  return entry.replays.reduce<DlqEntryDetail['replays'][number] | null>(
    (best, r) => (best === null || r.requestedAt > best.requestedAt ? r : best),
    null,
  );
}

/** While a replay's outcome is still pending, poll fast: the user is watching for "processed". */
export const REPLAY_FOLLOW_MS = 1_000;

export function useDlqEntry(id: string) {
  return useQuery({
    queryKey: dlqKeys.detail(id),
    queryFn: ({ signal }) => apiGet(dlqPaths.detail(id), dlqEntryDetailSchema, signal),
    staleTime: STALE.live,
    refetchInterval: (query) => {
      const data = query.state.data;
      const latest = data ? latestReplay(data) : null;
      return latest && latest.status === 'produced' && latest.outcome === 'pending'
        ? REPLAY_FOLLOW_MS
        : REFETCH.list;
    },
  });
}

export function useReplayDlqEntry(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (vars: { replayKey: string; token: string | null }) =>
      apiRequest(dlqPaths.replay(id), replayResponseSchema, {
        body: { replayKey: vars.replayKey },
        token: vars.token,
      }),
    onSettled: async () => {
      // The entry, the lists and groups (status, counts) and the flows it belongs to all change.
      await Promise.all([
        qc.invalidateQueries({ queryKey: dlqKeys.all }),
        qc.invalidateQueries({ queryKey: sagaKeys.all }),
        qc.invalidateQueries({ queryKey: chainKeys.all }),
      ]);
    },
  });
}

export function useBulkReplay() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (vars: { request: BulkReplayRequest; token: string | null }) =>
      apiRequest(dlqPaths.bulkReplay(), bulkReplayResultSchema, { body: vars.request, token: vars.token }),
    onSuccess: async (result) => {
      if (!result.dryRun) await qc.invalidateQueries({ queryKey: dlqKeys.all });
    },
  });
}

/** The dry run of a single replay; fetched fresh each time the confirmation opens. */
export function useReplayPlan(id: string, enabled: boolean) {
  return useQuery({
    queryKey: [...dlqKeys.detail(id), 'plan'] as const,
    queryFn: ({ signal }) => apiGet(dlqPaths.replayPlan(id), replayPlanSchema, signal),
    enabled,
    staleTime: 0,
    gcTime: 0,
  });
}

export function useResolveDlqEntry(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (vars: { request: ResolveRequest; token: string | null }) =>
      apiRequest(dlqPaths.resolve(id), resolutionSchema, { body: vars.request, token: vars.token }),
    onSettled: async () => {
      await qc.invalidateQueries({ queryKey: dlqKeys.all });
    },
  });
}

/** While a bulk job runs, how far it got and each entry's result; polls until the job ends. */
export const BULK_POLL_MS = 1_000;
export function useBulkJob(replayKey: string | null) {
  return useQuery({
    queryKey: [...dlqKeys.all, 'job', replayKey] as const,
    queryFn: ({ signal }) => apiGet(dlqPaths.job(replayKey ?? ''), bulkJobSchema, signal),
    enabled: replayKey !== null,
    // After the job ends, keep following while a produced replay still waits for its outcome
    // (processed / failed again), as long as the dialog is open.
    refetchInterval: (query) => {
      const job = query.state.data;
      if (!job || job.state === 'running') return BULK_POLL_MS;
      return job.items.some((i) => i.status === 'produced' && i.outcome === 'pending')
        ? 2 * BULK_POLL_MS
        : false;
    },
  });
}
