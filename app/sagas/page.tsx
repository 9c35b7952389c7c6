import type { Metadata } from 'next';
import { SagaList } from '../_features/sagas/saga-list.tsx';

export const metadata: Metadata = { title: 'Sagas' };

export default function SagasPage() {
  return <SagaList />;
}
