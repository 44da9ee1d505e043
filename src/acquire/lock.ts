/**
 * The raw lock, `<raw>/medbank-raw.lock.json`: per source the archives fetched (URL asked for, size,
 * sha256, where the expected hash came from) and a digest of the unpacked files, so a raw folder can
 * be rechecked (`fetch --verify`) and a build can record which bytes it read.
 */
import { createReadStream } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { writeAtomic } from '../io/files/atomic.js';
import { InputError } from '../errors.js';
import { limiter } from './limit.js';

export const LOCK_FILE = 'medbank-raw.lock.json';
export const LOCK_FORMAT = 'medbank-raw-lock/1';
const HASH_JOBS = 8;

export interface LockedArchive {
  name: string;
  url: string;
  size: number;
  sha256: string;
  /** Where the expected sha256 came from: the catalog's origin, `--expect`, or `first download` (pinned here). */
  pinnedBy: string;
}

export interface TreeDigest {
  files: number;
  bytes: number;
  /** sha256 over the sorted lines `<sha256>  <size>  <relative path>` of every file. */
  digest: string;
}

export interface LockedSource {
  archives: LockedArchive[];
  unpacked: TreeDigest;
}

export interface RawLock {
  format: string;
  sources: Record<string, LockedSource>;
}

export function lockPath(raw: string): string {
  return path.join(raw, LOCK_FILE);
}

export async function readLock(raw: string): Promise<RawLock | undefined> {
  let text: string;
  try {
    text = await readFile(lockPath(raw), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let lock: RawLock;
  try {
    lock = JSON.parse(text) as RawLock;
  } catch {
    throw new InputError(lockPath(raw), 'not valid JSON: remove or restore it');
  }
  if (lock.format !== LOCK_FORMAT || typeof lock.sources !== 'object')
    throw new InputError(lockPath(raw), `not a MedBank raw lock (format "${String(lock.format)}", expected "${LOCK_FORMAT}")`);
  return lock;
}

export async function writeLock(raw: string, lock: RawLock): Promise<void> {
  const sorted: RawLock = {
    format: LOCK_FORMAT,
    sources: Object.fromEntries(Object.entries(lock.sources).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
  await writeAtomic(lockPath(raw), `${JSON.stringify(sorted, null, 2)}\n`);
}

/** Every regular file below `dir` with its size, relative paths with `/`, sorted by code unit. */
export async function listTree(dir: string): Promise<{ rel: string; size: number }[]> {
  const entries = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  const run = limiter(HASH_JOBS);
  const out = await Promise.all(
    entries.map((e) =>
      run(async () => {
        const abs = path.join(e.parentPath, e.name);
        return { rel: path.relative(dir, abs).split(path.sep).join('/'), size: (await stat(abs)).size };
      }),
    ),
  );
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

export async function treeDigest(dir: string): Promise<TreeDigest> {
  const files = await listTree(dir);
  // Hashed a few at a time (the wait per small file is the file system's, not the CPU's), summed in order.
  const run = limiter(HASH_JOBS);
  const sums = await Promise.all(files.map((f) => run(() => fileSha256(path.join(dir, f.rel)))));
  const hash = createHash('sha256');
  let bytes = 0;
  files.forEach((f, i) => {
    hash.update(`${sums[i]}  ${f.size}  ${f.rel}\n`);
    bytes += f.size;
  });
  return { files: files.length, bytes, digest: `sha256:${hash.digest('hex')}` };
}

/** The cheap check a rerun makes before trusting an unpacked source: same file count and bytes. */
export async function treeShapeMatches(dir: string, locked: TreeDigest): Promise<boolean> {
  try {
    const files = await listTree(dir);
    return files.length === locked.files && files.reduce((a, f) => a + f.size, 0) === locked.bytes;
  } catch {
    return false;
  }
}

/** Per source, the unpacked digest the lock records (what `build` copies into medbank.json); undefined without a lock. */
export async function rawDigests(raw: string): Promise<Record<string, TreeDigest> | undefined> {
  const lock = await readLock(raw);
  return lock && Object.fromEntries(Object.entries(lock.sources).map(([id, s]) => [id, s.unpacked]));
}
