import { describe, expect, it } from 'vitest';

import { SseParser, type SseMessage } from '@/lib/sse';

const encoder = new TextEncoder();

function parse(chunks: (string | Uint8Array)[], end = true) {
  const messages: SseMessage[] = [];
  const retries: number[] = [];
  const comments: string[] = [];
  const parser = new SseParser({
    onMessage: (message) => messages.push(message),
    onRetry: (ms) => retries.push(ms),
    onComment: (text) => comments.push(text),
  });
  for (const chunk of chunks) parser.feed(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
  if (end) parser.end();
  return { messages, retries, comments, parser };
}

const STREAM =
  ': keep-alive\n\n' +
  'id: run-1:1\nevent: text\ndata: {"type":"text","data":{"delta":"Héllo ✓ 😀"}}\n\n' +
  'id: run-1:2\r\nevent: status\r\ndata: {"type":"status","data":{"node":"plan"}}\r\n\r\n' +
  'retry: 2500\n' +
  'data: line one\ndata: line two\n\n' +
  'id: run-1:3\revent: done\rdata: {"type":"done","data":{"run_id":"run-1"}}\r\r';

const EXPECTED: SseMessage[] = [
  { event: 'text', data: '{"type":"text","data":{"delta":"Héllo ✓ 😀"}}', id: 'run-1:1', hasOwnId: true },
  { event: 'status', data: '{"type":"status","data":{"node":"plan"}}', id: 'run-1:2', hasOwnId: true },
  { event: 'message', data: 'line one\nline two', id: 'run-1:2', hasOwnId: false },
  { event: 'done', data: '{"type":"done","data":{"run_id":"run-1"}}', id: 'run-1:3', hasOwnId: true },
];

describe('SseParser', () => {
  it('parses a whole stream with LF, CRLF and CR line endings', () => {
    const { messages, retries, comments } = parse([STREAM]);
    expect(messages).toEqual(EXPECTED);
    expect(retries).toEqual([2500]);
    expect(comments).toEqual(['keep-alive']);
  });

  it('gives the same events when the bytes are split in two at every position', () => {
    const bytes = encoder.encode(STREAM);
    for (let cut = 0; cut <= bytes.length; cut += 1) {
      const { messages } = parse([bytes.slice(0, cut), bytes.slice(cut)]);
      expect(messages, `split at byte ${cut}`).toEqual(EXPECTED);
    }
  });

  it('gives the same events when fed one byte at a time (UTF-8 characters cut mid-sequence)', () => {
    const bytes = encoder.encode(STREAM);
    const { messages } = parse(Array.from(bytes, (byte) => new Uint8Array([byte])));
    expect(messages).toEqual(EXPECTED);
  });

  it('treats a CRLF split across chunks as one line break, not two', () => {
    const { messages } = parse(['data: a\r', '\ndata: b\r', '\n\r', '\n']);
    expect(messages).toEqual([{ event: 'message', data: 'a\nb', id: '', hasOwnId: false }]);
  });

  it('ignores keep-alive comments, even between the fields of one event', () => {
    const { messages } = parse([': keep-alive\n\n: keep-alive\n', 'data: x\n: keep-alive\n', 'data: y\n\n']);
    expect(messages).toEqual([{ event: 'message', data: 'x\ny', id: '', hasOwnId: false }]);
  });

  it('keeps the last id for Last-Event-ID across events that carry none', () => {
    const { messages, parser } = parse(['id: r:7\ndata: a\n\n', 'data: b\n\n', 'id: r:9\n\n']);
    expect(messages.map((message) => message.id)).toEqual(['r:7', 'r:7']);
    expect(messages.map((message) => message.hasOwnId)).toEqual([true, false]);
    // An id-only block dispatches nothing but still moves the id on.
    expect(parser.lastEventId).toBe('r:9');
  });

  it('ignores an id that contains NUL', () => {
    const { parser } = parse(['id: r:1\n\n', 'id: bad\0id\n\n']);
    expect(parser.lastEventId).toBe('r:1');
  });

  it('strips only one space after the colon, and takes a field without colon as empty', () => {
    const { messages } = parse(['data:  two spaces\ndata\ndata:none\n\n']);
    expect(messages[0].data).toBe(' two spaces\n\nnone');
  });

  it('does not emit an event without a closing blank line until the stream ends', () => {
    const { messages, parser } = parse(['data: first\n\ndata: trailing\n'], false);
    expect(messages.map((message) => message.data)).toEqual(['first']);
    parser.end();
    expect(messages.map((message) => message.data)).toEqual(['first', 'trailing']);
  });

  it('ignores unknown fields and retry values that are not digits', () => {
    const { messages, retries } = parse(['foo: bar\nretry: 1s\ndata: x\n\n']);
    expect(messages).toHaveLength(1);
    expect(retries).toEqual([]);
  });

  it('dispatches nothing for a block without data, and resets the event type', () => {
    const { messages } = parse(['event: status\n\ndata: plain\n\n']);
    expect(messages).toEqual([{ event: 'message', data: 'plain', id: '', hasOwnId: false }]);
  });
});
