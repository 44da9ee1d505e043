/**
 * The viewer serves files from inside one folder only. A request names files by URL segments;
 * a segment that decodes to `.`/`..`, holds a separator or NUL, or a path whose real location
 * (symlinks resolved) leaves the folder is refused, and the caller answers 404.
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** One decoded URL path segment, or undefined if it could step outside its folder. */
export function safeSegment(raw: string): string | undefined {
  let segment: string;
  try {
    segment = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (!segment || segment === '.' || segment === '..' || /[/\\\0]/.test(segment) || path.isAbsolute(segment)) return undefined;
  return segment;
}

export interface Confinement {
  /** The folder's real path. */
  root: string;
  /** The real path of `relative` below the root if it is a regular file inside it; undefined otherwise. */
  file(relative: string): Promise<string | undefined>;
}

export async function confineTo(folder: string): Promise<Confinement> {
  const root = await realpath(folder);
  const inside = (p: string) => p.startsWith(root + path.sep);
  return {
    root,
    async file(relative) {
      if (relative.includes('\0') || path.isAbsolute(relative)) return undefined;
      const candidate = path.resolve(root, relative);
      if (!inside(candidate)) return undefined;
      const real = await realpath(candidate).catch(() => undefined);
      if (!real || !inside(real)) return undefined;
      return (await stat(real).catch(() => undefined))?.isFile() ? real : undefined;
    },
  };
}
