/**
 * An answer's events turned into what is shown (and exported): consecutive text deltas
 * joined into one paragraph block; status, usage and done left out of the body; the PNG
 * image kept only when the answer has no chart (it is the same chart, pre-rendered).
 */

import type { AnswerEvent, TableData } from './types';

export type Block =
  | { kind: 'text'; text: string }
  | { kind: 'code'; language: string; source: string }
  | { kind: 'table'; table: TableData }
  | { kind: 'chart'; spec: Record<string, unknown> }
  | { kind: 'image'; mimeType: string; data: string }
  | { kind: 'error'; code: string; message: string };

export function answerBlocks(events: readonly AnswerEvent[]): Block[] {
  const hasChart = events.some((event) => event.type === 'chart' && event.data.spec);
  const blocks: Block[] = [];
  for (const event of events) {
    switch (event.type) {
      case 'text': {
        const last = blocks[blocks.length - 1];
        if (last?.kind === 'text') last.text += event.data.delta ?? '';
        else blocks.push({ kind: 'text', text: event.data.delta ?? '' });
        break;
      }
      case 'code':
        blocks.push({ kind: 'code', language: event.data.language || 'sql', source: event.data.source ?? '' });
        break;
      case 'table':
        blocks.push({
          kind: 'table',
          table: {
            columns: event.data.columns ?? [],
            rows: event.data.rows ?? [],
            truncated: Boolean(event.data.truncated),
          },
        });
        break;
      case 'chart':
        if (event.data.spec) blocks.push({ kind: 'chart', spec: event.data.spec });
        break;
      case 'image':
        if (!hasChart && event.data.data) {
          blocks.push({ kind: 'image', mimeType: event.data.mime_type || 'image/png', data: event.data.data });
        }
        break;
      case 'error':
        blocks.push({ kind: 'error', code: event.data.code ?? '', message: event.data.message ?? '' });
        break;
      default:
        break;
    }
  }
  return blocks;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/**
 * The tokens and cost of the answer: the run's total (the usage event without a `node`)
 * once it came, else the sum of the nodes' usage events so far; null when none.
 */
export function answerUsage(events: readonly AnswerEvent[]): Usage | null {
  const usages = events.filter(
    (event): event is Extract<AnswerEvent, { type: 'usage' }> => event.type === 'usage',
  );
  const total = usages.filter((event) => !event.data.node);
  let usage: Usage | null = null;
  for (const event of total.length > 0 ? total.slice(-1) : usages) {
    usage ??= { inputTokens: 0, outputTokens: 0, costUsd: 0 };
    usage.inputTokens += event.data.input_tokens || 0;
    usage.outputTokens += event.data.output_tokens || 0;
    usage.costUsd += event.data.cost_usd || 0;
  }
  return usage;
}

/** Whether the answer ended because it was cancelled. */
export function wasCancelled(events: readonly AnswerEvent[]): boolean {
  return events.some((event) => event.type === 'error' && event.data.code === 'cancelled');
}
