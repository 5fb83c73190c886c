'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { type FormEvent, useEffect, useState } from 'react';

import { api } from '@/lib/api';
import { errorMessage } from '@/lib/errors';
import { getToken, setToken, takeNotice } from '@/lib/token';

import { Alert } from './Alert';
import { AuthCard, AuthField } from './AuthCard';

export function SignInForm() {
  const router = useRouter();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [message, setMessage] = useState<{ text: string; tone: 'error' | 'info' } | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    // Why we were sent here (an expired token), said once.
    const notice = takeNotice();
    if (notice) setMessage({ text: notice, tone: 'info' });
    // Already signed in (a reload of this page): straight to the app.
    else if (getToken()) router.replace('/');
  }, [router]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!email.trim() || !password) {
      setMessage({ text: 'Enter your email and password.', tone: 'error' });
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      const { access_token } = await api.login(email.trim(), password);
      setToken(access_token);
      router.replace('/');
    } catch (error) {
      setMessage({ text: errorMessage(error), tone: 'error' });
      setBusy(false);
    }
  }

  return (
    <AuthCard title="Sign in">
      <Alert tone={message?.tone}>{message?.text}</Alert>
      <form className="stack" onSubmit={submit} noValidate>
        <AuthField id="signin-email" label="Email" type="email" autoComplete="username" value={email} onChange={setEmail} />
        <AuthField
          id="signin-password"
          label="Password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
        />
        <button type="submit" className="button primary" disabled={busy}>
          Sign in
        </button>
      </form>
      <p className="auth-switch">
        New to Sextant? <Link href="/signup/">Create an account</Link>
      </p>
    </AuthCard>
  );
}
