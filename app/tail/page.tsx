import type { Metadata } from 'next';
import { LiveTail } from '../_features/tail/live-tail.tsx';

export const metadata: Metadata = { title: 'Live tail' };

export default function TailPage() {
  return <LiveTail />;
}
