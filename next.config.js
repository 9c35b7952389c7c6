// The console's Next.js config. Security headers apply to every response; the per-request
// nonce-based Content-Security-Policy is set by `proxy.ts`, because a nonce cannot live in a static
// config. `frame-ancestors 'none'` is repeated here so that even routes the proxy skips (static
// assets, the REST proxy) cannot be framed.

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  typedRoutes: false,
  // `npm test` runs `tsc --noEmit` over the whole repository before the build (scripts/test.sh);
  // a second full type check inside `next build` would cost a minute on CI's two cores and fail
  // the console's build for a type error in, say, the shop.
  typescript: { ignoreBuildErrors: true },
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'no-referrer' },
          { key: 'X-Frame-Options', value: 'DENY' },
          { key: 'Content-Security-Policy', value: "frame-ancestors 'none'" },
        ],
      },
    ];
  },
};

export default nextConfig;
