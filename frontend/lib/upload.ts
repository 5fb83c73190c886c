/**
 * Dataset upload with XMLHttpRequest rather than fetch: only XHR reports upload progress
 * (`xhr.upload.onprogress`), which the progress bar shows. Once every byte is sent the
 * server still profiles the file, so the phase turns to "profiling" until it answers.
 */

import { ApiError, errorFromBody, expireSession, NETWORK_ERROR } from './api';
import { API_ROOT } from './config';
import { getToken } from './token';
import type { DatasetFile } from './types';

export type UploadProgress =
  | { phase: 'sending'; loaded: number; total: number }
  | { phase: 'profiling' };

export interface UploadRequest {
  file: File;
  name: string;
  description: string;
  onProgress?: (progress: UploadProgress) => void;
  signal?: AbortSignal;
}

/** The extensions the file service reads. */
export const DATASET_EXTENSIONS = ['.csv', '.tsv', '.txt', '.parquet', '.json', '.ndjson', '.jsonl'];

/** The default dataset name: the file's name without its extension. */
export function defaultDatasetName(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return (dot > 0 ? fileName.slice(0, dot) : fileName).trim();
}

export function uploadDataset(request: UploadRequest): Promise<DatasetFile> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${API_ROOT}/files`);
    xhr.setRequestHeader('Accept', 'application/json');
    const token = getToken();
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);

    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) {
        request.onProgress?.({ phase: 'sending', loaded: event.loaded, total: event.total });
      }
    };
    xhr.upload.onload = () => request.onProgress?.({ phase: 'profiling' });

    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        // Not JSON: the status alone explains it below.
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body as DatasetFile);
        return;
      }
      if (xhr.status === 401) expireSession();
      reject(errorFromBody(xhr.status, body));
    };
    xhr.onerror = () => reject(new ApiError(0, NETWORK_ERROR, 'network'));
    xhr.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
    request.signal?.addEventListener('abort', () => xhr.abort(), { once: true });

    // The gateway reads the name fields before the file, so they go first.
    const form = new FormData();
    form.append('file_name', request.name);
    form.append('description', request.description);
    form.append('file', request.file, request.file.name);
    xhr.send(form);
  });
}
