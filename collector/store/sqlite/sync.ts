// The SQLite adapter is synchronous underneath (`DatabaseSync`); each repository is written as
// plain functions and lifted to the async store port here.

export type SyncRepo<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never;
};

export function asyncRepo<T>(sync: SyncRepo<T>): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(sync)) {
    if (typeof fn !== 'function') continue;
    const f = fn as (...args: unknown[]) => unknown;
    out[name] = (...args: unknown[]) => {
      try {
        return Promise.resolve(f(...args));
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    };
  }
  return out as T;
}
