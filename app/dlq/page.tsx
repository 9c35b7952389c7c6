import type { Metadata } from 'next';
import { DlqWorkbench } from '../_features/dlq/dlq-workbench.tsx';

export const metadata: Metadata = { title: 'Dead letters' };

export default function DlqPage() {
  return <DlqWorkbench />;
}
