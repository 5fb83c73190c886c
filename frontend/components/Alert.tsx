import type { ReactNode } from 'react';

/** An error (or an urgent notice) that assistive technology announces at once. */
export function Alert({ children, tone = 'error' }: { children: ReactNode; tone?: 'error' | 'info' }) {
  if (!children) return null;
  return (
    <div role="alert" className={`alert alert-${tone}`}>
      {children}
    </div>
  );
}
