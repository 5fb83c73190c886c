'use client';

import { type DragEvent, type FormEvent, useId, useRef, useState } from 'react';

import { uploadErrorMessage } from '@/lib/errors';
import { formatBytes } from '@/lib/format';
import { DATASET_EXTENSIONS, defaultDatasetName, uploadDataset, type UploadProgress } from '@/lib/upload';

import { Alert } from './Alert';

interface Props {
  disabled: boolean;
  onUploaded: () => Promise<void>;
}

/** Drop zone or file picker, name and description, and a real progress bar. */
export function UploadForm({ disabled, onUploaded }: Props) {
  const ids = useId();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [nameEdited, setNameEdited] = useState(false);
  const [description, setDescription] = useState('');
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);

  function choose(next: File | null) {
    setFile(next);
    setError(null);
    setDone(null);
    // The name follows the file until the user types one of their own.
    if (next && !nameEdited) setName(defaultDatasetName(next.name));
  }

  function drop(event: DragEvent<HTMLDivElement>) {
    event.preventDefault();
    setDragging(false);
    const dropped = event.dataTransfer.files?.[0];
    if (dropped) choose(dropped);
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!file) {
      setError('Choose a file to upload first.');
      return;
    }
    const datasetName = name.trim() || defaultDatasetName(file.name);
    setError(null);
    setDone(null);
    setProgress({ phase: 'sending', loaded: 0, total: file.size });
    try {
      const uploaded = await uploadDataset({ file, name: datasetName, description: description.trim(), onProgress: setProgress });
      setDone(`Uploaded ${uploaded?.file_name ?? datasetName}. It is now the active dataset.`);
      setFile(null);
      setName('');
      setNameEdited(false);
      setDescription('');
      if (input.current) input.current.value = '';
      await onUploaded();
    } catch (caught) {
      setError(uploadErrorMessage(caught));
    } finally {
      setProgress(null);
    }
  }

  const uploading = progress !== null;
  const percent =
    progress?.phase === 'sending' && progress.total > 0 ? Math.round((progress.loaded / progress.total) * 100) : 0;

  return (
    <form className="upload" onSubmit={submit} noValidate aria-label="Upload a dataset">
      <div
        className={`dropzone${dragging ? ' dragging' : ''}`}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={drop}
      >
        <input
          ref={input}
          id={`${ids}-file`}
          className="visually-hidden"
          type="file"
          aria-label="Dataset file"
          accept={DATASET_EXTENSIONS.join(',')}
          onChange={(event) => choose(event.target.files?.[0] ?? null)}
        />
        <p>
          {file ? (
            <>
              <strong>{file.name}</strong> <span className="muted">({formatBytes(file.size)})</span>
            </>
          ) : (
            'Drop a CSV, TSV, Parquet or JSON file here, or'
          )}
        </p>
        <label htmlFor={`${ids}-file`} className="button">
          {file ? 'Choose another file' : 'Choose file'}
        </label>
      </div>

      <div className="upload-fields">
        <div className="field">
          <label htmlFor={`${ids}-name`}>Dataset name</label>
          <input
            id={`${ids}-name`}
            value={name}
            maxLength={200}
            onChange={(event) => {
              setName(event.target.value);
              setNameEdited(event.target.value !== '');
            }}
          />
        </div>
        <div className="field">
          <label htmlFor={`${ids}-description`}>Description</label>
          <input
            id={`${ids}-description`}
            value={description}
            maxLength={1000}
            placeholder="Optional"
            onChange={(event) => setDescription(event.target.value)}
          />
        </div>
      </div>

      <div className="upload-actions">
        <button type="submit" className="button primary" disabled={disabled || uploading}>
          Upload
        </button>
        {disabled && <p className="hint">Create or select a session to upload a dataset.</p>}
        {progress && (
          <div className="progress">
            {progress.phase === 'sending' ? (
              <>
                <progress aria-label="Upload progress" max={100} value={percent} />
                <span className="progress-label">{percent}%</span>
              </>
            ) : (
              <>
                <progress aria-label="Upload progress" />
                <span className="progress-label">Profiling…</span>
              </>
            )}
          </div>
        )}
      </div>
      <Alert>{error}</Alert>
      {done && (
        <p role="status" className="success">
          {done}
        </p>
      )}
    </form>
  );
}
