import type { Metadata } from 'next';
import { DlqEntryView } from '../../_features/dlq/dlq-entry.tsx';
import { decodeParam } from '../../_lib/route-param.ts';

export const metadata: Metadata = { title: 'Dead letter' };

export default async function DlqEntryPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <DlqEntryView id={decodeParam(id)} />;
}
