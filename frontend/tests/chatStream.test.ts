import { afterEach, describe, expect, it, vi } from 'vitest';

import { ApiError } from '@/lib/api';
import { parseEventId, streamChat, StreamLostError } from '@/lib/chatStream';
import { clearToken, setToken } from '@/lib/token';
import type { AnswerEvent } from '@/lib/types';

const encoder = new TextEncoder();

function sse(id: string | null, type: string, data: unknown): string {
  return `${id ? `id: ${id}\n` : ''}event: ${type}\ndata: ${JSON.stringify({ type, data })}\n\n`;
}

/** A body that sends `chunks` one read at a time, then ends or breaks like a dropped connection. */
function body(chunks: string[], ending: 'end' | 'break' = 'end'): ReadableStream<Uint8Array> {
  const queue = [...chunks];
  return new ReadableStream({
    pull(controller) {
      const next = queue.shift();
      if (next !== undefined) controller.enqueue(encoder.encode(next));
      else if (ending === 'end') controller.close();
      else controller.error(new TypeError('network error'));
    },
  });
}

interface Call {
  headers: Record<string, string>;
  body: { question: string };
}

/** A fetch that answers each call with the next response and records what it was sent. */
function fakeFetch(responses: (() => Response)[]) {
  const calls: Call[] = [];
  const fetchImpl = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ headers: init?.headers as Record<string, string>, body: JSON.parse(String(init?.body)) });
    const next = responses.shift();
    if (!next) throw new TypeError('no more responses');
    return next();
  });
  return { fetchImpl: fetchImpl as unknown as typeof fetch, calls };
}

const ok = (stream: ReadableStream<Uint8Array>) => () =>
  new Response(stream, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });

const noDelay = () => Promise.resolve();

afterEach(() => clearToken());

describe('streamChat', () => {
  it('delivers the events of a run in order and finishes at done', async () => {
    setToken('token-1');
    const { fetchImpl, calls } = fakeFetch([
      ok(body([': keep-alive\n\n', sse('r1:1', 'text', { delta: 'Hi' }), sse('r1:2', 'done', { run_id: 'r1' })])),
    ]);
    const events: AnswerEvent[] = [];
    const result = await streamChat({ question: 'How many?', onEvent: (e) => events.push(e), fetchImpl, delay: noDelay });
    expect(result).toEqual({ runId: 'r1', completed: true, aborted: false });
    expect(events.map((e) => e.type)).toEqual(['text', 'done']);
    expect(calls).toHaveLength(1);
    expect(calls[0].body).toEqual({ question: 'How many?' });
    expect(calls[0].headers.Authorization).toBe('Bearer token-1');
    expect(calls[0].headers.Accept).toBe('text/event-stream');
    expect(calls[0].headers['Last-Event-ID']).toBeUndefined();
  });

  it('resumes a dropped stream with Last-Event-ID and drops the events it already delivered', async () => {
    const { fetchImpl, calls } = fakeFetch([
      ok(body([sse('r1:1', 'text', { delta: 'The ' }), sse('r1:2', 'text', { delta: 'answer' })], 'break')),
      // The server replays from an earlier point: 1 and 2 are duplicates.
      ok(
        body([
          sse('r1:1', 'text', { delta: 'The ' }),
          sse('r1:2', 'text', { delta: 'answer' }),
          sse('r1:3', 'text', { delta: ' is 42' }),
          sse('r1:4', 'done', { run_id: 'r1' }),
        ]),
      ),
    ]);
    const events: AnswerEvent[] = [];
    const result = await streamChat({ question: 'Q', onEvent: (e) => events.push(e), fetchImpl, delay: noDelay });
    expect(result.completed).toBe(true);
    expect(calls).toHaveLength(2);
    expect(calls[1].headers['Last-Event-ID']).toBe('r1:2');
    expect(calls[1].body).toEqual({ question: '' });
    const text = events.flatMap((e) => (e.type === 'text' ? [e.data.delta] : [])).join('');
    expect(text).toBe('The answer is 42');
    expect(events.filter((e) => e.type === 'done')).toHaveLength(1);
  });

  it('resumes when a body ends cleanly before done, and after an event cut mid-line', async () => {
    const { fetchImpl, calls } = fakeFetch([
      ok(body([sse('r1:1', 'text', { delta: 'a' }), 'id: r1:2\nevent: text\ndata: {"type":"te'], 'break')),
      ok(body([sse('r1:2', 'text', { delta: 'b' })])), // ends without done
      ok(body([sse('r1:3', 'done', { run_id: 'r1' })])),
    ]);
    const events: AnswerEvent[] = [];
    await streamChat({ question: 'Q', onEvent: (e) => events.push(e), fetchImpl, delay: noDelay });
    // The half-received event 2 was not delivered, so the resume asks from 1.
    expect(calls.map((call) => call.headers['Last-Event-ID'])).toEqual([undefined, 'r1:1', 'r1:2']);
    expect(events.map((e) => (e.type === 'text' ? e.data.delta : e.type))).toEqual(['a', 'b', 'done']);
  });

  it("treats the gateway's id-less 'unavailable' error as a break to resume from, not as the answer", async () => {
    const { fetchImpl, calls } = fakeFetch([
      ok(body([sse('r1:1', 'text', { delta: 'a' }), sse(null, 'error', { code: 'unavailable', message: 'reconnect' })])),
      ok(body([sse('r1:2', 'done', { run_id: 'r1' })])),
    ]);
    const events: AnswerEvent[] = [];
    await streamChat({ question: 'Q', onEvent: (e) => events.push(e), fetchImpl, delay: noDelay });
    expect(events.map((e) => e.type)).toEqual(['text', 'done']);
    expect(calls[1].headers['Last-Event-ID']).toBe('r1:1');
  });

  it('waits with backoff between attempts and gives up after the retry budget', async () => {
    const drop = ok(body([], 'break'));
    const { fetchImpl } = fakeFetch([
      ok(body([sse('r1:1', 'text', { delta: 'a' })], 'break')),
      drop,
      drop,
      drop,
    ]);
    const delays: number[] = [];
    const delay = async (attempt: number) => {
      delays.push(attempt);
    };
    await expect(
      streamChat({ question: 'Q', onEvent: () => {}, fetchImpl, delay, maxRetries: 3 }),
    ).rejects.toBeInstanceOf(StreamLostError);
    expect(delays).toEqual([1, 2, 3]);
  });

  it('passes a refused question (409 busy) to the caller with the server detail', async () => {
    const { fetchImpl, calls } = fakeFetch([
      () =>
        new Response(JSON.stringify({ detail: 'a run is already going in this session', code: 'conflict', request_id: 'x' }), {
          status: 409,
          headers: { 'Content-Type': 'application/json' },
        }),
    ]);
    const error = await streamChat({ question: 'Q', onEvent: () => {}, fetchImpl, delay: noDelay }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(409);
    expect(error.detail).toBe('a run is already going in this session');
    expect(calls).toHaveLength(1);
  });

  it('cannot resume a stream that broke before its first event', async () => {
    const { fetchImpl, calls } = fakeFetch([ok(body([': keep-alive\n\n'], 'break'))]);
    await expect(streamChat({ question: 'Q', onEvent: () => {}, fetchImpl, delay: noDelay })).rejects.toBeInstanceOf(
      StreamLostError,
    );
    expect(calls).toHaveLength(1);
  });

  it('stops quietly when the caller aborts', async () => {
    const controller = new AbortController();
    const fetchImpl = (async (_url: RequestInfo | URL, init?: RequestInit) =>
      new Response(
        new ReadableStream({
          start(stream) {
            stream.enqueue(encoder.encode(sse('r1:1', 'text', { delta: 'a' })));
            init?.signal?.addEventListener('abort', () => stream.error(new DOMException('aborted', 'AbortError')));
          },
        }),
      )) as typeof fetch;
    const events: AnswerEvent[] = [];
    const running = streamChat({
      question: 'Q',
      onEvent: (e) => {
        events.push(e);
        controller.abort();
      },
      fetchImpl,
      signal: controller.signal,
      delay: noDelay,
    });
    await expect(running).resolves.toEqual({ runId: 'r1', completed: false, aborted: true });
    expect(events).toHaveLength(1);
  });
});

describe('parseEventId', () => {
  it('splits at the last colon and wants a decimal sequence number', () => {
    expect(parseEventId('run:with:colons:12')).toEqual({ run: 'run:with:colons', seq: 12 });
    expect(parseEventId('r1:x')).toBeNull();
    expect(parseEventId(':3')).toBeNull();
    expect(parseEventId('')).toBeNull();
  });
});
