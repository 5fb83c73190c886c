/**
 * The gateway client: one `request` that adds the bearer token, turns every error body
 * (`{detail, code, request_id}`) into an `ApiError`, and sends the user back to the sign-in
 * page when the token is refused. The endpoint functions below are thin and typed.
 */

import { API_ROOT } from './config';
import { goTo } from './navigate';
import { clearToken, EXPIRED_MESSAGE, getToken, setNotice } from './token';
import type { DatasetFile, HistoryTurn, LoginResponse, Preview, Profile, Session, User } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly code: string = '',
    readonly requestId: string = '',
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

export const NETWORK_ERROR = 'Could not reach the server. Check your connection and try again.';

/** Reads an error response into an ApiError, whatever its body is. */
export async function errorFrom(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's HTML page, say): fall back to the status below.
  }
  return errorFromBody(response.status, body);
}

export function errorFromBody(status: number, body: unknown): ApiError {
  const fields = (body ?? {}) as { detail?: unknown; code?: unknown; request_id?: unknown };
  const detail =
    typeof fields.detail === 'string' && fields.detail
      ? fields.detail
      : `The server answered with an error (HTTP ${status}).`;
  return new ApiError(
    status,
    detail,
    typeof fields.code === 'string' ? fields.code : '',
    typeof fields.request_id === 'string' ? fields.request_id : '',
  );
}

/** Forgets the token and goes to the sign-in page, which explains why. */
export function expireSession(): void {
  clearToken();
  setNotice(EXPIRED_MESSAGE);
  goTo('/signin/');
}

export interface RequestOptions {
  method?: string;
  json?: unknown;
  headers?: Record<string, string>;
  /** False for the sign-in and sign-up calls: their 401 is a wrong password, not an expiry. */
  auth?: boolean;
  signal?: AbortSignal;
}

/** Headers every authenticated call carries. */
export function authHeaders(): Record<string, string> {
  const token = getToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** Calls `path` (under the API root) and answers the raw response when it is a success. */
export async function send(path: string, options: RequestOptions = {}): Promise<Response> {
  const auth = options.auth ?? true;
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  if (auth) Object.assign(headers, authHeaders());
  if (options.json !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${API_ROOT}${path}`, {
      method: options.method ?? 'GET',
      headers,
      body: options.json === undefined ? undefined : JSON.stringify(options.json),
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, NETWORK_ERROR, 'network');
  }
  if (response.ok) return response;
  const error = await errorFrom(response);
  if (auth && response.status === 401) expireSession();
  throw error;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, options);
  const text = await response.text();
  return (text ? JSON.parse(text) : null) as T;
}

const segment = encodeURIComponent;

export const api = {
  register: (email: string, password: string) =>
    request<User>('/auth/register', { method: 'POST', json: { email, password }, auth: false }),
  login: (email: string, password: string) =>
    request<LoginResponse>('/auth/login', {
      method: 'POST',
      json: { username: email, password },
      auth: false,
    }),
  me: () => request<User>('/auth/me'),

  sessions: () => request<Session[]>('/sessions'),
  createSession: (title: string) => request<Session>('/sessions', { method: 'POST', json: { title } }),
  activateSession: (title: string) =>
    request<{ detail: string }>(`/sessions/active/${segment(title)}`, { method: 'POST' }),
  updateSession: (title: string, settings: { allow_sample_rows?: boolean }) =>
    request<Session>(`/sessions/${segment(title)}`, { method: 'PATCH', json: settings }),
  deleteSession: (title: string) =>
    request<{ detail: string }>(`/sessions/${segment(title)}`, { method: 'DELETE' }),

  files: () => request<DatasetFile[]>('/files'),
  /** The active dataset of the active session, or null when there is none (404). */
  activeFile: async (): Promise<DatasetFile | null> => {
    try {
      return await request<DatasetFile>('/files/active');
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  },
  useFile: (fileName: string) =>
    request<{ detail: string }>('/files/active', { method: 'POST', json: { file_name: fileName } }),
  deleteFile: (fileName: string) =>
    request<{ detail: string }>(`/files/${segment(fileName)}`, { method: 'DELETE' }),
  profile: (fileName: string) => request<Profile>(`/files/${segment(fileName)}/profile`),
  preview: (fileName: string, limit: number) =>
    request<Preview>(`/files/${segment(fileName)}/preview?limit=${limit}`),

  suggestions: async (): Promise<string[]> => {
    try {
      const body = await request<{ questions?: unknown }>('/chat/suggestions');
      return Array.isArray(body?.questions) ? body.questions.filter((q): q is string => typeof q === 'string') : [];
    } catch (error) {
      // No active dataset, or a gateway without the route: simply no suggestions.
      if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return [];
      throw error;
    }
  },
  history: () => request<HistoryTurn[]>('/chat/history'),
  clearHistory: () => request<unknown>('/chat/history', { method: 'DELETE' }),
  cancel: () => request<unknown>('/chat/cancel', { method: 'POST' }),
};
