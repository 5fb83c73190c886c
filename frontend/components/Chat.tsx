'use client';

import { type FormEvent, type KeyboardEvent, type ReactNode, useCallback, useEffect, useRef, useState } from 'react';

import { wasCancelled } from '@/lib/answer';
import { api, ApiError } from '@/lib/api';
import { streamChat } from '@/lib/chatStream';
import { downloadText } from '@/lib/download';
import { errorMessage } from '@/lib/errors';
import { conversationToMarkdown, exportFileName } from '@/lib/markdown';
import { statusLabel } from '@/lib/status';
import type { AnswerEvent } from '@/lib/types';

import { Alert } from './Alert';
import { AnswerView, type TurnState } from './AnswerView';
import { ConfirmDialog } from './ConfirmDialog';

interface Turn {
  key: string;
  question: string;
  events: AnswerEvent[];
  state: TurnState;
  status: string | null;
  error: string | null;
}

interface Props {
  sessionTitle: string;
  /** The session's settings, shown under the heading. */
  settings?: ReactNode;
  /** The active dataset; null when the session has none yet. */
  dataset: string | null;
}

let turnCounter = 0;
const nextKey = () => `turn-${++turnCounter}`;

function questionRefused(error: unknown): string {
  if (error instanceof ApiError && error.status === 409) {
    return `${errorMessage(error)} Wait for the running answer to finish, or stop it.`;
  }
  return errorMessage(error);
}

/**
 * The conversation about the active dataset: history, suggested questions, the composer,
 * and the streaming of each new answer (with Stop).
 */
export function Chat({ sessionTitle, settings, dataset }: Props) {
  const [turns, setTurns] = useState<Turn[]>([]);
  const [historyLoaded, setHistoryLoaded] = useState(false);
  const [historyError, setHistoryError] = useState<string | null>(null);
  const [suggestions, setSuggestions] = useState<string[]>([]);
  const [draft, setDraft] = useState('');
  const [running, setRunning] = useState(false);
  const [stopping, setStopping] = useState(false);
  const [confirmClear, setConfirmClear] = useState(false);
  const [toolbarError, setToolbarError] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  const stopRequested = useRef(false);
  const composer = useRef<HTMLTextAreaElement>(null);

  const loadSuggestions = useCallback(async () => {
    try {
      setSuggestions(await api.suggestions());
    } catch {
      setSuggestions([]); // Suggestions are a convenience: their failure need not be shown.
    }
  }, []);

  useEffect(() => {
    if (!dataset) {
      setHistoryLoaded(true);
      return;
    }
    let cancelled = false;
    api
      .history()
      .then((history) => {
        if (cancelled) return;
        setTurns(
          history.map((turn) => ({
            key: nextKey(),
            question: turn.question,
            events: turn.answer ?? [],
            state: wasCancelled(turn.answer ?? []) ? 'stopped' : 'done',
            status: null,
            error: null,
          })),
        );
        if (history.length === 0) void loadSuggestions();
      })
      .catch((error) => {
        if (!cancelled) setHistoryError(errorMessage(error));
      })
      .finally(() => {
        if (!cancelled) setHistoryLoaded(true);
      });
    return () => {
      cancelled = true;
    };
  }, [dataset, loadSuggestions]);

  // Leaving the conversation (another session or dataset) closes its stream, which also
  // cancels the run on the server.
  useEffect(() => () => abort.current?.abort(), []);

  const update = useCallback((key: string, change: (turn: Turn) => Turn) => {
    setTurns((current) => current.map((turn) => (turn.key === key ? change(turn) : turn)));
  }, []);

  async function ask(text: string) {
    const question = text.trim();
    if (!question || running || !dataset) return;
    const key = nextKey();
    setTurns((current) => [...current, { key, question, events: [], state: 'running', status: null, error: null }]);
    setDraft('');
    setSuggestions([]);
    setRunning(true);
    stopRequested.current = false;
    const controller = new AbortController();
    abort.current = controller;
    try {
      const result = await streamChat({
        question,
        signal: controller.signal,
        shouldResume: () => !stopRequested.current,
        onEvent: (event) =>
          update(key, (turn) => ({
            ...turn,
            events: [...turn.events, event],
            status:
              event.type === 'status' && event.data.phase === 'started'
                ? statusLabel(event.data.node)
                : turn.status,
          })),
      });
      update(key, (turn) => ({
        ...turn,
        state: stopRequested.current || result.aborted || wasCancelled(turn.events) ? 'stopped' : 'done',
      }));
    } catch (error) {
      update(key, (turn) =>
        stopRequested.current
          ? { ...turn, state: 'stopped' }
          : { ...turn, state: 'failed', error: questionRefused(error) },
      );
    } finally {
      if (abort.current === controller) abort.current = null;
      setRunning(false);
      setStopping(false);
    }
  }

  async function stop() {
    const controller = abort.current;
    if (!controller) return;
    stopRequested.current = true;
    setStopping(true);
    try {
      await api.cancel();
      // The server ends the stream after a cancel; should it not, closing it also cancels.
      setTimeout(() => controller.abort(), 5000);
    } catch {
      controller.abort();
    }
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void ask(draft);
  }

  function keyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    // Enter asks; Shift+Enter is a new line; Enter that confirms an IME composition is neither.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void ask(draft);
    }
  }

  function exportMarkdown() {
    const context = { session: sessionTitle, dataset, exportedAt: new Date() };
    const conversation = turns.map((turn) => ({ question: turn.question, answer: turn.events }));
    downloadText(conversationToMarkdown(conversation, context), exportFileName(context));
  }

  async function clearHistory() {
    setConfirmClear(false);
    setToolbarError(null);
    try {
      await api.clearHistory();
      setTurns([]);
      void loadSuggestions();
    } catch (error) {
      setToolbarError(errorMessage(error));
    }
  }

  const empty = historyLoaded && turns.length === 0;

  return (
    <section className="chat" aria-labelledby="chat-heading">
      <div className="chat-header">
        <h2 id="chat-heading">Chat{dataset ? ` about ${dataset}` : ''}</h2>
        <div className="toolbar">
          <button type="button" className="button small" onClick={exportMarkdown} disabled={turns.length === 0}>
            Export Markdown
          </button>
          <button type="button" className="button small" onClick={() => window.print()} disabled={turns.length === 0}>
            Print or PDF
          </button>
          <button
            type="button"
            className="button small"
            onClick={() => setConfirmClear(true)}
            disabled={turns.length === 0 || running}
          >
            Clear history
          </button>
        </div>
      </div>
      {settings}
      <Alert>{toolbarError}</Alert>
      <Alert>{historyError}</Alert>

      {!dataset ? (
        <p className="muted empty-chat">Upload a dataset or choose one above, then ask questions about it here.</p>
      ) : (
        <>
          <ol className="messages" aria-label="Conversation">
            {turns.map((turn) => (
              <li key={turn.key} className="turn">
                <article className="question" aria-label="Question">
                  <p>{turn.question}</p>
                </article>
                <AnswerView events={turn.events} state={turn.state} status={turn.status} error={turn.error} />
              </li>
            ))}
          </ol>
          {/* Keeps the newest text in view while it streams (CSS scroll anchoring). */}
          <div className="scroll-anchor" />

          {empty && (
            <div className="empty-chat">
              <p className="muted">No questions yet about {dataset}.</p>
              {suggestions.length > 0 && (
                <div role="group" aria-label="Suggested questions" className="suggestions">
                  {suggestions.map((suggestion) => (
                    <button
                      key={suggestion}
                      type="button"
                      className="button suggestion"
                      onClick={() => void ask(suggestion)}
                      disabled={running}
                    >
                      {suggestion}
                    </button>
                  ))}
                </div>
              )}
            </div>
          )}

          <form className="composer" onSubmit={submit}>
            <label htmlFor="question" className="visually-hidden">
              Ask a question about your data
            </label>
            <textarea
              id="question"
              ref={composer}
              rows={2}
              value={draft}
              placeholder={`Ask a question about ${dataset}…`}
              aria-describedby="composer-hint"
              onChange={(event) => setDraft(event.target.value)}
              onKeyDown={keyDown}
            />
            <div className="composer-actions">
              <span id="composer-hint" className="hint">
                Enter to ask · Shift+Enter for a new line
              </span>
              {running && (
                <button type="button" className="button" onClick={stop} disabled={stopping}>
                  Stop
                </button>
              )}
              <button type="submit" className="button primary" disabled={running || !draft.trim()}>
                Ask
              </button>
            </div>
          </form>
        </>
      )}

      <ConfirmDialog
        open={confirmClear}
        title="Clear the history?"
        message={`This forgets every question and answer of this session about ${dataset ?? 'this dataset'}. It cannot be undone.`}
        confirmLabel="Yes, clear history"
        onConfirm={() => void clearHistory()}
        onCancel={() => setConfirmClear(false)}
      />
    </section>
  );
}
