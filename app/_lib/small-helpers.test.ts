import { describe, expect, it } from 'vitest';
import { ApiRequestError, toQueryString } from './api-client.ts';
import { buildCsp, wsOriginOf } from './csp.ts';
import { formatDuration, formatRelative } from './format.ts';
import { shouldRetry } from './query-client.ts';
import { decodeParam } from './route-param.ts';
import { nextTheme, parseTheme } from './theme.ts';
import { publicWsUrl } from './ws-url.ts';

const err = (status: number | null, kind: 'http' | 'network' | 'schema' = 'http') =>
  new ApiRequestError({ kind, status, code: 'x', message: 'x', path: '/api/x' });

describe('shouldRetry', () => {
  it('does not retry client errors or contract mismatches', () => {
    expect(shouldRetry(0, err(404))).toBe(false);
    expect(shouldRetry(0, err(401))).toBe(false);
    expect(shouldRetry(0, err(200, 'schema'))).toBe(false);
  });
  it('retries server and network errors a bounded number of times', () => {
    expect(shouldRetry(0, err(502))).toBe(true);
    expect(shouldRetry(1, err(null, 'network'))).toBe(true);
    expect(shouldRetry(2, err(503))).toBe(false);
  });
});

describe('toQueryString', () => {
  it('leaves out empty values and repeats arrays', () => {
    expect(toQueryString({ a: 'x', b: undefined, c: '', d: 0, e: ['1', '2'], f: false })).toBe(
      '?a=x&d=0&e=1&e=2&f=false',
    );
    expect(toQueryString({})).toBe('');
  });
});

describe('publicWsUrl', () => {
  it('derives ws:// from the collector URL unless a public URL is set', () => {
    expect(publicWsUrl({ COLLECTOR_URL: 'http://127.0.0.1:4000', COLLECTOR_PUBLIC_URL: undefined })).toBe(
      'ws://127.0.0.1:4000/ws',
    );
    expect(
      publicWsUrl({
        COLLECTOR_URL: 'http://collector:4000',
        COLLECTOR_PUBLIC_URL: 'https://causeway.example/c/',
      }),
    ).toBe('wss://causeway.example/c/ws');
  });
});

describe('buildCsp', () => {
  it('allows scripts only with the nonce and the tail socket as the only extra origin', () => {
    const csp = buildCsp({ nonce: 'abc', wsOrigin: wsOriginOf('ws://127.0.0.1:4000/ws'), dev: false });
    expect(csp).toContain(`script-src 'self' 'nonce-abc' 'strict-dynamic'`);
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:4000");
    expect(csp).toContain("frame-ancestors 'none'");
  });
});

describe('format and params', () => {
  it('formats durations for humans', () => {
    expect(formatDuration(450)).toBe('450 ms');
    expect(formatDuration(2500)).toBe('2.50 s');
    expect(formatDuration(125_000)).toBe('2m 5s');
    expect(formatRelative(1000, 61_000)).toBe('1m 0s ago');
  });
  it('decodes route params once, tolerating a bare %', () => {
    expect(decodeParam('orders.events%3A1%3A5')).toBe('orders.events:1:5');
    expect(decodeParam('100%')).toBe('100%');
  });
  it('cycles themes and rejects unknown values', () => {
    expect(parseTheme('dark')).toBe('dark');
    expect(parseTheme('<x>')).toBe('system');
    expect(nextTheme('system')).toBe('light');
    expect(nextTheme('dark')).toBe('system');
  });
});
