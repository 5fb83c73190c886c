import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { expressionInterpreter } from 'vega-interpreter';
import { beforeEach, describe, expect, it, vi } from 'vitest';

// jsdom has no canvas or layout: vega-embed itself is replaced, and the test checks how
// the wrapper calls it.
const { view, finalize, embed } = vi.hoisted(() => {
  const view = { toImageURL: vi.fn(async () => 'data:image/png;base64,AAAA') };
  const finalize = vi.fn();
  const embed = vi.fn(async (element: HTMLElement, ..._rest: unknown[]) => {
    element.appendChild(document.createElementNS('http://www.w3.org/2000/svg', 'svg'));
    return { view, finalize, spec: {}, vgSpec: {}, embedOptions: {} };
  });
  return { view, finalize, embed };
});
vi.mock('vega-embed', () => ({ default: embed }));

import { ChartView } from '@/components/ChartView';
import type { EmbedOptions } from 'vega-embed';
import type { Loader } from 'vega';

const spec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: 'Sales by region',
  data: { values: [{ region: 'north', sales: 3 }] },
  mark: 'bar',
  encoding: { x: { field: 'region', type: 'nominal' }, y: { field: 'sales', type: 'quantitative' } },
};

beforeEach(() => {
  embed.mockClear();
  finalize.mockClear();
  view.toImageURL.mockClear();
});

describe('ChartView', () => {
  it('embeds the spec with the CSP-safe interpreter, no actions and a loader that refuses URLs', async () => {
    render(<ChartView spec={spec} />);
    await waitFor(() => expect(embed).toHaveBeenCalledTimes(1));
    const [element, drawn, options] = embed.mock.calls[0] as unknown as [HTMLElement, Record<string, unknown>, EmbedOptions];

    expect(screen.getByRole('figure', { name: 'Chart' }).contains(element)).toBe(true);
    // The spec goes through whole; a single view is made to fill its container.
    expect(drawn).toEqual({ ...spec, width: 'container' });

    expect(options.ast).toBe(true);
    expect(options.expr).toBe(expressionInterpreter);
    expect(options.actions).toBe(false);
    expect(['svg', 'canvas']).toContain(options.renderer);

    const loader = options.loader as Loader;
    await expect(loader.load('https://example.com/data.csv')).rejects.toThrow(/refusing/);
    await expect(loader.sanitize('data.csv', { context: 'dataflow', response: 'csv' })).rejects.toThrow(/refusing/);
    await expect(loader.http('https://example.com/', {})).rejects.toThrow(/refusing/);
    await expect(loader.file('/etc/passwd')).rejects.toThrow(/refusing/);
  });

  it('leaves a faceted spec its own size', async () => {
    const faceted = { ...spec, encoding: { ...spec.encoding, column: { field: 'region' } } };
    render(<ChartView spec={faceted} />);
    await waitFor(() => expect(embed).toHaveBeenCalledTimes(1));
    expect((embed.mock.calls[0] as unknown[])[1]).toEqual(faceted);
  });

  it('downloads a PNG made by the view', async () => {
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    render(<ChartView spec={spec} />);
    const button = screen.getByRole('button', { name: 'Download PNG' }) as HTMLButtonElement;
    await waitFor(() => expect(button.disabled).toBe(false));
    fireEvent.click(button);
    await waitFor(() => expect(click).toHaveBeenCalledTimes(1));
    expect(view.toImageURL).toHaveBeenCalledWith('png', 2);
    const link = click.mock.contexts[0] as HTMLAnchorElement;
    expect(link.href).toBe('data:image/png;base64,AAAA');
    expect(link.download).toBe('sales-by-region.png');
    click.mockRestore();
  });

  it('finalizes the view when it goes away', async () => {
    const { unmount } = render(<ChartView spec={spec} />);
    await waitFor(() => expect((screen.getByRole('button', { name: 'Download PNG' }) as HTMLButtonElement).disabled).toBe(false));
    unmount();
    expect(finalize).toHaveBeenCalledTimes(1);
  });

  it('says so when the chart cannot be drawn', async () => {
    embed.mockRejectedValueOnce(new Error('Invalid spec'));
    render(<ChartView spec={spec} />);
    expect((await screen.findByRole('alert')).textContent).toContain('Invalid spec');
  });
});
