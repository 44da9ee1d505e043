/** File name helpers shared by adapters: extensions, stems, folders and output names. */
import { createHash } from 'node:crypto';
import path from 'node:path';

/** Lower-cased extension without the dot. */
export function ext(file: string): string {
  return path.extname(file).slice(1).toLowerCase();
}

/** File name without directory and (last) extension. */
export function stem(file: string): string {
  const base = path.basename(file);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** Names of the folders on the path of `file` below `root`, lower-cased. */
export function folders(root: string, file: string): string[] {
  return path
    .relative(root, path.dirname(file))
    .split(path.sep)
    .filter(Boolean)
    .map((s) => s.toLowerCase());
}

/** Longest output stem from a raw name: with `_slice_0000`, a collision suffix and `.png` it stays far below 255 bytes. */
const MAX_STEM = 120;

/**
 * Output file stem: lowercase ASCII, `[a-z0-9_]` only, no doubled or edge underscores
 * (DESIGN.md §3). `benign (1)` becomes `benign_1`. A longer stem (web-scraped names) is cut and
 * ends in a hash of the whole, so it stays unique and stable.
 */
export function sanitize(...parts: string[]): string {
  const name = parts
    .join('_')
    .normalize('NFKD')
    // Accents decompose into combining marks: dropped, so that `ä` becomes `a`, not `a_`.
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (name.length <= MAX_STEM) return name;
  const hash = createHash('sha1').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_STEM - 9).replace(/_+$/, '')}_${hash}`;
}

export const IMAGE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'bmp', 'tif', 'tiff']);

export function isImageFile(file: string): boolean {
  return IMAGE_EXTENSIONS.has(ext(file));
}
