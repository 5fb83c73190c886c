import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { ProfileTable } from '@/components/ProfileTable';
import type { Profile } from '@/lib/types';

const profile: Profile = {
  file_name: 'sales',
  format: 'csv',
  rows: 200,
  columns: 3,
  summary: '',
  sample_rows: [],
  column_profiles: [
    {
      name: 'price',
      dtype: 'f64',
      null_count: 3,
      missing_markers: [
        { marker: 'NA', count: 2 },
        { marker: '', count: 1 },
      ],
      unique_count: 150,
      unique_approximate: false,
      numeric: { min: 1.5, max: 2500000, mean: 12.3456, std: 4, p25: 4, p50: 9.75, p75: 20 },
      top_values: [],
      date_range: null,
    },
    {
      name: 'region',
      dtype: 'str',
      null_count: 0,
      missing_markers: [],
      unique_count: 12345,
      unique_approximate: true,
      numeric: null,
      top_values: [
        { value: 'north', count: 120 },
        { value: 'south', count: 60 },
      ],
      date_range: null,
    },
    {
      name: 'ordered',
      dtype: 'str',
      null_count: 50,
      missing_markers: [{ marker: 'NA', count: 50 }],
      unique_count: 90,
      unique_approximate: false,
      numeric: null,
      top_values: [{ value: '2024-01-02', count: 5 }],
      date_range: { min: '2024-01-02', max: '2024-12-30', format: '%Y-%m-%d' },
    },
  ],
};

function rowOf(name: string) {
  return screen.getByRole('rowheader', { name }).closest('tr') as HTMLTableRowElement;
}

describe('ProfileTable', () => {
  it('has one row per column with its type, under a header row', () => {
    render(<ProfileTable profile={profile} />);
    const table = screen.getByRole('table');
    expect(within(table).getAllByRole('row')).toHaveLength(4);
    expect(within(table).getAllByRole('columnheader').map((th) => th.textContent)).toEqual([
      'Column',
      'Type',
      'Missing',
      'Unique',
      'Summary',
      'Shape',
    ]);
    expect(within(rowOf('price')).getByText('f64')).toBeTruthy();
  });

  it('shows a numeric column compactly: missing values with percent and markers, exact unique, the six statistics, a box plot', () => {
    render(<ProfileTable profile={profile} />);
    const row = rowOf('price');
    const cells = within(row).getAllByRole('cell');
    expect(cells[1].textContent).toBe('3 (1.5%) as NA (2), empty (1)');
    expect(cells[2].textContent).toBe('150');
    const stats = Object.fromEntries(
      Array.from(row.querySelectorAll('dl.stats > div'), (pair) => [
        pair.querySelector('dt')?.textContent,
        pair.querySelector('dd')?.textContent,
      ]),
    );
    expect(stats).toEqual({ min: '1.5', p25: '4', p50: '9.75', p75: '20', max: '2.5M', mean: '12.35' });
    expect(row.querySelector('[data-testid="box-plot"]')).not.toBeNull();
    expect(within(row).getByRole('img').getAttribute('aria-label')).toContain('1.5% missing');
  });

  it('shows a text column with ≈ for an approximate unique count and its top values with counts', () => {
    render(<ProfileTable profile={profile} />);
    const row = rowOf('region');
    const cells = within(row).getAllByRole('cell');
    expect(cells[1].textContent).toBe('0 (0%)');
    expect(cells[2].textContent).toBe('≈12,345');
    const tops = Array.from(row.querySelectorAll('.top-values li'), (li) => li.textContent);
    expect(tops).toEqual(['north 120', 'south 60']);
    // One bar per top value, sized by its share of the rows; no null bar when nothing is null.
    const bars = row.querySelectorAll('rect.glyph-bar');
    expect(bars).toHaveLength(2);
    expect(Number(bars[0].getAttribute('width'))).toBeGreaterThan(Number(bars[1].getAttribute('width')));
    expect(row.querySelector('[data-testid="null-bar"]')).toBeNull();
    expect(row.querySelector('[data-testid="box-plot"]')).toBeNull();
  });

  it('shows a date column with its range, and a null bar for its 25% nulls', () => {
    render(<ProfileTable profile={profile} />);
    const row = rowOf('ordered');
    const cells = within(row).getAllByRole('cell');
    expect(cells[0].textContent).toBe('str (dates)');
    expect(cells[1].textContent).toBe('50 (25.0%) as NA');
    expect(cells[3].textContent).toBe('2024-01-02 – 2024-12-30');
    const nullBar = row.querySelector('[data-testid="null-bar"]');
    const track = row.querySelector('rect.glyph-track');
    expect(Number(nullBar?.getAttribute('width'))).toBeCloseTo(Number(track?.getAttribute('width')) / 4, 5);
    expect(row.querySelectorAll('rect.glyph-bar')).toHaveLength(0);
  });
});
