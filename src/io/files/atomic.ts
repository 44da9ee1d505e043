/**
 * Atomic file output: write a sibling temp file, then rename over the target. Durable writes also
 * survive a power loss: the data is fsynced before the rename and the folder after it, or a crash
 * could leave the new name pointing at an empty file.
 */
import { mkdir, open, rename, rm, readdir, type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';

const TEMP_MARK = '.partial-';

/** A temp name beside `file` that `removeStaleTemps` sweeps if a run stops before renaming it. */
export function tempPath(file: string): string {
  return path.join(path.dirname(file), `${TEMP_MARK}${process.pid}-${Math.random().toString(36).slice(2)}-${path.basename(file)}`);
}

export interface WriteOptions {
  /**
   * The file's hash is in a job record that a resume checks (output PNGs, and the job records
   * themselves, which a resume that cannot parse them redoes): a power loss then costs only its
   * reconversion, so it is not fsynced unless MEDBANK_FSYNC=all. Everything else is.
   */
  verified?: boolean;
}

/** MEDBANK_FSYNC=all makes verified outputs durable too (README, "Crash safety" has the cost). */
function durable(options?: WriteOptions): boolean {
  return !options?.verified || process.env.MEDBANK_FSYNC === 'all';
}

/** Makes a rename in `dir` survive a power loss. */
async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function writeAtomic(file: string, data: Uint8Array | string, options?: WriteOptions): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = tempPath(file);
  const sync = durable(options);
  try {
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(data);
      if (sync) await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  if (sync) await syncFolder(path.dirname(file));
}

/** A file written piece by piece that appears under its name only when committed. */
export interface AtomicFile {
  /** Open for reading and writing. */
  readonly handle: FileHandle;
  /**
   * Appends `text`; pieces are gathered into writes of up to 64 KiB. They are gathered as bytes, not
   * strings: strings waiting for the write outlive V8's young-generation collections, and a stream
   * of them (a 30,000-row manifest) made V8 grow the young generation from 1 to 16 MiB.
   */
  write(text: string): Promise<void>;
  /**
   * Fsyncs the data, renames the file into place (and fsyncs its folder) and closes it. With `keepOpen` the handle stays open, for reading
   * (its owner closes it): it reads these bytes even if another process later replaces the file.
   */
  commit(options?: { keepOpen: boolean }): Promise<void>;
  /** Removes the temp file; safe after a failed write or commit. */
  abort(): Promise<void>;
}

const WRITE_BYTES = 1 << 16;

export async function openAtomic(file: string): Promise<AtomicFile> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = tempPath(file);
  const handle = await open(tmp, 'w+');
  let isOpen = true;
  const pending = Buffer.allocUnsafe(WRITE_BYTES);
  let used = 0;
  const close = async () => {
    if (isOpen) {
      isOpen = false;
      await handle.close();
    }
  };
  const flush = async () => {
    for (let written = 0; written < used;) written += (await handle.write(pending, written, used - written)).bytesWritten;
    used = 0;
  };
  return {
    handle,
    async write(text) {
      const bytes = Buffer.byteLength(text);
      if (used + bytes > WRITE_BYTES) await flush();
      if (bytes > WRITE_BYTES)
        await handle.writeFile(text); // writes it all from the current position
      else used += pending.write(text, used);
    },
    async commit(options) {
      await flush();
      await handle.datasync();
      if (!options?.keepOpen) await close();
      await rename(tmp, file);
      await syncFolder(path.dirname(file));
    },
    async abort() {
      await close().catch(() => undefined);
      await rm(tmp, { force: true });
    },
  };
}

/** Streams `chunks` into `file` atomically: large outputs (the manifest) are never held in memory whole. */
export async function writeAtomicStream(file: string, chunks: AsyncIterable<string>): Promise<void> {
  const out = await openAtomic(file);
  try {
    for await (const chunk of chunks) await out.write(chunk);
    await out.commit();
  } catch (e) {
    await out.abort();
    throw e;
  }
}

/** Removes temp files an interrupted run left below `dir`. */
export async function removeStaleTemps(dir: string): Promise<number> {
  let removed = 0;
  async function visit(d: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await visit(p);
      else if (e.name.startsWith(TEMP_MARK)) {
        await rm(p, { force: true });
        removed++;
      }
    }
  }
  await visit(dir);
  return removed;
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
