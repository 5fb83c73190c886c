import { formatCompact, formatPercent } from '@/lib/format';
import type { ColumnProfile } from '@/lib/types';

const WIDTH = 120;
const PAD = 4;
const INNER = WIDTH - 2 * PAD;

/** A column's shape in a small inline SVG: box plot (numbers) or top-value bars (text), then the share of missing values. */
export function ColumnGlyph({ column, rows }: { column: ColumnProfile; rows: number }) {
  const nullShare = rows > 0 ? Math.min(1, column.null_count / rows) : 0;
  const stats = column.numeric;
  // Dates have a range, not a handful of frequent values worth drawing.
  const top = stats || column.date_range ? [] : column.top_values.slice(0, 4);
  const bodyHeight = stats ? 16 : top.length * 6;
  const height = bodyHeight + 10;
  const describe = [
    stats
      ? `min ${formatCompact(stats.min)}, quartiles ${formatCompact(stats.p25)}, ${formatCompact(stats.p50)}, ${formatCompact(stats.p75)}, max ${formatCompact(stats.max)}`
      : top.map((value) => `${value.value} ${formatPercent(value.count, rows)}`).join(', '),
    `${formatPercent(column.null_count, rows)} missing`,
  ]
    .filter(Boolean)
    .join('; ');

  return (
    <svg
      className="glyph"
      role="img"
      aria-label={describe}
      width={WIDTH}
      height={height}
      viewBox={`0 0 ${WIDTH} ${height}`}
    >
      {stats ? <BoxPlot stats={stats} /> : top.map((value, index) => (
        <rect
          key={index}
          className="glyph-bar"
          x={PAD}
          y={index * 6}
          height={4}
          width={Math.max(1, rows > 0 ? (value.count / rows) * INNER : 0)}
          rx={1}
        />
      ))}
      <rect className="glyph-track" x={PAD} y={bodyHeight + 4} width={INNER} height={4} rx={2} />
      {nullShare > 0 && (
        <rect
          className="glyph-null"
          data-testid="null-bar"
          x={PAD}
          y={bodyHeight + 4}
          width={Math.max(1, nullShare * INNER)}
          height={4}
          rx={2}
        />
      )}
    </svg>
  );
}

function BoxPlot({ stats }: { stats: NonNullable<ColumnProfile['numeric']> }) {
  const span = stats.max - stats.min;
  const x = (value: number) => PAD + (span > 0 && Number.isFinite(value) ? ((value - stats.min) / span) * INNER : INNER / 2);
  const mid = 8;
  return (
    <g data-testid="box-plot">
      <line className="glyph-line" x1={x(stats.min)} x2={x(stats.max)} y1={mid} y2={mid} />
      <line className="glyph-line" x1={x(stats.min)} x2={x(stats.min)} y1={mid - 4} y2={mid + 4} />
      <line className="glyph-line" x1={x(stats.max)} x2={x(stats.max)} y1={mid - 4} y2={mid + 4} />
      <rect
        className="glyph-box"
        x={x(stats.p25)}
        y={mid - 5}
        width={Math.max(1, x(stats.p75) - x(stats.p25))}
        height={10}
        rx={2}
      />
      <line className="glyph-median" x1={x(stats.p50)} x2={x(stats.p50)} y1={mid - 5} y2={mid + 5} />
    </g>
  );
}
