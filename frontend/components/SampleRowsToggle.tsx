'use client';

import { useId, useState } from 'react';

import { api } from '@/lib/api';
import { errorMessage } from '@/lib/errors';
import type { Session } from '@/lib/types';

import { Alert } from './Alert';

interface Props {
  session: Session;
  /** Called after the setting changed on the server. */
  onChanged: () => Promise<void>;
}

/**
 * The session's consent to show a remote model a few rows of its data. Off by default: the
 * model then sees only the columns, their types and aggregate statistics.
 */
export function SampleRowsToggle({ session, onChanged }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const hintId = useId();
  const allowed = session.allow_sample_rows ?? false;

  async function change(allow: boolean) {
    setBusy(true);
    setError(null);
    try {
      await api.updateSession(session.title, { allow_sample_rows: allow });
      await onChanged();
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="sample-rows">
      <label>
        <input
          type="checkbox"
          checked={allowed}
          disabled={busy}
          aria-describedby={hintId}
          onChange={(event) => void change(event.target.checked)}
        />{' '}
        Let a remote model see a few rows of the data
      </label>
      <p id={hintId} className="hint">
        {allowed
          ? 'It sees the first five rows, besides the columns and their statistics.'
          : 'Off: it sees only the columns, their types and statistics, never rows.'}
      </p>
      <Alert>{error}</Alert>
    </div>
  );
}
