'use client';

import { useState } from 'react';

import { api } from '@/lib/api';
import { errorMessage, refusalMessage } from '@/lib/errors';
import { formatBytes, formatCount } from '@/lib/format';
import type { DatasetFile } from '@/lib/types';

import { ActiveDataset } from './ActiveDataset';
import { Alert } from './Alert';
import { ConfirmDialog } from './ConfirmDialog';
import { UploadForm } from './UploadForm';

interface Props {
  files: DatasetFile[];
  activeFile: DatasetFile | null;
  hasActiveSession: boolean;
  onChanged: () => Promise<void>;
}

function deleteFileMessage(error: unknown): string {
  return refusalMessage(error, 'Use another dataset in this session first.');
}

/** Upload, the user's datasets (shared by all sessions) and the active one's profile. */
export function DatasetsPanel({ files, activeFile, hasActiveSession, onChanged }: Props) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The dataset waiting for the user to confirm its deletion.
  const [deleting, setDeleting] = useState<string | null>(null);

  async function run(action: () => Promise<unknown>, describe: (error: unknown) => string = errorMessage) {
    setError(null);
    setBusy(true);
    try {
      await action();
      await onChanged();
    } catch (caught) {
      setError(describe(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <details className="panel" open>
        <summary>
          <span className="panel-title">Datasets</span>
        </summary>
        <div className="panel-body">
          <UploadForm disabled={!hasActiveSession} onUploaded={onChanged} />
          <Alert>{error}</Alert>
          {files.length === 0 ? (
            <p className="muted">No datasets yet. Upload a file to start.</p>
          ) : (
            <ul className="dataset-list" aria-label="Your datasets">
              {files.map((file) => {
                const active = file.file_name === activeFile?.file_name;
                return (
                  <li key={file.file_name} className={active ? 'active' : undefined} aria-current={active ? 'true' : undefined}>
                    <div className="dataset-info">
                      <span className="dataset-name">
                        {file.file_name}
                        {active && <span className="badge">active</span>}
                      </span>
                      <span className="dataset-meta">
                        {file.format.toUpperCase()} · {formatCount(file.rows)} rows × {formatCount(file.columns)} columns
                        · {formatBytes(file.size_bytes)}
                      </span>
                      {file.description && <span className="dataset-description">{file.description}</span>}
                    </div>
                    <div className="dataset-actions">
                      <button
                        type="button"
                        className="button"
                        aria-label={`Use ${file.file_name}`}
                        disabled={active || busy || !hasActiveSession}
                        onClick={() => void run(() => api.useFile(file.file_name))}
                      >
                        Use
                      </button>
                      <button
                        type="button"
                        className="button danger"
                        aria-label={`Delete ${file.file_name}`}
                        disabled={busy}
                        onClick={() => setDeleting(file.file_name)}
                      >
                        Delete
                      </button>
                    </div>
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      </details>
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete ${deleting ?? 'the dataset'}?`}
        message="This deletes the dataset and its stored file for every session. It cannot be undone."
        confirmLabel="Yes, delete it"
        onConfirm={() => {
          const name = deleting;
          setDeleting(null);
          if (name) void run(() => api.deleteFile(name), deleteFileMessage);
        }}
        onCancel={() => setDeleting(null)}
      />
      {activeFile && (
        // Keyed by name and upload time: a dataset deleted and uploaded again is a new one.
        <ActiveDataset key={`${activeFile.file_name}/${activeFile.created_at}`} fileName={activeFile.file_name} />
      )}
    </>
  );
}
