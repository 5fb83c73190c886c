#!/usr/bin/env node
// Writes out/csp-hashes.txt: the 'sha256-…' source of every inline <script> of the static
// export, one per line. Next.js inlines its bootstrap and RSC payload scripts, and the
// gateway's CSP allows no inline script but these (script-src 'self' <hashes>).
//
// Usage: node scripts/csp-hashes.mjs [out-dir]   (default: out/ next to this script's folder)

import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SCRIPT = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi;

/** Whether a tag's attribute text has a `src` attribute (quoted values cannot fool it). */
function hasSrc(attributes) {
  const unquoted = attributes.replace(/"[^"]*"|'[^']*'/g, '""');
  return /(^|\s)src\s*=/i.test(unquoted);
}

/** The text of every inline (no `src`) script of `html`, as the browser hashes it. */
export function inlineScripts(html) {
  const scripts = [];
  for (const match of html.matchAll(SCRIPT)) {
    if (!hasSrc(match[1])) scripts.push(match[2]);
  }
  return scripts;
}

/** The CSP source for `text`: 'sha256-<base64 of the SHA-256 of its UTF-8 bytes>'. */
export function cspHash(text) {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

async function* htmlFiles(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* htmlFiles(full);
    else if (entry.isFile() && entry.name.endsWith('.html')) yield full;
  }
}

/** The sorted union of the hashes of every inline script in `dir`'s HTML files. */
export async function collectHashes(dir) {
  const hashes = new Set();
  for await (const file of htmlFiles(dir)) {
    for (const script of inlineScripts(await readFile(file, 'utf8'))) hashes.add(cspHash(script));
  }
  return [...hashes].sort();
}

/** Writes `<dir>/csp-hashes.txt` and answers the hashes. */
export async function writeHashes(dir) {
  const hashes = await collectHashes(dir);
  await writeFile(path.join(dir, 'csp-hashes.txt'), hashes.length ? `${hashes.join('\n')}\n` : '');
  return hashes;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dir = path.resolve(process.argv[2] ?? path.join(here, '..', 'out'));
  try {
    const hashes = await writeHashes(dir);
    console.log(`csp-hashes: ${hashes.length} inline script hashes written to ${path.join(dir, 'csp-hashes.txt')}`);
  } catch (error) {
    console.error(`csp-hashes: ${error.message} (run \`next build\` first)`);
    process.exit(1);
  }
}
