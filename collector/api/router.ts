import { badRequest } from '../../lib/errors.ts';

// A tiny router: `/api/dlq/:id/replay` style patterns, literal segments win over parameters so
// `/api/dlq/groups` is never taken for an entry id.

export type Access = 'public' | 'read' | 'write';

export interface RouteContext {
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly identity: 'operator' | 'viewer' | 'anonymous';
  /** For the audit log: the peer address and the self-declared `X-Causeway-Actor`. */
  readonly remoteAddr?: string;
  readonly actor?: string;
}

export interface RouteResult {
  readonly status?: number;
  readonly body: unknown;
  /** Extra response headers (an export's content-disposition). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly access: Access;
  readonly handler: (ctx: RouteContext) => Promise<RouteResult> | RouteResult;
}

interface Compiled extends Route {
  readonly segments: readonly string[];
  readonly literals: number;
}

export function createRouter(routes: readonly Route[]) {
  const compiled: Compiled[] = routes
    .map((r) => {
      const segments = r.path.split('/').filter(Boolean);
      return { ...r, segments, literals: segments.filter((s) => !s.startsWith(':')).length };
    })
    .sort((a, b) => b.literals - a.literals);

  return {
    /** The matching route and its decoded params; `methods` lists what the path allows otherwise. */
    match(
      method: string,
      pathname: string,
    ): { route: Compiled; params: Record<string, string> } | { route: undefined; methods: string[] } {
      const parts = pathname.split('/').filter(Boolean);
      const methods: string[] = [];
      for (const r of compiled) {
        if (r.segments.length !== parts.length) continue;
        const params: Record<string, string> = {};
        let ok = true;
        for (let i = 0; i < parts.length && ok; i++) {
          const seg = r.segments[i]!;
          const part = parts[i]!;
          if (seg.startsWith(':')) {
            try {
              params[seg.slice(1)] = decodeURIComponent(part);
            } catch {
              throw badRequest(`Path segment "${part}" is not valid percent-encoding`);
            }
          } else ok = seg === part;
        }
        if (!ok) continue;
        if (r.method === method) return { route: r, params };
        methods.push(r.method);
      }
      return { route: undefined, methods };
    },
    routes: compiled,
  };
}
