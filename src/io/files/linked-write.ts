/**
 * Writes that store identical files once: every output goes through a content-addressed store
 * (`<store>/<2 hex>/<sha256><ext>`), and each name in the tree is a hard link to its store entry.
 * Which names share an inode depends only on their bytes, never on which worker wrote first, so
 * shards and resumed runs give the same link structure as one build. Each name still appears
 * atomically (link to a temp name, then rename). Where the file system cannot link, every write
 * falls back to a copy and the first failure is kept for the caller to report once.
 */
import { link, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempPath, writeAtomic } from './atomic.js';

/** Errors that mean this file system (or mount, or policy) does not give hard links here. */
const NO_LINKS = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EACCES']);

/**
 * Set to an error code (e.g. EXDEV) to make every link fail with it: how tests reach the fallback,
 * which real file systems in a test machine rarely do. Read per call, so a worker sees the parent's.
 */
export const LINK_FAILURE_ENV = 'MEDBANK_SIMULATE_LINK_ERROR';

let unavailable: string | undefined;
let reported = false;

async function linkFile(existing: string, name: string): Promise<void> {
  const simulated = process.env[LINK_FAILURE_ENV];
  if (simulated)
    throw Object.assign(new Error(`${simulated}: simulated link failure, link '${existing}' -> '${name}'`), { code: simulated });
  await link(existing, name);
}

const codeOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException)?.code;

/** The store entry that holds the bytes with `hash`, keeping the extension of `file`. */
export function storeEntry(storeDir: string, hash: string, file: string): string {
  return path.join(storeDir, hash.slice(0, 2), `${hash}${path.extname(file)}`);
}

/**
 * Writes `data` (whose sha256 is `hash`) to `file`, as a hard link to the one copy in `storeDir`;
 * without a store (`--no-links`), or where links fail, as a file of its own.
 */
export async function writeLinked(file: string, data: Uint8Array, hash: string, storeDir: string | undefined): Promise<void> {
  if (storeDir === undefined || unavailable !== undefined) return writeAtomic(file, data);
  const entry = storeEntry(storeDir, hash, file);
  await mkdir(path.dirname(file), { recursive: true });
  try {
    if (await linkEntry(entry, file, data, true)) return;
    await addEntry(entry, data);
    // Just written (or written by another worker from the same bytes): nothing to compare.
    if (!(await linkEntry(entry, file, data, false))) throw new Error(`store entry ${entry} vanished while it was being linked`);
  } catch (e) {
    const code = codeOf(e);
    // Too many links to one inode (65,000 on ext4) is a limit of this file, not of the file system.
    if (code === 'EMLINK') return writeAtomic(file, data);
    if (code === undefined || !NO_LINKS.has(code)) throw e;
    unavailable ??= `cannot hard-link files in ${path.dirname(path.dirname(storeDir))} (${code}): identical files are written as copies`;
    await writeAtomic(file, data);
  }
}

/**
 * Links the store entry to `file` if it exists (false if not). With `verify`, an entry found from
 * an earlier write whose bytes changed (a user edited one of its names in place) is replaced
 * first: the new name gets the right bytes.
 */
async function linkEntry(entry: string, file: string, data: Uint8Array, verify: boolean): Promise<boolean> {
  const tmp = tempPath(file);
  try {
    await linkFile(entry, tmp);
  } catch (e) {
    if (codeOf(e) === 'ENOENT') return false;
    throw e;
  }
  try {
    if (verify && !Buffer.from(data.buffer, data.byteOffset, data.byteLength).equals(await readFile(tmp))) {
      await rm(tmp);
      await writeAtomic(entry, data);
      await linkFile(entry, tmp);
    }
    await rename(tmp, file);
  } finally {
    // rename() between two names of one inode succeeds and does nothing: the temp name stays.
    await rm(tmp, { force: true });
  }
  return true;
}

/** Creates the store entry; if another worker created it first, theirs is kept (same bytes). */
async function addEntry(entry: string, data: Uint8Array): Promise<void> {
  await mkdir(path.dirname(entry), { recursive: true });
  const tmp = tempPath(entry);
  try {
    await writeFile(tmp, data);
    await linkFile(tmp, entry);
  } catch (e) {
    if (codeOf(e) !== 'EEXIST') throw e;
  } finally {
    await rm(tmp, { force: true });
  }
}

/** A worker's reply, with this thread's link failure the first time after one happened (said once). */
export function withLinkNote<T extends object>(reply: T): T & { linksUnavailable?: string } {
  if (unavailable === undefined || reported) return reply;
  reported = true;
  return { ...reply, linksUnavailable: unavailable };
}

/**
 * Removes store entries no name in the tree links to any more (link count 1: only the store's),
 * after outputs were replaced or removed; returns how many.
 */
export async function pruneStore(storeDir: string): Promise<number> {
  let removed = 0;
  for (const bucket of await readdir(storeDir).catch(() => [] as string[])) {
    const dir = path.join(storeDir, bucket);
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const entry = path.join(dir, name);
      if ((await stat(entry).catch(() => undefined))?.nlink === 1) {
        await rm(entry, { force: true });
        removed++;
      }
    }
  }
  return removed;
}
