/**
 * A Server-Sent Events parser after the WHATWG event-stream rules: bytes go in through
 * `feed` in chunks cut anywhere (inside a line, inside a CRLF, inside a UTF-8 character),
 * whole events come out through `onMessage`.
 *
 * - Lines end with CRLF, LF or CR. A CR at the very end of a chunk is held back until the
 *   next chunk says whether an LF follows, so a CRLF split in two is one line break.
 * - A blank line dispatches the event; lines starting with `:` are comments (keep-alives).
 * - `data` lines join with "\n"; `id` persists across events (it is what a client sends back
 *   as Last-Event-ID); `retry` takes digits only.
 * - An event that the stream never closed with a blank line is dispatched only by `end()`,
 *   which the caller calls when the stream ended normally (not when it broke).
 */

export interface SseMessage {
  /** The `event:` field, "message" when absent. */
  event: string;
  data: string;
  /** The last `id:` seen on the stream so far (persists across events), "" if none. */
  id: string;
  /** Whether this event carried an `id:` line of its own. */
  hasOwnId: boolean;
}

export interface SseHandlers {
  onMessage: (message: SseMessage) => void;
  onRetry?: (milliseconds: number) => void;
  onComment?: (text: string) => void;
}

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';
  private data: string[] = [];
  private eventType = '';
  private hasData = false;
  private ownId = false;
  /** The stream's last event id: survives dispatches, as the spec says. */
  lastEventId = '';

  constructor(private readonly handlers: SseHandlers) {}

  /** Feeds raw bytes (or already decoded text) of the stream. */
  feed(chunk: Uint8Array | string): void {
    // stream: true keeps a UTF-8 sequence cut by the chunk boundary for the next call.
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    this.drainLines(false);
  }

  /** The stream ended: flushes the decoder and the last, unterminated, line and event. */
  end(): void {
    this.buffer += this.decoder.decode();
    this.drainLines(true);
    if (this.buffer.length > 0) {
      this.processLine(this.buffer);
      this.buffer = '';
    }
    this.dispatch();
  }

  private drainLines(final: boolean): void {
    const text = this.buffer;
    let start = 0;
    let index = 0;
    while (index < text.length) {
      const char = text.charCodeAt(index);
      if (char !== 10 && char !== 13) {
        index += 1;
        continue;
      }
      // A CR as the last character may be the first half of a CRLF: wait for more.
      if (char === 13 && index + 1 === text.length && !final) break;
      this.processLine(text.slice(start, index));
      index += char === 13 && text.charCodeAt(index + 1) === 10 ? 2 : 1;
      start = index;
    }
    this.buffer = text.slice(start);
  }

  private processLine(line: string): void {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.startsWith(':')) {
      this.handlers.onComment?.(line.slice(1).trimStart());
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.data.push(value);
        this.hasData = true;
        break;
      case 'id':
        // The spec ignores ids that contain NUL.
        if (!value.includes('\0')) {
          this.lastEventId = value;
          this.ownId = true;
        }
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.handlers.onRetry?.(Number(value));
        break;
      default:
        // Unknown fields are ignored.
        break;
    }
  }

  private dispatch(): void {
    if (this.hasData) {
      this.handlers.onMessage({
        event: this.eventType || 'message',
        data: this.data.join('\n'),
        id: this.lastEventId,
        hasOwnId: this.ownId,
      });
    }
    this.data = [];
    this.hasData = false;
    this.ownId = false;
    this.eventType = '';
  }
}
