/**
 * The one walk of a source folder: every entry below it is listed as a file to consider, counted as
 * ignored with a reason (archive and OS debris), or reported as a problem (an unreadable folder, a
 * link not followed). Links to files and to folders are followed alike, but only to targets inside
 * the source folder, and each folder is walked once, so a link cycle ends.
 */
import type { Dirent, Stats } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Problem } from './types.js';

/** The file system calls the walk makes; tests inject failures (a walk as root cannot meet EACCES). */
export interface WalkIo {
  readdir(dir: string): Promise<Dirent[]>;
  realpath(file: string): Promise<string>;
  stat(file: string): Promise<Stats>;
}

const nodeIo: WalkIo = {
  readdir: (dir) => readdir(dir, { withFileTypes: true }),
  realpath: (file) => realpath(file),
  stat: (file) => stat(file),
};

export interface SourceWalk {
  /** Regular files and links to files inside the source, absolute paths as found, sorted. */
  files: string[];
  /** Entries left alone without being read, by reason. */
  ignored: Map<string, number>;
  /** Folders that could not be read and links not followed, relative to the raw root. */
  problems: Problem[];
  /** How many of `problems` are links (entries of the folder, unlike unreadable folders). */
  linksNotFollowed: number;
  /** The folders that could not be listed, relative to the raw root. */
  unreadable: string[];
}

/** Why a name is debris that no source uses, or undefined. Folders of debris are counted, not walked. */
export function junkReason(name: string, folder: boolean): string | undefined {
  if (name === '__MACOSX') return 'macOS archive debris (__MACOSX/)';
  if (name.startsWith('._')) return 'macOS resource fork (._*)';
  if (name === '.DS_Store') return 'macOS folder settings (.DS_Store)';
  if (name === 'Thumbs.db' || name === 'desktop.ini') return 'Windows folder settings (Thumbs.db, desktop.ini)';
  if (name.startsWith('.')) return folder ? 'hidden folder (.*/)' : 'hidden file (.*)';
  return undefined;
}

const NOT_REGULAR = 'not a regular file (fifo, socket or device)';

function inside(root: string, file: string): boolean {
  return file === root || file.startsWith(root + path.sep);
}

function byName(a: Dirent, b: Dirent): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function folderError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied: the folder cannot be listed, so none of its files are used';
  return `the folder cannot be listed (${code ?? (e as Error).message}), so none of its files are used`;
}

/**
 * Walks `sourceDir` (a missing folder gives an empty walk: the build checks presence before).
 * Real folders are walked first and links afterwards, so a folder reachable both ways keeps its
 * real path and the link is reported as a repeat.
 */
export async function walkSource(sourceDir: string, rawRoot: string, io: WalkIo = nodeIo): Promise<SourceWalk> {
  const files: string[] = [];
  const ignored = new Map<string, number>();
  const problems: Problem[] = [];
  let linksNotFollowed = 0;
  const unreadable: string[] = [];
  const ignore = (reason: string, n = 1): void => void ignored.set(reason, (ignored.get(reason) ?? 0) + n);
  const rel = (p: string): string => path.relative(rawRoot, p);

  let root: string;
  try {
    root = await io.realpath(sourceDir);
  } catch {
    return { files, ignored, problems, linksNotFollowed: 0, unreadable: [] };
  }
  /** Real path of each walked folder → the path it was walked under. */
  const walked = new Map<string, string>();
  const links: { shown: string; parentReal: string }[] = [];

  async function list(dir: string): Promise<Dirent[] | undefined> {
    try {
      return (await io.readdir(dir)).sort(byName);
    } catch (e) {
      unreadable.push(rel(dir));
      problems.push({ file: rel(dir), reason: folderError(e) });
      return undefined;
    }
  }

  /** Files below a debris folder, counted without following links. */
  async function countDebris(dir: string, reason: string): Promise<void> {
    for (const e of (await list(dir)) ?? []) {
      if (e.isDirectory()) await countDebris(path.join(dir, e.name), reason);
      else ignore(reason);
    }
  }

  async function visit(shown: string, real: string): Promise<void> {
    walked.set(real, shown);
    for (const e of (await list(shown)) ?? []) {
      // Names from readdir need no normalising: concatenation is cheaper than path.join on 30,000 entries.
      const p = shown + path.sep + e.name;
      const junk = junkReason(e.name, e.isDirectory());
      if (junk) {
        if (e.isDirectory()) await countDebris(p, junk);
        else ignore(junk);
      } else if (e.isDirectory()) await visit(p, path.join(real, e.name));
      else if (e.isFile()) files.push(p);
      else if (e.isSymbolicLink()) links.push({ shown: p, parentReal: real });
      else ignore(NOT_REGULAR);
    }
  }

  const notFollowed = (link: string, reason: string): void => {
    linksNotFollowed++;
    problems.push({ file: rel(link), reason });
  };

  async function follow(link: string, parentReal: string): Promise<void> {
    let target: string;
    let info: Stats;
    try {
      target = await io.realpath(link);
      info = await io.stat(target);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      notFollowed(
        link,
        code === 'ELOOP'
          ? 'link cycle: not followed'
          : code === 'ENOENT'
            ? 'broken link: its target does not exist; not followed'
            : `link not followed (${code ?? (e as Error).message})`,
      );
      return;
    }
    if (!inside(root, target)) {
      notFollowed(link, `link to ${target}, outside the source folder: not followed (link the source folder itself instead)`);
      return;
    }
    if (info.isFile()) files.push(link);
    else if (!info.isDirectory()) ignore(NOT_REGULAR);
    else if (walked.has(target)) {
      const seen = rel(walked.get(target)!) || '.';
      notFollowed(
        link,
        inside(target, parentReal)
          ? `link cycle: points to the enclosing folder ${seen}; not followed`
          : `link to a folder walked already (${seen}): not followed`,
      );
    } else await visit(link, target);
  }

  await visit(sourceDir, root);
  // Links found while following links join the queue.
  for (let i = 0; i < links.length; i++) await follow(links[i].shown, links[i].parentReal);
  files.sort();
  return { files, ignored, problems, linksNotFollowed, unreadable };
}
