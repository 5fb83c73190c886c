import type { ReactNode } from 'react';

/** The frame of the sign-in and sign-up pages. */
export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="auth-page">
      <div className="auth-card">
        <p className="brand auth-brand">Sextant</p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

interface FieldProps {
  id: string;
  label: string;
  type: 'email' | 'password';
  autoComplete: string;
  value: string;
  onChange: (value: string) => void;
  invalid?: boolean;
  /** A line under the input, read with it by screen readers. */
  hint?: string;
}

/** One labelled input of the sign-in and sign-up forms. */
export function AuthField({ id, label, type, autoComplete, value, onChange, invalid, hint }: FieldProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type={type}
        autoComplete={autoComplete}
        aria-describedby={hintId}
        aria-invalid={invalid || undefined}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        required
      />
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
    </div>
  );
}
