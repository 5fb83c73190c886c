import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('next/navigation', () => ({ useRouter: () => ({ replace: vi.fn(), push: vi.fn() }) }));

import { SampleRowsToggle } from '@/components/SampleRowsToggle';
import { SessionsSidebar } from '@/components/SessionsSidebar';
import { signUpProblem, SignUpForm } from '@/components/SignUpForm';
import { UploadForm } from '@/components/UploadForm';
import { clearToken, setToken } from '@/lib/token';
import { defaultDatasetName } from '@/lib/upload';
import type { Session } from '@/lib/types';

afterEach(() => {
  vi.unstubAllGlobals();
  clearToken();
});

function jsonResponse(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

describe('sign-up checks', () => {
  it('wants 8 characters and two equal passwords before asking the server', async () => {
    expect(signUpProblem('a@b.c', 'short', 'short')).toMatch(/at least 8/);
    expect(signUpProblem('a@b.c', 'longenough', 'different')).toMatch(/do not match/);
    expect(signUpProblem('a@b.c', 'longenough', 'longenough')).toBeNull();

    const fetchMock = vi.fn();
    vi.stubGlobal('fetch', fetchMock);
    render(<SignUpForm />);
    await userEvent.type(screen.getByLabelText('Email'), 'a@b.c');
    await userEvent.type(screen.getByLabelText('Password'), 'longenough');
    await userEvent.type(screen.getByLabelText('Confirm password'), 'longenougX');
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(screen.getByRole('alert').textContent).toBe('The two passwords do not match.');
    expect(screen.getByLabelText('Confirm password').getAttribute('aria-invalid')).toBe('true');
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('shows the server detail of a refused sign-up', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(409, { detail: 'a user with this email already exists', code: 'already_exists' })));
    render(<SignUpForm />);
    await userEvent.type(screen.getByLabelText('Email'), 'a@b.c');
    await userEvent.type(screen.getByLabelText('Password'), 'longenough');
    await userEvent.type(screen.getByLabelText('Confirm password'), 'longenough');
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect((await screen.findByRole('alert')).textContent).toBe('a user with this email already exists');
  });
});

const sessions: Session[] = [
  { id: '2', user_id: 'u', title: 'Second', active: true, created_at: '2026-03-04T10:00:00Z', updated_at: '', active_file: 'sales' },
  { id: '1', user_id: 'u', title: 'First', active: false, created_at: '2026-03-01T10:00:00Z', updated_at: '' },
];

describe('SessionsSidebar', () => {
  it('lists sessions as buttons named by their title, marks the active one, and shows its dataset', () => {
    render(<SessionsSidebar id="s" open sessions={sessions} loaded onChanged={async () => {}} />);
    const active = screen.getByRole('button', { name: 'Second' });
    expect(active.getAttribute('aria-current')).toBe('true');
    expect(screen.getByRole('button', { name: 'First' }).getAttribute('aria-current')).toBeNull();
    expect(active.closest('li')?.textContent).toContain('Mar 4, 2026 · sales');
    expect(screen.getByRole('button', { name: 'First' }).closest('li')?.textContent).toContain('no dataset');
    expect(screen.getByRole('button', { name: 'Delete session First' })).toBeTruthy();
  });

  it("shows the server's refusal to delete the active session and what to do", async () => {
    setToken('t');
    const fetchMock = vi.fn(async () => jsonResponse(409, { detail: 'the active session cannot be deleted', code: 'conflict' }));
    vi.stubGlobal('fetch', fetchMock);
    const onChanged = vi.fn(async () => {});
    render(<SessionsSidebar id="s" open sessions={sessions} loaded onChanged={onChanged} />);
    fireEvent.click(screen.getByRole('button', { name: 'Delete session Second' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'The active session cannot be deleted. Switch to another session first.',
    );
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/v1/gateway/sessions/Second');
    expect(init.method).toBe('DELETE');
    expect(onChanged).not.toHaveBeenCalled();
  });

  it('asks before deleting another session, and deletes it only when confirmed', async () => {
    setToken('t');
    const fetchMock = vi.fn(async () => jsonResponse(200, { detail: "session 'First' deleted" }));
    vi.stubGlobal('fetch', fetchMock);
    const onChanged = vi.fn(async () => {});
    render(<SessionsSidebar id="s" open sessions={sessions} loaded onChanged={onChanged} />);
    fireEvent.click(screen.getByRole('button', { name: 'Delete session First' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel' }));
    expect(fetchMock).not.toHaveBeenCalled();

    fireEvent.click(screen.getByRole('button', { name: 'Delete session First' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Yes, delete it' }));
    await waitFor(() => expect(onChanged).toHaveBeenCalled());
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/v1/gateway/sessions/First');
    expect(init.method).toBe('DELETE');
  });

  it('creates a session, URL-safe, and shows a duplicate title inline', async () => {
    setToken('t');
    const fetchMock = vi.fn(async () => jsonResponse(409, { detail: 'a session titled "First" already exists' }));
    vi.stubGlobal('fetch', fetchMock);
    render(<SessionsSidebar id="s" open sessions={sessions} loaded onChanged={async () => {}} />);
    await userEvent.type(screen.getByLabelText('Session title'), 'First');
    await userEvent.click(screen.getByRole('button', { name: 'New session' }));
    expect((await screen.findByRole('alert')).textContent).toBe('a session titled "First" already exists');
    expect(JSON.parse(String((fetchMock.mock.calls[0] as unknown as [string, RequestInit])[1].body))).toEqual({ title: 'First' });
  });

  it('guides a user without sessions', () => {
    render(<SessionsSidebar id="s" open sessions={[]} loaded onChanged={async () => {}} />);
    expect(screen.getByText(/No sessions yet/)).toBeTruthy();
  });
});

/** A stand-in XMLHttpRequest that the test drives by hand. */
class FakeXhr {
  static last: FakeXhr | null = null;
  upload: { onprogress?: (e: ProgressEvent) => void; onload?: () => void } = {};
  onload?: () => void;
  onerror?: () => void;
  onabort?: () => void;
  status = 0;
  responseText = '';
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: FormData | null = null;
  constructor() {
    FakeXhr.last = this;
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body: FormData) {
    this.body = body;
  }
  abort() {
    this.onabort?.();
  }
  respond(status: number, body: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }
}

describe('UploadForm', () => {
  it('names the dataset after the file, sends name fields before the file, and shows progress then Profiling…', async () => {
    setToken('tok');
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    const onUploaded = vi.fn(async () => {});
    render(<UploadForm disabled={false} onUploaded={onUploaded} />);
    const file = new File(['a,b\n1,2\n'], 'sales.2024.csv', { type: 'text/csv' });
    await userEvent.upload(screen.getByLabelText('Dataset file'), file);
    expect((screen.getByLabelText('Dataset name') as HTMLInputElement).value).toBe('sales.2024');
    await userEvent.type(screen.getByLabelText('Description'), 'Q1 orders');
    await userEvent.click(screen.getByRole('button', { name: 'Upload' }));

    const xhr = FakeXhr.last!;
    expect([xhr.method, xhr.url, xhr.headers.Authorization]).toEqual(['POST', '/api/v1/gateway/files', 'Bearer tok']);
    expect([...xhr.body!.keys()]).toEqual(['file_name', 'description', 'file']);
    expect(xhr.body!.get('file_name')).toBe('sales.2024');
    expect(xhr.body!.get('description')).toBe('Q1 orders');

    xhr.upload.onprogress?.({ lengthComputable: true, loaded: 42, total: 100 } as ProgressEvent);
    const bar = (await screen.findByLabelText('Upload progress')) as HTMLProgressElement;
    await waitFor(() => expect(bar.getAttribute('value')).toBe('42'));
    expect(screen.getByText('42%')).toBeTruthy();

    xhr.upload.onload?.();
    expect(await screen.findByText('Profiling…')).toBeTruthy();
    expect(screen.getByLabelText('Upload progress').hasAttribute('value')).toBe(false);

    xhr.respond(201, { file_name: 'sales.2024' });
    expect((await screen.findByRole('status')).textContent).toContain('Uploaded sales.2024');
    expect(onUploaded).toHaveBeenCalledTimes(1);
  });

  it('shows a friendly message with the server detail when the upload is refused', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    render(<UploadForm disabled={false} onUploaded={async () => {}} />);
    await userEvent.upload(screen.getByLabelText('Dataset file'), new File(['x'], 'big.csv'));
    await userEvent.click(screen.getByRole('button', { name: 'Upload' }));
    FakeXhr.last!.respond(413, { detail: 'the file is larger than the 1 GiB limit', code: 'payload_too_large' });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('The file is too large to upload. The file is larger than the 1 GiB limit.');
    expect(within(alert.parentElement!).queryByLabelText('Upload progress')).toBeNull();
  });

  it('strips only the last extension for the default name', () => {
    expect(defaultDatasetName('orders.csv')).toBe('orders');
    expect(defaultDatasetName('.hidden')).toBe('.hidden');
    expect(defaultDatasetName('data')).toBe('data');
  });
});

describe('SampleRowsToggle', () => {
  it('is off by default, and turning it on asks the server for this session, then reloads', async () => {
    setToken('token');
    const fetchMock = vi.fn(async () => jsonResponse(200, { ...sessions[0], allow_sample_rows: true }));
    vi.stubGlobal('fetch', fetchMock);
    const onChanged = vi.fn(async () => {});
    render(<SampleRowsToggle session={sessions[0]} onChanged={onChanged} />);
    const box = screen.getByRole('checkbox', { name: 'Let a remote model see a few rows of the data' });
    expect((box as HTMLInputElement).checked).toBe(false);
    expect(screen.getByText(/never rows/)).toBeTruthy();
    await userEvent.click(box);
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toMatch(/\/sessions\/Second$/);
    expect(init.method).toBe('PATCH');
    expect(JSON.parse(String(init.body))).toEqual({ allow_sample_rows: true });
  });

  it('shows the server refusal and keeps the setting as it was', async () => {
    setToken('token');
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(404, { detail: 'no session with this title', code: 'session_not_found' })));
    const onChanged = vi.fn(async () => {});
    render(<SampleRowsToggle session={{ ...sessions[0], allow_sample_rows: true }} onChanged={onChanged} />);
    await userEvent.click(screen.getByRole('checkbox'));
    expect((await screen.findByRole('alert')).textContent).toBe('no session with this title');
    expect(onChanged).not.toHaveBeenCalled();
    expect((screen.getByRole('checkbox') as HTMLInputElement).checked).toBe(true);
  });
});
