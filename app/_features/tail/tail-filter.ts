import { z } from 'zod';
import type { TailFilter } from '../../../lib/api/ws.ts';
import { splitList } from '../../_lib/url-state.ts';

/** The tail's URL params: `?topics=a,b&types=X&key=k&correlationId=c&dlqOnly=1&record=t:p:o`. */
export const tailUrlShape = {
  topics: z.string().max(4000),
  types: z.string().max(4000),
  key: z.string().max(1024),
  correlationId: z.string().max(256),
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
