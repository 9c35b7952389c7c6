import { Overview } from './_features/overview/overview.tsx';

export default function OverviewPage() {
  return <Overview />;
}
