'use client';

import { useEffect, useRef, useState } from 'react';
import type { View } from 'vega';

import { drawChart, prefersDark, watchColorScheme } from '@/lib/chart';
import { downloadUrl } from '@/lib/download';

/** A Vega-Lite chart (drawn by vega-embed under the app's CSP) with a "Download PNG" button. */
export function ChartView({ spec }: { spec: Record<string, unknown> }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<View | null>(null);
  const [ready, setReady] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The chart is redrawn in the other theme when the system switches.
  const [dark, setDark] = useState(prefersDark);
  useEffect(() => watchColorScheme(setDark), []);

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    let finalize: (() => void) | null = null;
    let cancelled = false;
    drawChart(element, spec, dark)
      .then((result) => {
        if (cancelled) {
          result.finalize();
          return;
        }
        finalize = result.finalize;
        view.current = result.view;
        setReady(true);
      })
      .catch((caught: unknown) => {
        if (!cancelled) setError(caught instanceof Error ? caught.message : 'The chart could not be drawn.');
      });
    return () => {
      cancelled = true;
      finalize?.();
      view.current = null;
      setReady(false);
    };
  }, [spec, dark]);

  async function download() {
    if (!view.current) return;
    try {
      const url = await view.current.toImageURL('png', 2);
      const title = typeof spec.title === 'string' ? spec.title : 'chart';
      downloadUrl(url, `${title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'chart'}.png`);
    } catch {
      setError('The chart could not be saved as an image.');
    }
  }

  const title = typeof spec.title === 'string' ? spec.title : undefined;
  return (
    <div className="chart" role="figure" aria-label="Chart">
      <div className="chart-canvas" ref={host} title={title} />
      {error && (
        <p role="alert" className="alert alert-error">
          The chart could not be drawn: {error}
        </p>
      )}
      <div className="chart-actions">
        <button type="button" className="button small" onClick={download} disabled={!ready}>
          Download PNG
        </button>
      </div>
    </div>
  );
}
