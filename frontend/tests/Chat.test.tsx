import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('vega-embed', () => ({ default: vi.fn(() => new Promise(() => {})) }));
vi.mock('@/lib/navigate', () => ({ goTo: vi.fn() }));

import { Chat } from '@/components/Chat';
import { api } from '@/lib/api';
import { goTo } from '@/lib/navigate';
import { EXPIRED_MESSAGE, getToken, setToken, takeNotice } from '@/lib/token';

const encoder = new TextEncoder();
const sse = (seq: number, type: string, data: unknown) =>
  `id: run-1:${seq}\nevent: ${type}\ndata: ${JSON.stringify({ type, data })}\n\n`;
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

/** A stream the test pushes events into, then ends. */
function controlledStream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  return {
    stream,
    push: (text: string) => controller.enqueue(encoder.encode(text)),
    end: () => controller.close(),
  };
}

type Route = (init: RequestInit | undefined) => Response | Promise<Response>;

function routeFetch(routes: Record<string, Route>) {
  const calls: { key: string; init?: RequestInit }[] = [];
  const fetchMock = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    const path = String(url).replace('/api/v1/gateway', '');
    const key = `${init?.method ?? 'GET'} ${path}`;
    calls.push({ key, init });
    const route = routes[key];
    if (!route) return json(404, { detail: `no route ${key}`, code: 'not_found' });
    return route(init);
  });
  vi.stubGlobal('fetch', fetchMock);
  return calls;
}

beforeEach(() => setToken('tok'));
afterEach(() => {
  vi.unstubAllGlobals();
  vi.mocked(goTo).mockClear();
});

describe('Chat', () => {
  it('renders the history like live answers', async () => {
    routeFetch({
      'GET /chat/history': () =>
        json(200, [
          {
            question: 'How many rows?',
            answer: [
              { type: 'text', data: { delta: 'There are 6 rows.' } },
              { type: 'code', data: { language: 'sql', source: 'SELECT COUNT(*) FROM data' } },
            ],
            created_at: null,
          },
        ]),
    });
    render(<Chat sessionTitle="Q3" dataset="sales" />);
    expect((await screen.findByRole('article', { name: 'Question' })).textContent).toBe('How many rows?');
    const answer = screen.getByRole('article', { name: 'Answer' });
    expect(answer.textContent).toContain('There are 6 rows.');
    expect(within(answer).getByText('SELECT COUNT(*) FROM data')).toBeTruthy();
    expect(screen.queryByRole('group', { name: 'Suggested questions' })).toBeNull();
  });

  it('offers suggestions when there is no history, and streams the answer of one', async () => {
    const live = controlledStream();
    const calls = routeFetch({
      'GET /chat/history': () => json(200, []),
      'GET /chat/suggestions': () => json(200, { questions: ['What is the average price?', 'How many rows?'] }),
      'POST /chat/stream': () => new Response(live.stream, { status: 200 }),
    });
    render(<Chat sessionTitle="Q3" dataset="sales" />);
    const group = await screen.findByRole('group', { name: 'Suggested questions' });
    fireEvent.click(within(group).getByRole('button', { name: 'What is the average price?' }));

    await waitFor(() => expect(calls.some((call) => call.key === 'POST /chat/stream')).toBe(true));
    const stream = calls.find((call) => call.key === 'POST /chat/stream')!;
    expect(JSON.parse(String(stream.init?.body))).toEqual({ question: 'What is the average price?' });
    expect(screen.getByRole('button', { name: 'Stop' })).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Ask' }) as HTMLButtonElement).disabled).toBe(true);

    live.push(sse(1, 'status', { node: 'write_query', phase: 'started', detail: '' }));
    expect((await screen.findByRole('status')).textContent).toBe('Writing the query…');
    live.push(sse(2, 'text', { delta: 'The average ' }) + sse(3, 'text', { delta: 'is 17.95.' }));
    await waitFor(() => expect(screen.getByRole('article', { name: 'Answer' }).textContent).toContain('The average is 17.95.'));
    live.push(sse(4, 'done', { run_id: 'run-1' }));
    live.end();

    await waitFor(() => expect(screen.queryByRole('button', { name: 'Stop' })).toBeNull());
    expect(screen.queryByRole('status')).toBeNull();
    expect(screen.queryByRole('group', { name: 'Suggested questions' })).toBeNull();
  });

  it('Enter asks, Shift+Enter makes a new line', async () => {
    const calls = routeFetch({
      'GET /chat/history': () => json(200, [{ question: 'old', answer: [], created_at: null }]),
      'POST /chat/stream': () => new Response(sse(1, 'done', { run_id: 'run-1' }), { status: 200 }),
    });
    render(<Chat sessionTitle="Q3" dataset="sales" />);
    await screen.findByRole('article', { name: 'Question' });
    const box = screen.getByLabelText('Ask a question about your data') as HTMLTextAreaElement;
    await userEvent.type(box, 'first line{Shift>}{Enter}{/Shift}second');
    expect(box.value).toBe('first line\nsecond');
    await userEvent.type(box, '{Enter}');
    await waitFor(() => expect(calls.filter((call) => call.key === 'POST /chat/stream')).toHaveLength(1));
    const stream = calls.find((call) => call.key === 'POST /chat/stream')!;
    expect(JSON.parse(String(stream.init?.body))).toEqual({ question: 'first line\nsecond' });
    expect(box.value).toBe('');
  });

  it('Stop cancels the run and the answer says Stopped', async () => {
    const live = controlledStream();
    const calls = routeFetch({
      'GET /chat/history': () => json(200, [{ question: 'old', answer: [], created_at: null }]),
      'POST /chat/stream': () => new Response(live.stream, { status: 200 }),
      'POST /chat/cancel': () => {
        live.push(sse(2, 'error', { code: 'cancelled', message: 'cancelled' }) + sse(3, 'done', { run_id: 'run-1' }));
        live.end();
        return json(200, { cancelled: true, detail: 'the running answer was cancelled' });
      },
    });
    render(<Chat sessionTitle="Q3" dataset="sales" />);
    await screen.findByRole('article', { name: 'Question' });
    await userEvent.type(screen.getByLabelText('Ask a question about your data'), 'slow question{Enter}');
    live.push(sse(1, 'text', { delta: 'Partial' }));
    await userEvent.click(await screen.findByRole('button', { name: 'Stop' }));
    expect(await screen.findByText('Stopped')).toBeTruthy();
    expect(calls.some((call) => call.key === 'POST /chat/cancel')).toBe(true);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows a refused question (409) as an alert in its answer', async () => {
    routeFetch({
      'GET /chat/history': () => json(200, [{ question: 'old', answer: [], created_at: null }]),
      'POST /chat/stream': () => json(409, { detail: 'a run is already going in this session.', code: 'conflict' }),
    });
    render(<Chat sessionTitle="Q3" dataset="sales" />);
    await screen.findByRole('article', { name: 'Question' });
    await userEvent.type(screen.getByLabelText('Ask a question about your data'), 'again{Enter}');
    expect((await screen.findByRole('alert')).textContent).toBe(
      'a run is already going in this session. Wait for the running answer to finish, or stop it.',
    );
  });

  it('clears the history after the confirmation', async () => {
    const calls = routeFetch({
      'GET /chat/history': () => json(200, [{ question: 'old', answer: [], created_at: null }]),
      'DELETE /chat/history': () => json(200, { detail: 'cleared' }),
      'GET /chat/suggestions': () => json(200, { questions: ['Next?'] }),
    });
    render(<Chat sessionTitle="Q3" dataset="sales" />);
    await screen.findByRole('article', { name: 'Question' });
    await userEvent.click(screen.getByRole('button', { name: 'Clear history' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Clear the history?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(calls.some((call) => call.key === 'DELETE /chat/history')).toBe(false);
    await userEvent.click(screen.getByRole('button', { name: 'Clear history' }));
    await userEvent.click(screen.getByRole('button', { name: 'Yes, clear history' }));
    await screen.findByRole('group', { name: 'Suggested questions' });
    expect(screen.queryByRole('article', { name: 'Question' })).toBeNull();
    expect(calls.some((call) => call.key === 'DELETE /chat/history')).toBe(true);
  });
});

describe('an expired token', () => {
  it('is dropped, and the user is sent to sign in with the reason', async () => {
    routeFetch({ 'GET /sessions': () => json(401, { detail: 'invalid or expired token', code: 'unauthenticated' }) });
    await expect(api.sessions()).rejects.toMatchObject({ status: 401 });
    expect(getToken()).toBeNull();
    expect(sessionStorage.getItem('sextant.token')).toBeNull();
    expect(goTo).toHaveBeenCalledWith('/signin/');
    expect(takeNotice()).toBe(EXPIRED_MESSAGE);
  });

  it('a wrong password at sign-in is not an expiry', async () => {
    routeFetch({ 'POST /auth/login': () => json(401, { detail: 'invalid email or password', code: 'unauthenticated' }) });
    await expect(api.login('a@b.c', 'wrongpass')).rejects.toMatchObject({ detail: 'invalid email or password' });
    expect(goTo).not.toHaveBeenCalled();
    expect(getToken()).toBe('tok');
  });
});
