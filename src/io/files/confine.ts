/**
 * Keeping file access inside one folder. Paths that come from outside the program (a URL, a
 * split line, a MetaImage header's ElementDataFile) are resolved below the folder and refused
 * when they step out of it, lexically (`..`, an absolute path, NUL) or through a symbolic link.
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** A single file or folder name: not empty, not `.` or `..`, no separator or NUL. */
export function isPlainName(name: string): boolean {
  return Boolean(name) && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

export type Resolved = { file: string } | { refused: string };

export interface Confinement {
  /** The folder's real path. */
  root: string;
  /** The real path of `relative` below the root if it is a regular file inside it; undefined otherwise. */
  file(relative: string): Promise<string | undefined>;
  /** The same, with the reason when refused: outside the folder, a link leading out, a loop, absent, not a file. */
  resolve(relative: string): Promise<Resolved>;
}

export async function confineTo(folder: string): Promise<Confinement> {
  const root = await realpath(folder);
  const inside = (p: string) => p.startsWith(root + path.sep);
  const resolve = async (relative: string): Promise<Resolved> => {
    if (relative.includes('\0')) return { refused: 'the path holds a NUL byte' };
    if (path.isAbsolute(relative)) return { refused: `the absolute path ${relative} is outside ${root}` };
    const candidate = path.resolve(root, relative);
    if (!inside(candidate)) return { refused: `${relative} points outside ${root}` };
    let real: string;
    try {
      real = await realpath(candidate);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return { refused: code === 'ELOOP' ? `${relative} is a symbolic link loop` : `${relative} not found` };
    }
    if (!inside(real)) return { refused: `${relative} is a symbolic link to ${real}, outside ${root}` };
    return (await stat(real).catch(() => undefined))?.isFile() ? { file: real } : { refused: `${relative} is not a file` };
  };
  return {
    root,
    resolve,
    async file(relative) {
      const r = await resolve(relative);
      return 'file' in r ? r.file : undefined;
    },
  };
}
