/** The gateway's JSON shapes (DESIGN.md section 4). */

export interface User {
  id: string;
  email: string;
  created_at: string;
}

export interface LoginResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
}

export interface Session {
  id: string;
  user_id: string;
  title: string;
  active: boolean;
  created_at: string;
  updated_at: string;
  /** Whether a remote model may see a few rows of its data; older gateways leave it out. */
  allow_sample_rows?: boolean;
  /** The session's active dataset; older gateways leave it out. */
  active_file?: string | null;
}

export interface DatasetFile {
  file_name: string;
  description: string;
  format: string;
  size_bytes: number;
  rows: number;
  columns: number;
  summary: string;
  created_at: string;
}

export interface NumericStats {
  min: number;
  max: number;
  mean: number;
  std: number;
  p25: number;
  p50: number;
  p75: number;
}

export interface TopValue {
  value: string;
  count: number;
}

/** How many missing values of a CSV or TSV column were written as `marker` ("NA", "N/A", ...; "" for the empty field). */
export interface MissingMarker {
  marker: string;
  count: number;
}

export interface DateRange {
  min: string;
  max: string;
  format: string;
}

export interface ColumnProfile {
  name: string;
  dtype: string;
  null_count: number;
  /** Most frequent first, adding up to null_count; empty for Parquet and JSON (native nulls). */
  missing_markers: MissingMarker[];
  unique_count: number;
  unique_approximate: boolean;
  numeric: NumericStats | null;
  top_values: TopValue[];
  date_range: DateRange | null;
}

export interface Profile {
  file_name: string;
  format: string;
  rows: number;
  columns: number;
  column_profiles: ColumnProfile[];
  sample_rows: unknown[][];
  summary: string;
}

export interface Preview {
  columns: string[];
  rows: unknown[][];
}

/** One event of an answer, as streamed (SSE `data:`) and as stored in the history. */
export type AnswerEvent =
  | { type: 'status'; data: { node: string; phase: 'started' | 'finished' | string; detail: string } }
  | { type: 'text'; data: { delta: string } }
  | { type: 'code'; data: { language: string; source: string } }
  | { type: 'table'; data: TableData }
  | { type: 'chart'; data: { spec: Record<string, unknown> | null } }
  | { type: 'image'; data: { mime_type: string; data: string } }
  | { type: 'usage'; data: { input_tokens: number; output_tokens: number; cost_usd: number; node?: string } }
  | { type: 'error'; data: { code: string; message: string } }
  | { type: 'done'; data: { run_id: string } };

export interface TableData {
  columns: string[];
  rows: unknown[][];
  truncated: boolean;
}

export interface HistoryTurn {
  question: string;
  answer: AnswerEvent[];
  created_at: string | null;
}
