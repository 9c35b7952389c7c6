import type { Metadata } from 'next';
import { Runbook } from '../../../_features/alerts/runbook.tsx';
import { runbookContext } from '../../../_features/alerts/runbook-template.ts';
import { decodeParam } from '../../../_lib/route-param.ts';

export const metadata: Metadata = { title: 'Runbook' };

export default async function RunbookPage({
  params,
  searchParams,
}: {
  params: Promise<{ name: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { name } = await params;
  return <Runbook name={decodeParam(name)} context={runbookContext(await searchParams)} />;
}
