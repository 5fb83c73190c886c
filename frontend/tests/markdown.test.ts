import { describe, expect, it } from 'vitest';

import { conversationToMarkdown, exportFileName, markdownCell } from '@/lib/markdown';
import type { AnswerEvent } from '@/lib/types';

const answer: AnswerEvent[] = [
  { type: 'status', data: { node: 'plan', phase: 'started', detail: '' } },
  { type: 'code', data: { language: 'sql', source: 'SELECT region, SUM(sales) AS total\nFROM data\nGROUP BY region\n' } },
  { type: 'table', data: { columns: ['region', 'total'], rows: [['north', 10], ['a|b', null]], truncated: true } },
  { type: 'chart', data: { spec: { title: 'Total by region', mark: 'bar' } } },
  { type: 'image', data: { mime_type: 'image/png', data: 'AAAA' } },
  { type: 'text', data: { delta: 'North ' } },
  { type: 'text', data: { delta: 'sells most.' } },
  { type: 'usage', data: { input_tokens: 1, output_tokens: 2, cost_usd: 0 } },
  { type: 'done', data: { run_id: 'r' } },
];

describe('conversationToMarkdown', () => {
  it('writes questions, text, SQL fences and Markdown tables, in order', () => {
    const markdown = conversationToMarkdown(
      [
        { question: 'Total by region?', answer },
        { question: 'And the mean?', answer: [{ type: 'error', data: { code: 'query_failed', message: 'no column "x"' } }] },
      ],
      { session: 'Q3', dataset: 'sales', exportedAt: new Date('2026-01-02T03:04:05Z') },
    );
    expect(markdown).toBe(
      [
        '# Sextant conversation',
        '',
        '- Session: Q3',
        '- Dataset: sales',
        '- Exported: 2026-01-02T03:04:05.000Z',
        '',
        '## Total by region?',
        '',
        '```sql',
        'SELECT region, SUM(sales) AS total',
        'FROM data',
        'GROUP BY region',
        '```',
        '',
        '| region | total |',
        '| --- | --- |',
        '| north | 10 |',
        '| a\\|b |  |',
        '',
        '_Showing 2 rows (truncated)._',
        '',
        '_Chart: Total by region_',
        '',
        'North sells most.',
        '',
        '## And the mean?',
        '',
        '> **Error:** no column "x"',
        '',
      ].join('\n'),
    );
  });

  it('uses a longer fence when the SQL itself contains backticks', () => {
    const markdown = conversationToMarkdown([
      { question: 'q', answer: [{ type: 'code', data: { language: 'sql', source: 'SELECT "```" AS x' } }] },
    ]);
    expect(markdown).toContain('````sql\nSELECT "```" AS x\n````');
  });

  it('marks a stopped answer as stopped rather than as an error', () => {
    const markdown = conversationToMarkdown([
      { question: 'q', answer: [{ type: 'error', data: { code: 'cancelled', message: 'cancelled' } }] },
    ]);
    expect(markdown).toContain('_Stopped._');
    expect(markdown).not.toContain('Error');
  });

  it('keeps table rows on one line and escapes backslashes', () => {
    expect(markdownCell('two\nlines')).toBe('two<br>lines');
    expect(markdownCell('C:\\temp')).toBe('C:\\\\temp');
    expect(markdownCell({ a: 1 })).toBe('{"a":1}');
  });

  it('names the file after the session and dataset', () => {
    expect(exportFileName({ session: 'Q3 Sales!', dataset: 'orders_2024' })).toBe('sextant-q3-sales-orders-2024.md');
    expect(exportFileName({})).toBe('sextant.md');
  });
});
