/**
 * The sentences shown for failed calls: a friendly first sentence chosen by the status (and
 * code), then the server's own `detail`, which says exactly what was wrong.
 */

import { ApiError, NETWORK_ERROR } from './api';

/**
 * The first letter of a server detail in upper case when it starts a sentence with a plain
 * word ("could not parse…"), but not when it starts with a name ("bad.png: …").
 */
export function sentence(detail: string): string {
  const trimmed = detail.trim().replace(/[.\s]*$/, '');
  if (!trimmed) return '';
  const capital = /^[a-z]+(?![\w.@:/-])/.test(trimmed) ? `${trimmed[0].toUpperCase()}${trimmed.slice(1)}` : trimmed;
  return /[!?]$/.test(capital) ? capital : `${capital}.`;
}

function join(lead: string, detail: string): string {
  const rest = sentence(detail);
  return rest && rest !== lead ? `${lead} ${rest}` : lead;
}

/** The message for a failed dataset upload. */
export function uploadErrorMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return 'The upload failed. Please try again.';
  switch (error.status) {
    case 0:
      return NETWORK_ERROR;
    case 413:
      return join('The file is too large to upload.', error.detail);
    case 415:
      return join('This file is not a dataset format Sextant reads: use CSV, TSV, Parquet, JSON or NDJSON.', error.detail);
    case 422:
      return join('The file could not be read as a dataset.', error.detail);
    case 409:
      return error.code === 'already_exists'
        ? join('A dataset with this name already exists: choose another name.', error.detail)
        : join('The dataset could not be added: create or select a session first.', error.detail);
    case 404:
      return join('There is no active session: create or select a session first.', error.detail);
    default:
      return join('The upload failed.', error.detail);
  }
}

/** The message for any other failed call: the server's detail, or why there is none. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.detail;
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong. Please try again.';
}

/**
 * The message for a call refused because of the resource's state (409): the server's
 * reason, then what the user can do about it.
 */
export function refusalMessage(error: unknown, advice: string): string {
  if (error instanceof ApiError && error.status === 409) return join(sentence(error.detail), advice);
  return errorMessage(error);
}
