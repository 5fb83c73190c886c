'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { type FormEvent, useState } from 'react';

import { api } from '@/lib/api';
import { errorMessage } from '@/lib/errors';
import { setToken } from '@/lib/token';

import { Alert } from './Alert';
import { AuthCard, AuthField } from './AuthCard';

export const MIN_PASSWORD = 8;

/** The first thing wrong with the form, checked before the server is asked; null if none. */
export function signUpProblem(email: string, password: string, confirm: string): string | null {
  if (!email.trim()) return 'Enter your email address.';
  if (password.length < MIN_PASSWORD) return `The password must be at least ${MIN_PASSWORD} characters long.`;
  if (password !== confirm) return 'The two passwords do not match.';
  return null;
}

export function SignUpForm() {
  const router = useRouter();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [invalid, setInvalid] = useState<'email' | 'password' | 'confirm' | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const problem = signUpProblem(email, password, confirm);
    if (problem) {
      setError(problem);
      setInvalid(!email.trim() ? 'email' : password.length < MIN_PASSWORD ? 'password' : 'confirm');
      return;
    }
    setBusy(true);
    setError(null);
    setInvalid(null);
    try {
      await api.register(email.trim(), password);
      // Signed up: sign in straight away with the same credentials.
      const { access_token } = await api.login(email.trim(), password);
      setToken(access_token);
      router.replace('/');
    } catch (caught) {
      setError(errorMessage(caught));
      setBusy(false);
    }
  }

  return (
    <AuthCard title="Create your account">
      <Alert>{error}</Alert>
      <form className="stack" onSubmit={submit} noValidate>
        <AuthField
          id="signup-email"
          label="Email"
          type="email"
          autoComplete="email"
          value={email}
          onChange={setEmail}
          invalid={invalid === 'email'}
        />
        <AuthField
          id="signup-password"
          label="Password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={setPassword}
          invalid={invalid === 'password'}
          hint={`At least ${MIN_PASSWORD} characters.`}
        />
        <AuthField
          id="signup-confirm"
          label="Confirm password"
          type="password"
          autoComplete="new-password"
          value={confirm}
          onChange={setConfirm}
          invalid={invalid === 'confirm'}
        />
        <button type="submit" className="button primary" disabled={busy}>
          Create account
        </button>
      </form>
      <p className="auth-switch">
        Already have an account? <Link href="/signin/">Sign in</Link>
      </p>
    </AuthCard>
  );
}
