import type { Metadata } from 'next';

import { SignUpForm } from '@/components/SignUpForm';

export const metadata: Metadata = { title: 'Create your account · Sextant' };

export default function SignUpPage() {
  return <SignUpForm />;
}
