import { NextResponse, type NextRequest } from 'next/server';
import { loadConsoleConfig } from './app/_lib/config.ts';
import { buildCsp, newNonce, wsOriginOf } from './app/_lib/csp.ts';
import { publicWsUrl } from './app/_lib/ws-url.ts';

// Next.js 16 "proxy" (formerly middleware): a fresh CSP nonce per page request. Next.js reads the
// nonce from the request's CSP header and applies it to its scripts while rendering.

export function proxy(request: NextRequest) {
  const nonce = newNonce();
  const csp = buildCsp({
    nonce,
    wsOrigin: wsOriginOf(publicWsUrl(loadConsoleConfig())),
    dev: process.env.NODE_ENV === 'development',
  });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('x-nonce', nonce);
  requestHeaders.set('Content-Security-Policy', csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('Content-Security-Policy', csp);
  return response;
}

export const config = {
  matcher: [
    {
      source: '/((?!api/|_next/static|_next/image|favicon.ico).*)',
      missing: [
        { type: 'header', key: 'next-router-prefetch' },
        { type: 'header', key: 'purpose', value: 'prefetch' },
      ],
    },
  ],
};
