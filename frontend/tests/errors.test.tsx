import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { Alert } from '@/components/Alert';
import { ApiError, errorFromBody, NETWORK_ERROR } from '@/lib/api';
import { errorMessage, refusalMessage, sentence, uploadErrorMessage } from '@/lib/errors';

const apiError = (status: number, detail: string, code = '') => new ApiError(status, detail, code);

describe('uploadErrorMessage', () => {
  it('413: says the file is too large, then the server detail', () => {
    expect(uploadErrorMessage(apiError(413, 'the upload is larger than the 100 MiB limit', 'payload_too_large'))).toBe(
      'The file is too large to upload. The upload is larger than the 100 MiB limit.',
    );
  });

  it('415: names the supported formats and keeps a file name in the detail as it is', () => {
    expect(uploadErrorMessage(apiError(415, 'photo.png: not a dataset format', 'unsupported_format'))).toBe(
      'This file is not a dataset format Sextant reads: use CSV, TSV, Parquet, JSON or NDJSON. photo.png: not a dataset format.',
    );
  });

  it("422: says the file could not be read, with the parser's reason", () => {
    expect(uploadErrorMessage(apiError(422, 'could not parse row 3: unterminated quote', 'invalid_input'))).toBe(
      'The file could not be read as a dataset. Could not parse row 3: unterminated quote.',
    );
  });

  it('409: tells a taken name from a missing session', () => {
    expect(uploadErrorMessage(apiError(409, 'a file named "sales" already exists', 'already_exists'))).toBe(
      'A dataset with this name already exists: choose another name. A file named "sales" already exists.',
    );
    expect(uploadErrorMessage(apiError(409, 'there is no active session', 'conflict'))).toBe(
      'The dataset could not be added: create or select a session first. There is no active session.',
    );
  });

  it('a network failure and an unknown error get plain sentences', () => {
    expect(uploadErrorMessage(apiError(0, NETWORK_ERROR, 'network'))).toBe(NETWORK_ERROR);
    expect(uploadErrorMessage(new Error('boom'))).toBe('The upload failed. Please try again.');
  });
});

describe('error bodies and messages', () => {
  it('reads {detail, code, request_id}, and falls back to the status when the body has none', () => {
    const error = errorFromBody(409, { detail: 'busy', code: 'conflict', request_id: 'r-1' });
    expect([error.status, error.detail, error.code, error.requestId]).toEqual([409, 'busy', 'conflict', 'r-1']);
    expect(errorFromBody(502, '<html>').detail).toBe('The server answered with an error (HTTP 502).');
    expect(errorMessage(error)).toBe('busy');
  });

  it('a refusal (409) says what to do next', () => {
    expect(refusalMessage(apiError(409, 'the active session cannot be deleted'), 'Switch to another session first.')).toBe(
      'The active session cannot be deleted. Switch to another session first.',
    );
    expect(refusalMessage(apiError(404, 'no such session'), 'Switch to another session first.')).toBe('no such session');
  });

  it('sentence() keeps ! and ? and does not double the full stop', () => {
    expect(sentence('done.')).toBe('Done.');
    expect(sentence('really?')).toBe('Really?');
    expect(sentence('  ')).toBe('');
  });
});

describe('Alert', () => {
  it('renders an alert region with the message, and nothing without one', () => {
    const { rerender, container } = render(<Alert>{uploadErrorMessage(apiError(413, 'too big'))}</Alert>);
    expect(screen.getByRole('alert').textContent).toBe('The file is too large to upload. Too big.');
    rerender(<Alert>{null}</Alert>);
    expect(container.innerHTML).toBe('');
  });
});
