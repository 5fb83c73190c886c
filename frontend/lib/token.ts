/**
 * The access token: kept in memory and in sessionStorage (so a reload keeps the user signed
 * in, while closing the tab forgets it). Never localStorage, never a URL.
 */

const TOKEN_KEY = 'sextant.token';
/** A one-shot message for the sign-in page (why the user was sent there). */
const NOTICE_KEY = 'sextant.notice';

export const EXPIRED_MESSAGE = 'Your session has expired or is no longer valid. Please sign in again.';

let memory: string | null = null;

function storage(): Storage | null {
  try {
    return typeof window === 'undefined' ? null : window.sessionStorage;
  } catch {
    // Storage can be disabled (privacy settings); memory alone still works for this page.
    return null;
  }
}

export function getToken(): string | null {
  if (memory === null) memory = storage()?.getItem(TOKEN_KEY) ?? null;
  return memory;
}

export function setToken(token: string): void {
  memory = token;
  storage()?.setItem(TOKEN_KEY, token);
}

export function clearToken(): void {
  memory = null;
  storage()?.removeItem(TOKEN_KEY);
}

export function setNotice(message: string): void {
  storage()?.setItem(NOTICE_KEY, message);
}

/** The pending notice, removed as it is read. */
export function takeNotice(): string | null {
  const store = storage();
  const notice = store?.getItem(NOTICE_KEY) ?? null;
  if (notice !== null) store?.removeItem(NOTICE_KEY);
  return notice;
}
