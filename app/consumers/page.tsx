import type { Metadata } from 'next';
import { ConsumersPage } from '../_features/consumers/consumers-page.tsx';

export const metadata: Metadata = { title: 'Consumers' };

export default function Page() {
  return <ConsumersPage />;
}
