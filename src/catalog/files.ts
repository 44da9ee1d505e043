/** File discovery helpers shared by adapters: walking a raw folder without its junk, naming outputs. */
import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** macOS and archive debris that every source may carry (`__MACOSX/`, `._x`, `.DS_Store`, `Thumbs.db`). */
export function isJunk(name: string): boolean {
  return name.startsWith('.') || name === '__MACOSX' || name === 'Thumbs.db' || name === 'desktop.ini';
}

/** Every regular file below `dir` (absolute paths, sorted), skipping junk files and folders. */
export async function walkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function visit(d: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (isJunk(e.name)) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) await visit(p);
      else if (e.isFile() || e.isSymbolicLink()) out.push(p);
    }
  }
  await visit(dir);
  return out.sort();
}

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

/**
 * Output file stem: lowercase ASCII, `[a-z0-9_]` only, no doubled or edge underscores
 * (DESIGN.md §3). `benign (1)` becomes `benign_1`.
 */
export function sanitize(...parts: string[]): string {
  return parts
    .join('_')
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

export const IMAGE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'bmp', 'tif', 'tiff']);

export function isImageFile(file: string): boolean {
  return IMAGE_EXTENSIONS.has(ext(file));
}
