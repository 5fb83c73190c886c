import { render, screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';

vi.mock('vega-embed', () => ({ default: vi.fn(() => new Promise(() => {})) }));

import { AnswerView } from '@/components/AnswerView';
import { answerBlocks, answerUsage } from '@/lib/answer';
import type { AnswerEvent } from '@/lib/types';

const events: AnswerEvent[] = [
  { type: 'status', data: { node: 'write_query', phase: 'started', detail: '' } },
  { type: 'text', data: { delta: 'The **top** ' } },
  { type: 'text', data: { delta: 'region is north.' } },
  { type: 'code', data: { language: 'sql', source: 'SELECT 1' } },
  { type: 'table', data: { columns: ['region', 'total'], rows: [['north', 1234.5], ['a'.repeat(60), null]], truncated: true } },
  { type: 'image', data: { mime_type: 'image/png', data: 'AAAA' } },
  { type: 'usage', data: { input_tokens: 1200, output_tokens: 30, cost_usd: 0.0012 } },
  { type: 'done', data: { run_id: 'r' } },
];

describe('answerBlocks', () => {
  it('joins text deltas, drops status/usage/done, keeps the image when there is no chart', () => {
    expect(answerBlocks(events).map((block) => block.kind)).toEqual(['text', 'code', 'table', 'image']);
    expect(answerBlocks(events)[0]).toEqual({ kind: 'text', text: 'The **top** region is north.' });
  });

  it('drops the image when the answer has a chart', () => {
    const withChart: AnswerEvent[] = [...events, { type: 'chart', data: { spec: { mark: 'bar' } } }];
    expect(answerBlocks(withChart).map((block) => block.kind)).toEqual(['text', 'code', 'table', 'chart']);
  });

  it('sums usage', () => {
    expect(answerUsage(events)).toEqual({ inputTokens: 1200, outputTokens: 30, costUsd: 0.0012 });
    expect(answerUsage([])).toBeNull();
    const perNode = (node: string, tokens: number) =>
      ({ type: 'usage', data: { input_tokens: tokens, output_tokens: 1, cost_usd: 0.5, node } }) as const;
    const live = [perNode('route', 10), perNode('respond', 20)];
    expect(answerUsage(live)).toEqual({ inputTokens: 30, outputTokens: 2, costUsd: 1 });
    const ended = [...live, { type: 'usage', data: { input_tokens: 30, output_tokens: 2, cost_usd: 1 } } as const];
    expect(answerUsage(ended)).toEqual({ inputTokens: 30, outputTokens: 2, costUsd: 1 });
  });
});

describe('AnswerView', () => {
  it('renders the blocks in order inside an Answer article', () => {
    render(<AnswerView events={events} state="done" />);
    const article = screen.getByRole('article', { name: 'Answer' });
    expect(within(article).getByText('top').tagName).toBe('STRONG');
    expect(within(article).getByText('SQL').tagName).toBe('SUMMARY');
    expect(within(article).getByRole('button', { name: 'Copy SQL' })).toBeTruthy();
    const table = within(article).getByRole('table');
    const cells = within(table).getAllByRole('cell');
    expect(cells[1].className).toBe('num');
    expect(cells[1].textContent).toBe('1234.5');
    // A long cell is cut by CSS and keeps its full text in the tooltip.
    expect(cells[2].getAttribute('title')).toBe('a'.repeat(60));
    expect(within(article).getByText('Showing 2 rows (truncated)')).toBeTruthy();
    expect(within(article).getByRole('figure', { name: 'Chart' }).querySelector('img')?.getAttribute('src')).toBe(
      'data:image/png;base64,AAAA',
    );
    expect(within(article).queryByRole('status')).toBeNull();
    expect(article.textContent).toContain('1,200 tokens in');
  });

  it('shows the status line while running', () => {
    render(<AnswerView events={events.slice(0, 1)} state="running" status="Writing the query…" />);
    const status = screen.getByRole('status');
    expect(status.textContent).toBe('Writing the query…');
    expect(status.getAttribute('aria-live')).toBe('polite');
  });

  it('shows an error event as an alert, and a cancelled one as Stopped', () => {
    const { rerender } = render(
      <AnswerView events={[{ type: 'error', data: { code: 'query_failed', message: 'no such column' } }]} state="done" />,
    );
    expect(screen.getByRole('alert').textContent).toBe('no such column');
    rerender(<AnswerView events={[{ type: 'error', data: { code: 'cancelled', message: 'cancelled' } }]} state="done" />);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByText('Stopped')).toBeTruthy();
  });
});
