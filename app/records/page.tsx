import type { Metadata } from 'next';
import { RecordsExplorer } from '../_features/records/records-explorer.tsx';

export const metadata: Metadata = { title: 'Records' };

export default function RecordsPage() {
  return <RecordsExplorer />;
}
