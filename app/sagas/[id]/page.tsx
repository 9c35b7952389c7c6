import type { Metadata } from 'next';
import { SagaDetailView } from '../../_features/sagas/saga-detail.tsx';
import { decodeParam } from '../../_lib/route-param.ts';

export const metadata: Metadata = { title: 'Saga' };

export default async function SagaPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <SagaDetailView id={decodeParam(id)} />;
}
