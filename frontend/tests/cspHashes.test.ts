import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { cspHash, inlineScripts, writeHashes } from '../scripts/csp-hashes.mjs';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

const BOOT = 'self.__next_f=self.__next_f||[];';
const PAYLOAD = 'self.__next_f.push([1,"héllo \\u003c/b"])';
const PAGE = `<!DOCTYPE html><html><head>
<script src="/_next/static/chunks/main.js" async=""></script>
<script data-note="src=fake">${BOOT}</script>
</head><body><SCRIPT>${PAYLOAD}</SCRIPT>
<script type="module" src='/x.js'></script><script></script></body></html>`;

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'csp-hashes-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('csp-hashes', () => {
  it('finds inline scripts only, whatever the case of the tag, and not those with src', () => {
    expect(inlineScripts(PAGE)).toEqual([BOOT, PAYLOAD, '']);
  });

  it("hashes the script text as browsers do: base64 SHA-256 of its UTF-8 bytes, quoted", () => {
    expect(cspHash(PAYLOAD)).toBe(sha256(PAYLOAD));
    // The well-known hash of the empty script.
    expect(cspHash('')).toBe("'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
  });

  it('writes the union of the hashes of every HTML file under the folder, one per line', async () => {
    await mkdir(path.join(dir, 'signin'), { recursive: true });
    await writeFile(path.join(dir, 'index.html'), PAGE);
    await writeFile(path.join(dir, 'signin', 'index.html'), `<script>${BOOT}</script><script>only here</script>`);
    await writeFile(path.join(dir, 'notes.txt'), '<script>not html</script>');

    const hashes = await writeHashes(dir);
    const expected = [sha256(BOOT), sha256(PAYLOAD), sha256(''), sha256('only here')].sort();
    expect(hashes).toEqual(expected);
    expect(await readFile(path.join(dir, 'csp-hashes.txt'), 'utf8')).toBe(`${expected.join('\n')}\n`);
  });

  it('runs as a script on the folder it is given', async () => {
    await writeFile(path.join(dir, 'index.html'), `<script>${BOOT}</script>`);
    const script = path.resolve(__dirname, '../scripts/csp-hashes.mjs');
    const { stdout } = await promisify(execFile)(process.execPath, [script, dir]);
    expect(stdout).toContain('1 inline script hashes');
    expect(await readFile(path.join(dir, 'csp-hashes.txt'), 'utf8')).toBe(`${sha256(BOOT)}\n`);
  });
});
