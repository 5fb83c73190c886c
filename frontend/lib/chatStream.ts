/**
 * Asks a question and streams the answer (POST /chat/stream, SSE), resuming when the
 * connection drops: it reconnects with `Last-Event-ID: <run>:<seq>` of the last event it
 * delivered, with backoff, and drops any event it already delivered (same run, seq not
 * greater), so the caller sees each event exactly once, in order.
 */

import { ApiError, authHeaders, errorFrom, expireSession } from './api';
import { API_ROOT } from './config';
import { SseParser, type SseMessage } from './sse';
import type { AnswerEvent } from './types';

export interface ChatStreamOptions {
  question: string;
  onEvent: (event: AnswerEvent) => void;
  signal?: AbortSignal;
  /** Reconnections in a row without any new event before giving up. */
  maxRetries?: number;
  /** Waits before reconnection number `attempt` (1-based). */
  delay?: (attempt: number) => Promise<void>;
  fetchImpl?: typeof fetch;
  /** Asked before reconnecting; false ends quietly (the user pressed Stop: nothing to resume). */
  shouldResume?: () => boolean;
}

export interface ChatStreamResult {
  runId: string | null;
  /** True when the run's `done` event arrived. */
  completed: boolean;
  /** True when the caller's signal stopped it. */
  aborted: boolean;
}

/** The stream broke and could not be resumed. */
export class StreamLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StreamLostError';
  }
}

export const LOST_BEFORE_START = 'The connection was lost before the answer started. Please ask again.';
export const LOST_FOR_GOOD = 'The connection to the server was lost and the answer could not be resumed.';

/** `<run>:<seq>` → its parts; null when the id is not of that shape. */
export function parseEventId(id: string): { run: string; seq: number } | null {
  const colon = id.lastIndexOf(':');
  if (colon <= 0) return null;
  const seq = id.slice(colon + 1);
  if (!/^\d+$/.test(seq)) return null;
  return { run: id.slice(0, colon), seq: Number(seq) };
}

/** 0.5 s, 1 s, 2 s, 4 s… with a little jitter so many tabs do not reconnect in step. */
export function backoff(attempt: number): Promise<void> {
  const base = Math.min(4000, 500 * 2 ** (attempt - 1));
  return new Promise((resolve) => setTimeout(resolve, base + Math.random() * 250));
}

type ReadOutcome = 'done' | 'ended';

export async function streamChat(options: ChatStreamOptions): Promise<ChatStreamResult> {
  const { question, onEvent, signal } = options;
  const fetchImpl = options.fetchImpl ?? fetch;
  const maxRetries = options.maxRetries ?? 4;
  const delay = options.delay ?? backoff;

  let lastId = '';
  let runId: string | null = null;
  let lastSeq = -1;
  let failures = 0;

  const aborted = (): ChatStreamResult => ({ runId, completed: false, aborted: true });

  for (;;) {
    const resuming = lastId !== '';
    let delivered = 0;

    const handle = (message: SseMessage): 'done' | void => {
      const position = message.hasOwnId ? parseEventId(message.id) : null;
      if (position && position.run === runId && position.seq <= lastSeq) return; // seen already
      let payload: { type?: unknown; data?: unknown };
      try {
        payload = JSON.parse(message.data);
      } catch {
        return; // not an event of ours
      }
      const type = typeof payload.type === 'string' ? payload.type : message.event;
      const event = { type, data: payload.data ?? {} } as AnswerEvent;
      // The gateway ends a stream whose backend broke off with an id-less `unavailable`
      // error that means "reconnect with the last event id": a resume, not an answer.
      if (!message.hasOwnId && event.type === 'error' && event.data.code === 'unavailable' && lastId) return;
      if (position) {
        runId = position.run;
        lastSeq = position.seq;
        lastId = message.id;
      }
      delivered += 1;
      onEvent(event);
      if (event.type === 'done') return 'done';
    };

    try {
      const headers: Record<string, string> = {
        Accept: 'text/event-stream',
        'Content-Type': 'application/json',
        ...authHeaders(),
      };
      if (resuming) headers['Last-Event-ID'] = lastId;
      const response = await fetchImpl(`${API_ROOT}/chat/stream`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ question: resuming ? '' : question }),
        signal,
        cache: 'no-store',
      });
      if (!response.ok) {
        const error = await errorFrom(response);
        if (response.status === 401) expireSession();
        throw error;
      }
      const outcome = await readEvents(response, handle);
      if (outcome === 'done') return { runId, completed: true, aborted: false };
    } catch (error) {
      if (signal?.aborted) return aborted();
      // A refusal of the question itself (busy, no dataset…) is the caller's to show; a
      // gateway that is restarting while we resume is worth another try.
      if (error instanceof ApiError && !(resuming && error.status >= 502)) throw error;
      // Anything else (a network error, a body that broke off) is a dropped connection.
    }

    if (options.shouldResume && !options.shouldResume()) return { runId, completed: false, aborted: false };
    if (!lastId) throw new StreamLostError(LOST_BEFORE_START);
    failures = delivered > 0 ? 1 : failures + 1;
    if (failures > maxRetries) throw new StreamLostError(LOST_FOR_GOOD);
    await delay(failures);
    if (signal?.aborted) return aborted();
  }
}

/** Feeds the response body to a fresh parser until `done` or the end of the body. */
async function readEvents(response: Response, handle: (message: SseMessage) => 'done' | void): Promise<ReadOutcome> {
  if (!response.body) return 'ended';
  const reader = response.body.getReader();
  let finished = false;
  const parser = new SseParser({
    onMessage: (message) => {
      if (!finished && handle(message) === 'done') finished = true;
    },
  });
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    parser.feed(value);
    if (finished) {
      // The run is over: nothing more of interest, let the connection go.
      reader.cancel().catch(() => {});
      return 'done';
    }
  }
  // A clean end of the body: an event the server did not close with a blank line still counts.
  parser.end();
  return finished ? 'done' : 'ended';
}
