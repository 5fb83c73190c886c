import { formatCompact, formatCount, formatPercent } from '@/lib/format';
import type { ColumnProfile, Profile } from '@/lib/types';

import { ColumnGlyph } from './ColumnGlyph';

/** "1,234" or "≈1,234" when the service estimated it. */
export function uniqueText(column: ColumnProfile): string {
  return `${column.unique_approximate ? '≈' : ''}${formatCount(column.unique_count)}`;
}

/** "11 (3.2%)": how many values are missing, and their share of the rows. */
export function missingText(column: ColumnProfile, rows: number): string {
  return `${formatCount(column.null_count)} (${formatPercent(column.null_count, rows)})`;
}

/** How the missing values were written: "NA", or "NA (3), empty (2)" for several markers; "" when the file did not say (Parquet, JSON). */
export function markersText(column: ColumnProfile): string {
  const markers = column.missing_markers;
  const name = (marker: string) => (marker === '' ? 'empty' : marker);
  if (markers.length === 1) {
    return name(markers[0].marker);
  }
  return markers.map((marker) => `${name(marker.marker)} (${formatCount(marker.count)})`).join(', ');
}

const NUMERIC_STATS = ['min', 'p25', 'p50', 'p75', 'max', 'mean'] as const;

function Summary({ column }: { column: ColumnProfile }) {
  if (column.numeric) {
    const stats = column.numeric;
    return (
      <dl className="stats">
        {NUMERIC_STATS.map((key) => (
          <div key={key}>
            <dt>{key}</dt>
            <dd>{formatCompact(stats[key])}</dd>
          </div>
        ))}
      </dl>
    );
  }
  if (column.date_range) {
    return (
      <span className="date-range">
        {column.date_range.min} – {column.date_range.max}
      </span>
    );
  }
  if (column.top_values.length > 0) {
    return (
      <ul className="top-values">
        {column.top_values.slice(0, 5).map((top, index) => (
          <li key={index}>
            <span className="top-value" title={top.value}>
              {top.value === '' ? '(empty)' : top.value}
            </span>{' '}
            <span className="muted">{formatCount(top.count)}</span>
          </li>
        ))}
      </ul>
    );
  }
  return <span className="muted">—</span>;
}

/** One row per column of the dataset: type, missing values, uniques, key statistics and a small picture. */
export function ProfileTable({ profile }: { profile: Profile }) {
  return (
    <div className="table-scroll profile-scroll" role="region" aria-label={`Columns of ${profile.file_name}`} tabIndex={0}>
      <table className="data-table profile-table">
        <thead>
          <tr>
            <th scope="col">Column</th>
            <th scope="col">Type</th>
            <th scope="col" className="num">
              Missing
            </th>
            <th scope="col" className="num">
              Unique
            </th>
            <th scope="col">Summary</th>
            <th scope="col">Shape</th>
          </tr>
        </thead>
        <tbody>
          {profile.column_profiles.map((column) => (
            <tr key={column.name}>
              <th scope="row" className="column-name">
                {column.name}
              </th>
              <td>
                <code>{column.dtype}</code>
                {column.date_range && !/date|time/i.test(column.dtype) && <span className="muted"> (dates)</span>}
              </td>
              <td className="num">
                {missingText(column, profile.rows)}
                {column.missing_markers.length > 0 && (
                  <span className="muted missing-markers"> as {markersText(column)}</span>
                )}
              </td>
              <td className="num">{uniqueText(column)}</td>
              <td>
                <Summary column={column} />
              </td>
              <td>
                <ColumnGlyph column={column} rows={profile.rows} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
