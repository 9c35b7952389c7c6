import { z } from 'zod';
import type { TailFilter } from '../../../lib/api/ws.ts';
import { splitList } from '../../_lib/url-state.ts';

/**
 * The tail's URL params: `?topics=a,b&types=X&key=k&correlationId=c&dlqOnly=1&record=t:p:o`.
 * The bounds are wider than the collector's on purpose: a filter the collector cannot apply must
 * reach it and be refused visibly (an error frame), not be dropped here while the stream goes on.
 */
export const tailUrlShape = {
  topics: z.string().max(8000),
  types: z.string().max(8000),
  key: z.string().max(8000),
  correlationId: z.string().max(8000),
  dlqOnly: z.enum(['1', 'true']),
  record: z.string().max(300),
};

export interface TailUrlState {
  topics?: string | undefined;
  types?: string | undefined;
  key?: string | undefined;
  correlationId?: string | undefined;
  dlqOnly?: '1' | 'true' | undefined;
}

/** URL state → the subscribe frame's filter (only the fields that are set). */
export function toTailFilter(url: TailUrlState): TailFilter {
  const filter: TailFilter = {};
  const topics = splitList(url.topics).slice(0, 100);
  const types = splitList(url.types).slice(0, 100);
  if (topics.length) filter.topics = topics;
  if (types.length) filter.types = types;
  if (url.key) filter.key = url.key;
  if (url.correlationId) filter.correlationId = url.correlationId;
  if (url.dlqOnly) filter.dlqOnly = true;
  return filter;
}

/** A stable string for a filter, to tell when it really changed. */
export function filterKey(filter: TailFilter): string {
  return JSON.stringify([
    filter.topics ?? [],
    filter.types ?? [],
    filter.key ?? '',
    filter.correlationId ?? '',
    filter.dlqOnly ?? false,
  ]);
}

/**
 * The same filter as a stored-records query, to search back: the records API takes one topic and
 * one type, so a filter naming several of either cannot be searched back (null).
 */
export function toSearchBack(filter: TailFilter): Record<string, string | number | boolean> | null {
  if (Object.keys(filter).length === 0) return null;
  if ((filter.topics?.length ?? 0) > 1 || (filter.types?.length ?? 0) > 1) return null;
  return {
    ...(filter.topics?.[0] && { topic: filter.topics[0] }),
    ...(filter.types?.[0] && { type: filter.types[0] }),
    ...(filter.key !== undefined && { key: filter.key }),
    ...(filter.correlationId !== undefined && { correlationId: filter.correlationId }),
    ...(filter.dlqOnly && { dlqOnly: true }),
    limit: 100,
  };
}
