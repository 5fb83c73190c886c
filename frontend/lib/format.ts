/** Number, size and date formatting for the tables (the browser's locale, via Intl). */

const compact = new Intl.NumberFormat(undefined, { maximumSignificantDigits: 4 });
const compactLarge = new Intl.NumberFormat(undefined, { notation: 'compact', maximumSignificantDigits: 4 });
const whole = new Intl.NumberFormat();
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** 1234567 → "1.235M", 0.000123 → "0.000123", 12.3456 → "12.35". */
export function formatCompact(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  return Math.abs(value) >= 1e6 ? compactLarge.format(value) : compact.format(value);
}

export function formatCount(value: number): string {
  return whole.format(value);
}

/** A share in percent with one decimal, "0%" and "100%" kept short. */
export function formatPercent(part: number, total: number): string {
  if (total <= 0 || part <= 0) return '0%';
  const percent = (part / total) * 100;
  if (percent >= 100) return '100%';
  return `${percent < 0.1 ? '<0.1' : percent.toFixed(1)}%`;
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** 1536 → "1.5 KB" (powers of 1024, as file managers do). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateFormat.format(date);
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTimeFormat.format(date);
}

/** A table cell as text: null as empty, objects as JSON. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

export function isNumeric(value: unknown): boolean {
  return typeof value === 'number' || typeof value === 'bigint';
}
