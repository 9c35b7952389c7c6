import type { Metadata } from 'next';
import { Runbook } from '../../../_features/alerts/runbook.tsx';
import { decodeParam } from '../../../_lib/route-param.ts';

export const metadata: Metadata = { title: 'Runbook' };

export default async function RunbookPage({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return <Runbook name={decodeParam(name)} />;
}
