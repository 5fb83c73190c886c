'use client';

import { useEffect, useState } from 'react';

import { api } from '@/lib/api';
import { errorMessage } from '@/lib/errors';
import { formatCount } from '@/lib/format';
import type { Preview, Profile } from '@/lib/types';

import { Alert } from './Alert';
import { DataTable } from './DataTable';
import { ProfileTable } from './ProfileTable';

export const PREVIEW_ROWS = 20;

/** The active dataset's profile and first rows. */
export function ActiveDataset({ fileName }: { fileName: string }) {
  const [profile, setProfile] = useState<Profile | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    setProfile(null);
    setPreview(null);
    setError(null);
    Promise.all([api.profile(fileName), api.preview(fileName, PREVIEW_ROWS)])
      .then(([nextProfile, nextPreview]) => {
        if (cancelled) return;
        setProfile(nextProfile);
        setPreview(nextPreview);
      })
      .catch((caught) => {
        if (!cancelled) setError(errorMessage(caught));
      });
    return () => {
      cancelled = true;
    };
  }, [fileName]);

  return (
    <details className="panel" open>
      <summary>
        <span className="panel-title">About {fileName}</span>
      </summary>
      <div className="panel-body">
        <Alert>{error}</Alert>
        <section aria-labelledby="profile-heading">
          <h2 id="profile-heading">Profile of {fileName}</h2>
          {profile ? (
            <>
              <p className="muted">
                {formatCount(profile.rows)} rows × {formatCount(profile.columns)} columns
              </p>
              <ProfileTable profile={profile} />
            </>
          ) : (
            !error && <p className="muted">Loading the profile…</p>
          )}
        </section>
        <section aria-labelledby="preview-heading">
          <h2 id="preview-heading">First rows</h2>
          {preview ? (
            <DataTable columns={preview.columns} rows={preview.rows} label={`First rows of ${fileName}`} />
          ) : (
            !error && <p className="muted">Loading the first rows…</p>
          )}
        </section>
      </div>
    </details>
  );
}
