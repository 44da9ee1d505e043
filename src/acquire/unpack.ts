/**
 * Safe unpacking of one verified archive into a folder: zip (yauzl), tar and tar.gz (node-tar's
 * parser), RAR (node-unrar-js), or a single file copied as is. Every entry must stay inside the
 * folder (no `..`, no absolute path, no link pointing out) and the archive may not inflate beyond a
 * bound; a violation names the archive and the entry. Links inside the folder are not created but
 * listed as skipped, so nothing an archive holds goes unaccounted.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { Parser, type ReadEntry } from 'tar';
import type { ArchiveFormat } from '../catalog/types.js';

export interface UnpackLimits {
  /** Most bytes the archive may inflate to. */
  maxBytes: number;
  maxEntries: number;
}

/** Real datasets inflate a few times at most (LiTS's zipped .nii: 3.6x); a zip bomb inflates a thousandfold. */
const MAX_RATIO = 50;
const MIN_BOUND = 256 * 2 ** 20;

export function defaultLimits(archiveBytes: number): UnpackLimits {
  return { maxBytes: Math.max(MIN_BOUND, archiveBytes * MAX_RATIO), maxEntries: 2_000_000 };
}

export interface UnpackResult {
  files: number;
  bytes: number;
  /** Entries not written (links, devices), with why. */
  skipped: string[];
}

export class UnpackError extends Error {
  override name = 'UnpackError';
  constructor(
    readonly archive: string,
    readonly entry: string | undefined,
    reason: string,
  ) {
    super(`${archive}: ${entry !== undefined ? `entry "${entry}": ` : ''}${reason}`);
  }
}

/** The path of archive entry `name` below `root`, or why it may not be written. */
export function entryPath(root: string, name: string): { path: string } | { refused: string } {
  const norm = name.replace(/\\/g, '/');
  if (norm.includes('\0')) return { refused: 'contains a NUL character' };
  if (norm.startsWith('/') || /^[a-zA-Z]:/.test(norm)) return { refused: 'absolute path: it would be written outside the target folder' };
  const parts = norm.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return { refused: 'path with "..": it would be written outside the target folder' };
  return { path: path.join(root, ...parts) };
}

function within(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Links are never created; one pointing out of the folder makes the whole archive unsafe. */
function checkLink(root: string, archive: string, name: string, dest: string, target: string, hard: boolean): string {
  const resolved = path.isAbsolute(target) ? target : hard ? path.resolve(root, target) : path.resolve(path.dirname(dest), target);
  if (path.isAbsolute(target) || !within(root, resolved))
    throw new UnpackError(archive, name, `${hard ? 'hard link' : 'symbolic link'} to "${target}" points outside the target folder`);
  return `${name}: ${hard ? 'hard link' : 'symbolic link'} to ${target} (links are not unpacked)`;
}

class Budget {
  bytes = 0;
  entries = 0;
  constructor(
    private readonly archive: string,
    private readonly limits: UnpackLimits,
  ) {}
  entry(name: string, declared: number): void {
    if (++this.entries > this.limits.maxEntries) throw new UnpackError(this.archive, name, `more than ${this.limits.maxEntries} entries`);
    this.add(name, declared);
  }
  add(name: string, bytes: number): void {
    this.bytes += bytes;
    if (this.bytes > this.limits.maxBytes)
      throw new UnpackError(
        this.archive,
        name,
        `the archive inflates beyond ${this.limits.maxBytes} bytes: refused as a possible zip bomb`,
      );
  }
}

function resolvedOrThrow(root: string, archive: string, name: string): string {
  const p = entryPath(root, name);
  if ('refused' in p) throw new UnpackError(archive, name, p.refused);
  return p.path;
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true }, (e, zip) => (e ? reject(e) : resolve(zip))),
  );
}

/** Remembers the folders already made, so a zip of many files in few folders makes each once. */
class FolderCache {
  private readonly made = new Set<string>();
  async make(dir: string): Promise<void> {
    if (this.made.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.made.add(dir);
  }
}

const ENTRY_JOBS = 8;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

async function unzip(file: string, root: string, archive: string, limits: UnpackLimits): Promise<UnpackResult> {
  const zip = await openZip(file).catch((e: Error) => {
    throw new UnpackError(archive, undefined, `not a readable zip archive (${e.message})`);
  });
  const budget = new Budget(archive, limits);
  const result: UnpackResult = { files: 0, bytes: 0, skipped: [] };
  const readStream = (entry: yauzl.Entry): Promise<NodeJS.ReadableStream> =>
    new Promise((resolve, reject) => zip.openReadStream(entry, (e, s) => (e ? reject(e) : resolve(s))));

  const folders = new FolderCache();
  const handle = async (entry: yauzl.Entry): Promise<void> => {
    const name = entry.fileName;
    const dest = resolvedOrThrow(root, archive, name);
    if (name.endsWith('/')) {
      await folders.make(dest);
      return;
    }
    if (((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK) {
      if (entry.uncompressedSize > 4096) throw new UnpackError(archive, name, 'symbolic link with an oversized target');
      let target = '';
      for await (const chunk of (await readStream(entry)) as AsyncIterable<Buffer>) target += chunk.toString('utf8');
      result.skipped.push(checkLink(root, archive, name, dest, target, false));
      return;
    }
    await folders.make(path.dirname(dest));
    await pipeline(await readStream(entry), createWriteStream(dest));
    result.files++;
    result.bytes += entry.uncompressedSize;
  };

  // Entries are written a few at a time: with many small files the wait is the file system's.
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    let ended = false;
    const inFlight = new Set<Promise<void>>();
    const fail = (e: unknown): void => {
      if (failed) return;
      failed = true;
      zip.close();
      reject(e instanceof UnpackError ? e : new UnpackError(archive, undefined, (e as Error).message));
    };
    const settle = (): void => {
      if (failed || !ended || inFlight.size > 0) return;
      zip.close();
      resolve();
    };
    zip.on('error', fail);
    zip.on('end', () => {
      ended = true;
      settle();
    });
    zip.on('entry', (entry: yauzl.Entry) => {
      try {
        budget.entry(entry.fileName, entry.uncompressedSize);
      } catch (e) {
        fail(e);
        return;
      }
      const full = inFlight.size + 1 >= ENTRY_JOBS;
      const job: Promise<void> = handle(entry).then(
        () => {
          inFlight.delete(job);
          if (full && !failed) zip.readEntry();
          settle();
        },
        (e: unknown) => fail(e instanceof UnpackError ? e : new UnpackError(archive, entry.fileName, (e as Error).message)),
      );
      inFlight.add(job);
      if (!full) zip.readEntry();
    });
    zip.readEntry();
  });
  return result;
}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

async function untar(file: string, root: string, archive: string, limits: UnpackLimits): Promise<UnpackResult> {
  const budget = new Budget(archive, limits);
  const result: UnpackResult = { files: 0, bytes: 0, skipped: [] };
  const writes: Promise<void>[] = [];
  const folders = new FolderCache();
  let failure: unknown;
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      try {
        if (failure) throw failure;
        const name = entry.path;
        budget.entry(name, entry.size ?? 0);
        const dest = resolvedOrThrow(root, archive, name);
        if (entry.type === 'Directory') {
          entry.resume();
          writes.push(folders.make(dest));
        } else if (FILE_TYPES.has(entry.type)) {
          writes.push(
            folders
              .make(path.dirname(dest))
              .then(() => pipeline(entry, createWriteStream(dest)))
              .then(() => {
                result.files++;
                result.bytes += entry.size ?? 0;
              }),
          );
        } else if (entry.type === 'SymbolicLink' || entry.type === 'Link') {
          entry.resume();
          result.skipped.push(checkLink(root, archive, name, dest, entry.linkpath ?? '', entry.type === 'Link'));
        } else {
          entry.resume();
          result.skipped.push(`${name}: ${entry.type} entry (only files and folders are unpacked)`);
        }
      } catch (e) {
        failure ??= e;
        entry.resume();
        parser.abort(e as Error);
      }
    },
  });
  try {
    await pipeline(createReadStream(file), parser);
  } catch (e) {
    failure ??= e;
  }
  const settled = await Promise.allSettled(writes);
  const writeError = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  failure ??= writeError?.reason;
  if (failure) throw failure instanceof UnpackError ? failure : new UnpackError(archive, undefined, (failure as Error).message);
  return result;
}

async function unrar(file: string, root: string, archive: string, limits: UnpackLimits): Promise<UnpackResult> {
  const { createExtractorFromFile } = await import('node-unrar-js');
  const budget = new Budget(archive, limits);
  const result: UnpackResult = { files: 0, bytes: 0, skipped: [] };
  const check = await createExtractorFromFile({ filepath: file }).catch((e: Error) => {
    throw new UnpackError(archive, undefined, `not a readable RAR archive (${e.message})`);
  });
  // Every header is checked before the extractor writes anything.
  for (const header of check.getFileList().fileHeaders) {
    budget.entry(header.name, header.unpSize);
    resolvedOrThrow(root, archive, header.name);
    if (header.flags.encrypted) throw new UnpackError(archive, header.name, 'encrypted entry');
  }
  await mkdir(root, { recursive: true });
  const extractor = await createExtractorFromFile({ filepath: file, targetPath: root });
  for (const { fileHeader } of extractor.extract().files) {
    if (fileHeader.flags.directory) continue;
    result.files++;
    result.bytes += fileHeader.unpSize;
  }
  return result;
}

/**
 * Unpacks `file` below `root`; `into` is the entry folder (or, for a single `file`, its path)
 * relative to `root`. The caller gives a fresh temporary `root` and renames it into place.
 */
export async function unpack(
  file: string,
  format: ArchiveFormat,
  root: string,
  into: string,
  archive: string,
  limits: UnpackLimits,
): Promise<UnpackResult> {
  const target = resolvedOrThrow(root, archive, into);
  await mkdir(format === 'file' ? path.dirname(target) : target, { recursive: true });
  try {
    if (format === 'zip') return await unzip(file, target, archive, limits);
    if (format === 'tar' || format === 'tar.gz') return await untar(file, target, archive, limits);
    if (format === 'rar') return await unrar(file, target, archive, limits);
    await copyFile(file, target);
    return { files: 1, bytes: (await stat(target)).size, skipped: [] };
  } catch (e) {
    throw e instanceof UnpackError ? e : new UnpackError(archive, undefined, (e as Error).message);
  }
}
