'use client';

import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useState } from 'react';

import { api } from '@/lib/api';
import { errorMessage } from '@/lib/errors';
import { clearToken, getToken } from '@/lib/token';
import type { DatasetFile, Session, User } from '@/lib/types';

import { Alert } from './Alert';
import { Chat } from './Chat';
import { DatasetsPanel } from './DatasetsPanel';
import { SampleRowsToggle } from './SampleRowsToggle';
import { SessionsSidebar } from './SessionsSidebar';

/**
 * The active session's dataset. The session list names it (`active_file`), which spares a
 * request that answers 404 when there is none; a gateway without that field is asked.
 */
async function activeFileOf(sessions: Session[], files: DatasetFile[]): Promise<DatasetFile | null> {
  const active = sessions.find((session) => session.active);
  if (!active || active.active_file === null) return null;
  const named = active.active_file === undefined ? undefined : files.find((file) => file.file_name === active.active_file);
  return named ?? api.activeFile();
}

/**
 * The signed-in app: header, sessions sidebar, datasets and chat. It owns the lists the
 * three parts share (sessions, datasets, the active dataset) and reloads them after any
 * change, since one change (an upload, a switch) moves several of them at once.
 */
export function Workspace() {
  const router = useRouter();
  const [user, setUser] = useState<User | null>(null);
  const [sessions, setSessions] = useState<Session[]>([]);
  const [files, setFiles] = useState<DatasetFile[]>([]);
  const [activeFile, setActiveFile] = useState<DatasetFile | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [sidebarOpen, setSidebarOpen] = useState(false);

  const refresh = useCallback(async () => {
    try {
      const [nextSessions, nextFiles] = await Promise.all([api.sessions(), api.files()]);
      setSessions(nextSessions);
      setFiles(nextFiles);
      setActiveFile(await activeFileOf(nextSessions, nextFiles));
      setLoadError(null);
    } catch (error) {
      setLoadError(errorMessage(error));
    }
  }, []);

  useEffect(() => {
    if (!getToken()) {
      router.replace('/signin/');
      return;
    }
    let cancelled = false;
    (async () => {
      try {
        const me = await api.me();
        if (cancelled) return;
        setUser(me);
        await refresh();
      } catch (error) {
        if (!cancelled) setLoadError(errorMessage(error));
      } finally {
        if (!cancelled) setLoaded(true);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [refresh, router]);

  function signOut() {
    clearToken();
    router.replace('/signin/');
  }

  const activeSession = sessions.find((session) => session.active) ?? null;

  return (
    <div className="app">
      <header className="app-header">
        <button
          type="button"
          className="button sessions-toggle"
          aria-expanded={sidebarOpen}
          aria-controls="sessions-panel"
          onClick={() => setSidebarOpen((open) => !open)}
        >
          Sessions
        </button>
        <p className="brand">Sextant</p>
        <div className="header-end">
          {user && (
            <span className="user-email" title={user.email}>
              {user.email}
            </span>
          )}
          <button type="button" className="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>

      <div className="workspace">
        <SessionsSidebar
          id="sessions-panel"
          open={sidebarOpen}
          sessions={sessions}
          loaded={loaded}
          onChanged={refresh}
          onPicked={() => setSidebarOpen(false)}
        />
        <main className="main" id="main">
          <h1 className="visually-hidden">Sextant workspace</h1>
          <Alert>{loadError}</Alert>
          {!loaded ? (
            <p className="muted" role="status">
              Loading your workspace…
            </p>
          ) : (
            <>
              {!activeSession && (
                <div className="empty-state">
                  <h2>Start with a session</h2>
                  <p>
                    A session holds one line of analysis. Create one in <strong>Sessions</strong>: type a
                    title and press <strong>New session</strong>. Then upload a dataset and ask questions
                    about it.
                  </p>
                </div>
              )}
              <DatasetsPanel
                files={files}
                activeFile={activeFile}
                hasActiveSession={activeSession !== null}
                onChanged={refresh}
              />
              {activeSession && (
                <Chat
                  // A new session or dataset is a new conversation: start from its history.
                  key={`${activeSession.id}/${activeFile?.file_name ?? ''}`}
                  sessionTitle={activeSession.title}
                  settings={<SampleRowsToggle session={activeSession} onChanged={refresh} />}
                  dataset={activeFile?.file_name ?? null}
                />
              )}
            </>
          )}
        </main>
      </div>
    </div>
  );
}
