/**
 * How charts are drawn: vega-embed with settings that fit the app's CSP and privacy rules.
 * - No `eval`: the CSP has no 'unsafe-eval', so expressions are parsed to an AST and run by
 *   vega-interpreter (`ast: true`, `expr: expressionInterpreter`).
 * - No data loading: specs carry their data inline; a loader that refuses every URL keeps a
 *   spec from making the browser fetch anything.
 * - No vega-embed action menu (we offer our own "Download PNG").
 */

import type { EmbedOptions, Result, VisualizationSpec } from 'vega-embed';
import type { Loader } from 'vega';
import { expressionInterpreter } from 'vega-interpreter';

function refuse(what: string): Promise<never> {
  return Promise.reject(new Error(`Charts use inline data only; refusing to load ${what}`));
}

/** A Vega loader that loads nothing. */
export const refusingLoader: Loader = {
  load: (uri) => refuse(uri),
  sanitize: (uri) => refuse(uri),
  http: (uri) => refuse(uri),
  file: (name) => refuse(name),
};

/** Colours of axes and legends that read well on the app's dark background. */
const DARK_CONFIG = {
  background: '#1b1e23',
  title: { color: '#e8eaed', subtitleColor: '#c4c9d0' },
  axis: {
    domainColor: '#8b929c',
    gridColor: '#3a3f47',
    tickColor: '#8b929c',
    labelColor: '#c4c9d0',
    titleColor: '#e8eaed',
  },
  legend: { labelColor: '#c4c9d0', titleColor: '#e8eaed' },
  view: { stroke: '#3a3f47' },
};

const LIGHT_CONFIG = { background: '#ffffff' };

export function embedOptions(dark: boolean): EmbedOptions {
  return {
    actions: false,
    renderer: 'svg',
    ast: true,
    expr: expressionInterpreter,
    loader: refusingLoader,
    // The default style is an inline <style> element; ours is in the stylesheet.
    defaultStyle: false,
    // Hovering a mark shows its values (vega-tooltip, for specs that ask for tooltips).
    tooltip: { theme: dark ? 'dark' : 'light' },
    config: dark ? DARK_CONFIG : LIGHT_CONFIG,
  };
}

/**
 * The spec as drawn: a single view fills the width of its container (so a phone does not
 * scroll sideways); composed or faceted specs keep their own sizes.
 */
export function responsiveSpec(spec: Record<string, unknown>): VisualizationSpec {
  const encoding = (spec.encoding ?? {}) as Record<string, unknown>;
  const single = 'mark' in spec && !('facet' in spec) && !('row' in encoding) && !('column' in encoding);
  return (single ? { ...spec, width: 'container' } : spec) as VisualizationSpec;
}

const DARK_QUERY = '(prefers-color-scheme: dark)';

export function prefersDark(): boolean {
  return typeof window !== 'undefined' && window.matchMedia?.(DARK_QUERY).matches === true;
}

/** Calls `onChange` whenever the system switches between light and dark; returns the
 * unsubscribe function. */
export function watchColorScheme(onChange: (dark: boolean) => void): () => void {
  const query = typeof window === 'undefined' ? undefined : window.matchMedia?.(DARK_QUERY);
  if (!query) return () => {};
  const listener = (event: MediaQueryListEvent) => onChange(event.matches);
  query.addEventListener('change', listener);
  return () => query.removeEventListener('change', listener);
}

/** Draws `spec` into `element` in the light or `dark` theme; loaded on demand so pages
 * without charts stay small. */
export async function drawChart(element: HTMLElement, spec: Record<string, unknown>, dark: boolean): Promise<Result> {
  const { default: embed } = await import('vega-embed');
  return embed(element, responsiveSpec(spec), embedOptions(dark));
}
