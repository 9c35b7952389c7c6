import { ConfigError } from '../../lib/config.ts';

/**
 * One anchored RegExp for the ingest subscription: the include pattern, minus the exclude
 * pattern, never an internal topic (`__consumer_offsets`, ...). Both patterns match whole names.
 */
export function buildTopicPattern(include: string, exclude: string | undefined): RegExp {
  for (const [name, src] of [
    ['COLLECTOR_TOPIC_INCLUDE', include],
    ['COLLECTOR_TOPIC_EXCLUDE', exclude],
  ] as const) {
    if (src === undefined) continue;
    try {
      new RegExp(src);
    } catch (err) {
      throw new ConfigError(`${name} is not a valid regular expression: ${(err as Error).message}`);
    }
  }
  const ex = exclude ? `(?!(?:${exclude})$)` : '';
  return new RegExp(`^(?!__)${ex}(?:${include})$`);
}
