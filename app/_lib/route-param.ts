/**
 * Dynamic route params arrive percent-encoded or not depending on how the URL was produced; ids
 * here (record ids, order ids, DLQ ids) may legitimately contain '%', so decode defensively.
 */
export function decodeParam(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
