import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError, forbidden, unauthorized } from '../../lib/errors.ts';
import type { Access } from './router.ts';

// Bearer-token auth. Writes (replay) need the operator token; reads need the viewer or operator
// token only when VIEWER_TOKEN is set. Tokens are compared as SHA-256 digests with
// timingSafeEqual (equal length, constant time) and never logged. Failed attempts are counted
// per remote address: past the limit in the window the address gets 429 until it cools down.

export type Identity = 'operator' | 'viewer' | 'anonymous';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export interface AuthOptions {
  readonly operatorToken: string | undefined;
  readonly viewerToken: string | undefined;
  readonly now?: () => number;
  readonly maxFailures?: number;
  readonly windowMs?: number;
}

export function createAuth(options: AuthOptions) {
  const now = options.now ?? Date.now;
  const maxFailures = options.maxFailures ?? 10;
  const windowMs = options.windowMs ?? 60_000;
  const operator = options.operatorToken ? digest(options.operatorToken) : undefined;
  const viewer = options.viewerToken ? digest(options.viewerToken) : undefined;
  const failures = new Map<string, number[]>();

  const recent = (addr: string) => {
    const cutoff = now() - windowMs;
    const list = (failures.get(addr) ?? []).filter((t) => t > cutoff);
    if (list.length) failures.set(addr, list);
    else failures.delete(addr);
    return list;
  };
  const fail = (addr: string) => {
    // Bounded memory under a spray of addresses: forget the oldest ones.
    if (failures.size > 10_000) failures.delete(failures.keys().next().value!);
    failures.set(addr, [...recent(addr), now()]);
  };
  const tooMany = () =>
    new AppError('Too many failed token attempts from this address; wait a minute', {
      statusCode: 429,
      code: 'rate_limited',
    });

  function identify(token: string | undefined): Identity | 'wrong' {
    if (token === undefined) return 'anonymous';
    const d = digest(token);
    if (operator && timingSafeEqual(d, operator)) return 'operator';
    if (viewer && timingSafeEqual(d, viewer)) return 'viewer';
    return 'wrong';
  }

  return {
    readRequired: viewer !== undefined,
    writeEnabled: operator !== undefined,
    /** The caller's identity for `access`, or throws 401 / 403 / 429. */
    check(access: Access, token: string | undefined, addr: string): Identity {
      if (access === 'public') {
        const id = identify(token);
        return id === 'wrong' ? 'anonymous' : id;
      }
      if (recent(addr).length >= maxFailures) throw tooMany();
      if (access === 'write' && !operator)
        throw forbidden('Writes are disabled: set OPERATOR_TOKEN on the collector to allow replays');
      const id = identify(token);
      if (id === 'wrong') {
        fail(addr);
        throw forbidden('This token is not valid here');
      }
      if (access === 'write') {
        if (id === 'anonymous')
          throw unauthorized('An operator token is required: send Authorization: Bearer <OPERATOR_TOKEN>');
        if (id !== 'operator') {
          fail(addr);
          throw forbidden('Replay and other writes need the operator token');
        }
        return id;
      }
      if (viewer && id === 'anonymous')
        throw unauthorized('A viewer token is required: send Authorization: Bearer <VIEWER_TOKEN>');
      return id;
    },
    /** For the WebSocket subscribe frame: true when no viewer token is configured or the token is valid. */
    wsAllowed(token: string | undefined, addr: string): boolean | 'rate_limited' {
      if (!viewer) return true;
      if (recent(addr).length >= maxFailures) return 'rate_limited';
      const id = identify(token);
      if (id === 'operator' || id === 'viewer') return true;
      if (id === 'wrong') fail(addr);
      return false;
    },
  };
}
export type Auth = ReturnType<typeof createAuth>;

export function bearerOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}
