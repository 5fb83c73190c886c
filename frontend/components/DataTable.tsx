import { cellText, isNumeric } from '@/lib/format';

interface Props {
  columns: string[];
  rows: unknown[][];
  /** Names the scrolling region for assistive technology. */
  label: string;
  caption?: string;
}

/** Cells longer than this are cut with an ellipsis; the full text is in the tooltip. */
const LONG_CELL = 40;

/** Whether every non-empty value of column `index` is a number (then it is right-aligned). */
function numericColumn(rows: unknown[][], index: number): boolean {
  let seen = false;
  for (const row of rows) {
    const value = row[index];
    if (value === null || value === undefined) continue;
    if (!isNumeric(value)) return false;
    seen = true;
  }
  return seen;
}

/**
 * A result or preview table: sticky header, numbers right-aligned in tabular figures, and
 * its own scroll box (focusable, so a keyboard can scroll it) instead of a wide page.
 */
export function DataTable({ columns, rows, label, caption }: Props) {
  const numeric = columns.map((_, index) => numericColumn(rows, index));
  return (
    <div className="table-scroll" role="region" aria-label={label} tabIndex={0}>
      <table className="data-table">
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>
            {columns.map((column, index) => (
              <th key={index} scope="col" className={numeric[index] ? 'num' : undefined}>
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, rowIndex) => (
            <tr key={rowIndex}>
              {columns.map((_, index) => {
                const text = cellText(row[index]);
                return (
                  <td
                    key={index}
                    className={numeric[index] ? 'num' : undefined}
                    title={text.length > LONG_CELL ? text : undefined}
                  >
                    {row[index] === null || row[index] === undefined ? <span className="null">null</span> : text}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
