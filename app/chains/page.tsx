import type { Metadata } from 'next';
import { ChainSearch } from '../_features/chains/chain-search.tsx';

export const metadata: Metadata = { title: 'Chains' };

export default function ChainsPage() {
  return <ChainSearch />;
}
