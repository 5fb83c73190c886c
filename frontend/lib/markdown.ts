/**
 * The conversation as a Markdown document: each question as a heading, the answer's text,
 * its SQL in ```sql fences and its tables as Markdown tables. Charts are named, not drawn.
 */

import { answerBlocks } from './answer';
import { cellText } from './format';
import type { AnswerEvent, TableData } from './types';

export interface ConversationTurn {
  question: string;
  answer: readonly AnswerEvent[];
}

export interface ExportContext {
  session?: string | null;
  dataset?: string | null;
  exportedAt?: Date;
}

/** A cell safe inside a Markdown table row: pipes escaped, line breaks flattened. */
export function markdownCell(value: unknown): string {
  return cellText(value).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n|\r/g, '<br>');
}

export function markdownTable(table: TableData): string {
  if (table.columns.length === 0) return '';
  const header = `| ${table.columns.map(markdownCell).join(' | ')} |`;
  const rule = `| ${table.columns.map(() => '---').join(' | ')} |`;
  const rows = table.rows.map(
    (row) => `| ${table.columns.map((_, index) => markdownCell(row[index])).join(' | ')} |`,
  );
  const lines = [header, rule, ...rows];
  if (table.truncated) lines.push('', `_Showing ${table.rows.length} rows (truncated)._`);
  return lines.join('\n');
}

/** A fence longer than any run of backticks in the code, so the code cannot close it. */
function fence(source: string): string {
  const longest = Math.max(0, ...Array.from(source.matchAll(/`+/g), (match) => match[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

export function conversationToMarkdown(turns: readonly ConversationTurn[], context: ExportContext = {}): string {
  const parts: string[] = ['# Sextant conversation'];
  const facts: string[] = [];
  if (context.session) facts.push(`- Session: ${context.session}`);
  if (context.dataset) facts.push(`- Dataset: ${context.dataset}`);
  if (context.exportedAt) facts.push(`- Exported: ${context.exportedAt.toISOString()}`);
  if (facts.length) parts.push(facts.join('\n'));

  for (const turn of turns) {
    parts.push(`## ${turn.question.replace(/\r?\n|\r/g, ' ').trim()}`);
    for (const block of answerBlocks(turn.answer)) {
      switch (block.kind) {
        case 'text':
          if (block.text.trim()) parts.push(block.text.trim());
          break;
        case 'code': {
          const marks = fence(block.source);
          parts.push(`${marks}${block.language || 'sql'}\n${block.source.trimEnd()}\n${marks}`);
          break;
        }
        case 'table':
          parts.push(markdownTable(block.table));
          break;
        case 'chart': {
          const title = typeof block.spec.title === 'string' ? `: ${block.spec.title}` : '';
          parts.push(`_Chart${title}_`);
          break;
        }
        case 'image':
          parts.push('_Chart (image)_');
          break;
        case 'error':
          parts.push(block.code === 'cancelled' ? '_Stopped._' : `> **Error:** ${block.message}`);
          break;
      }
    }
  }
  return `${parts.join('\n\n')}\n`;
}

/** A file name for the download: `sextant-<session>-<dataset>.md`, safe characters only. */
export function exportFileName(context: ExportContext): string {
  const slug = [context.session, context.dataset]
    .filter(Boolean)
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `sextant${slug ? `-${slug}` : ''}.md`;
}
