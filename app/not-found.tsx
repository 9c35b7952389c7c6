import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="state state-empty" data-testid="not-found">
      <p className="state-title">This page does not exist.</p>
      <p>
        Start from the <Link href="/">overview</Link>, or search a chain by order id on{' '}
        <Link href="/chains">Chains</Link>.
      </p>
    </div>
  );
}
