import type { Metadata } from 'next';
import { ChainView } from '../../_features/chains/chain-view.tsx';
import { decodeParam } from '../../_lib/route-param.ts';

export const metadata: Metadata = { title: 'Chain' };

export default async function ChainPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <ChainView id={decodeParam(id)} />;
}
