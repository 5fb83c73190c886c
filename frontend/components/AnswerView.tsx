'use client';

import { useMemo } from 'react';

import { answerBlocks, answerUsage } from '@/lib/answer';
import { formatCount } from '@/lib/format';
import type { AnswerEvent } from '@/lib/types';

import { ChartView } from './ChartView';
import { DataTable } from './DataTable';
import { RichText } from './RichText';
import { SqlBlock } from './SqlBlock';

export type TurnState = 'running' | 'done' | 'stopped' | 'failed';

interface Props {
  events: readonly AnswerEvent[];
  state: TurnState;
  /** What the agent is doing now (running only). */
  status?: string | null;
  /** Why the answer failed outside its events (the question was refused, the connection lost). */
  error?: string | null;
}

/** One answer: its events in order, as blocks, plus the running status or how it ended. */
export function AnswerView({ events, state, status, error }: Props) {
  const blocks = useMemo(() => answerBlocks(events), [events]);
  const usage = useMemo(() => answerUsage(events), [events]);
  const stopped = state === 'stopped' || blocks.some((block) => block.kind === 'error' && block.code === 'cancelled');

  return (
    <article className="answer" aria-label="Answer" aria-busy={state === 'running'}>
      {blocks.map((block, index) => {
        switch (block.kind) {
          case 'text':
            return (
              <div key={index} className="answer-text">
                <RichText text={block.text} />
              </div>
            );
          case 'code':
            return <SqlBlock key={index} source={block.source} language={block.language} />;
          case 'table':
            return (
              <div key={index} className="answer-table">
                <DataTable columns={block.table.columns} rows={block.table.rows} label="Result table" />
                {block.table.truncated && (
                  <p className="muted table-note">Showing {formatCount(block.table.rows.length)} rows (truncated)</p>
                )}
              </div>
            );
          case 'chart':
            return <ChartView key={index} spec={block.spec} />;
          case 'image':
            return (
              <figure key={index} className="chart" aria-label="Chart">
                {/* Only when the answer has no chart spec: the server's rendering of it. */}
                {/* eslint-disable-next-line @next/next/no-img-element */}
                <img src={`data:${block.mimeType};base64,${block.data}`} alt="Chart of the result" />
              </figure>
            );
          case 'error':
            // A cancelled run is the user's own doing: it is "Stopped" below, not an alarm.
            if (block.code === 'cancelled') return null;
            return (
              <div key={index} role="alert" className="alert alert-error">
                {block.message || 'The answer failed.'}
              </div>
            );
        }
      })}
      {state === 'running' && blocks.length === 0 && <div className="answer-text placeholder" aria-hidden="true" />}
      {state === 'running' && (
        <p role="status" aria-live="polite" className="status-line">
          <span className="spinner" aria-hidden="true" />
          {status || 'Thinking…'}
        </p>
      )}
      {stopped && state !== 'running' && <p className="muted stopped">Stopped</p>}
      {error && (
        <div role="alert" className="alert alert-error">
          {error}
        </div>
      )}
      {usage && usage.inputTokens + usage.outputTokens > 0 && state !== 'running' && (
        <p className="usage muted">
          {formatCount(usage.inputTokens)} tokens in · {formatCount(usage.outputTokens)} out
          {usage.costUsd > 0 && ` · $${usage.costUsd.toFixed(4)}`}
        </p>
      )}
    </article>
  );
}
