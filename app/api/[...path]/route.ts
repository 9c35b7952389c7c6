import { loadConsoleConfig } from '../../_lib/config.ts';
import { proxyToCollector } from '../../_lib/collector-proxy.ts';

// Browsers talk REST only to the console's origin; this forwards to the collector. The config is
// read per request, so one build serves any deployment.

interface RouteContext {
  params: Promise<{ path: string[] }>;
}

async function handle(request: Request, ctx: RouteContext): Promise<Response> {
  const { path } = await ctx.params;
  const config = loadConsoleConfig();
  return proxyToCollector(request, { collectorUrl: config.COLLECTOR_URL, segments: path });
}

export const GET = handle;
export const POST = handle;
export const dynamic = 'force-dynamic';
