'use client';

import { type FormEvent, useState } from 'react';

import { api } from '@/lib/api';
import { errorMessage, refusalMessage } from '@/lib/errors';
import { formatDate } from '@/lib/format';
import type { Session } from '@/lib/types';

import { Alert } from './Alert';
import { ConfirmDialog } from './ConfirmDialog';

interface Props {
  id: string;
  /** Shown on a phone; on wider screens the sidebar is always there. */
  open: boolean;
  sessions: Session[];
  loaded: boolean;
  onChanged: () => Promise<void>;
  /** Called when the user picks a session (the phone layout then closes the sidebar). */
  onPicked?: () => void;
}

/** The message for a refused delete: the server's, and what to do about it. */
export function deleteSessionMessage(error: unknown): string {
  return refusalMessage(error, 'Switch to another session first.');
}

export function SessionsSidebar({ id, open, sessions, loaded, onChanged, onPicked }: Props) {
  const [title, setTitle] = useState('');
  const [createError, setCreateError] = useState<string | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The session waiting for the user to confirm its deletion.
  const [deleting, setDeleting] = useState<string | null>(null);

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const trimmed = title.trim();
    if (!trimmed) {
      setCreateError('Give the session a title.');
      return;
    }
    setBusy(true);
    setCreateError(null);
    try {
      await api.createSession(trimmed);
      setTitle('');
      await onChanged();
    } catch (error) {
      setCreateError(errorMessage(error));
    } finally {
      setBusy(false);
    }
  }

  async function run(action: () => Promise<unknown>, describe: (error: unknown) => string = errorMessage) {
    setListError(null);
    try {
      await action();
      await onChanged();
    } catch (error) {
      setListError(describe(error));
    }
  }

  return (
    <aside id={id} className={`sidebar${open ? ' open' : ''}`} aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Sessions</h2>
      <form className="new-session" onSubmit={create} noValidate>
        <label htmlFor="session-title">Session title</label>
        <div className="inline-form">
          <input
            id="session-title"
            value={title}
            maxLength={200}
            placeholder="e.g. Q3 sales"
            aria-invalid={createError ? true : undefined}
            aria-describedby={createError ? 'session-title-error' : undefined}
            onChange={(event) => {
              setTitle(event.target.value);
              setCreateError(null);
            }}
          />
          <button type="submit" className="button primary" disabled={busy}>
            New session
          </button>
        </div>
        {createError && (
          <p id="session-title-error" role="alert" className="field-error">
            {createError}
          </p>
        )}
      </form>

      <Alert>{listError}</Alert>
      {loaded && sessions.length === 0 ? (
        <p className="muted">No sessions yet. Type a title above and press New session to begin.</p>
      ) : (
        <ul className="session-list">
          {sessions.map((session) => {
            const metaId = `session-meta-${session.id}`;
            return (
              <li key={session.id} className={session.active ? 'active' : undefined}>
                {/* The button is named by the title alone; the whole row is its click target (CSS). */}
                <button
                  type="button"
                  className="session-button"
                  aria-describedby={metaId}
                  aria-current={session.active ? 'true' : undefined}
                  onClick={() => {
                    if (!session.active) void run(() => api.activateSession(session.title));
                    onPicked?.();
                  }}
                >
                  {session.title}
                </button>
                <span id={metaId} className="session-meta">
                  {formatDate(session.created_at)} · {session.active_file ?? 'no dataset'}
                </span>
                <button
                  type="button"
                  className="icon-button"
                  aria-label={`Delete session ${session.title}`}
                  title={`Delete session ${session.title}`}
                  onClick={() => {
                    // The active session cannot be deleted: the server's refusal explains why
                    // at once, with no question asked first.
                    if (session.active) void run(() => api.deleteSession(session.title), deleteSessionMessage);
                    else setDeleting(session.title);
                  }}
                >
                  <svg aria-hidden="true" viewBox="0 0 16 16" width="16" height="16">
                    <path d="M4 4l8 8M12 4l-8 8" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
                  </svg>
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete session ${deleting ?? ''}?`}
        message="This deletes the session with its conversations. Your datasets are kept."
        confirmLabel="Yes, delete it"
        onConfirm={() => {
          const title = deleting;
          setDeleting(null);
          if (title) void run(() => api.deleteSession(title), deleteSessionMessage);
        }}
        onCancel={() => setDeleting(null)}
      />
    </aside>
  );
}
