// Real text nobody on this project wrote: the README, licence, changelog and other
// Markdown files of the packages installed under node_modules/.pnpm. Used by the parity
// test and the benchmark, so both see the same bytes.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DOCUMENT_NAME = /^(readme|license|licence|changelog|history|changes|notice|authors|contributing)(\.[a-z]+)?$|\.(md|markdown)$/i;

/** The workspace's pnpm store folder, found from this file's location. */
export const PNPM_STORE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../node_modules/.pnpm');

function walk(directory, found) {
  let names;
  try {
    names = readdirSync(directory);
  } catch {
    return;
  }
  for (const name of names) {
    const full = path.join(directory, name);
    const stat = lstatSync(full);
    // Symlinks lead back into the workspace (our own packages) or to other store entries.
    if (stat.isSymbolicLink()) continue;
    if (stat.isDirectory()) walk(full, found);
    else if (stat.isFile() && DOCUMENT_NAME.test(name) && stat.size > 0) found.push(full);
  }
}

/**
 * Collects the corpus in a fixed order (files sorted by a hash of their path): each file's first `perFileBytes` (cut at a line
 * end), identical contents once, until `totalBytes` of UTF-8 are gathered.
 * @returns {{ texts: { file: string, text: string }[], bytes: number, filesSeen: number, duplicates: number }}
 */
export function collectCorpus({ totalBytes = 1_500_000, perFileBytes = 32_768, store = PNPM_STORE } = {}) {
  const files = [];
  walk(store, files);
  // Sorted by a hash of the store-relative path: deterministic, yet spread over every
  // package rather than the first letters of the alphabet.
  const key = (file) => createHash('sha1').update(path.relative(store, file)).digest('hex');
  const keyed = files.map((file) => [key(file), file]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  files.length = 0;
  for (const [, file] of keyed) files.push(file);
  const seen = new Set();
  const texts = [];
  let bytes = 0;
  let duplicates = 0;
  for (const file of files) {
    if (bytes >= totalBytes) break;
    let text = readFileSync(file, 'utf8');
    if (Buffer.byteLength(text) > perFileBytes) {
      text = Buffer.from(text).subarray(0, perFileBytes).toString('utf8');
      const lineEnd = text.lastIndexOf('\n');
      text = lineEnd > 0 ? text.slice(0, lineEnd + 1) : text.replace(/\uFFFD$/, '');
    }
    if (seen.has(text)) {
      duplicates++;
      continue;
    }
    seen.add(text);
    texts.push({ file: path.relative(store, file), text });
    bytes += Buffer.byteLength(text);
  }
  return { texts, bytes, filesSeen: files.length, duplicates };
}
