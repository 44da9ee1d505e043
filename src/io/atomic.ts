/** Atomic file output: write a sibling temp file, then rename over the target. */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile, readdir } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import path from 'node:path';

const TEMP_MARK = '.partial-';

function tempPath(file: string): string {
  return path.join(path.dirname(file), `${TEMP_MARK}${process.pid}-${Math.random().toString(36).slice(2)}-${path.basename(file)}`);
}

export async function writeAtomic(file: string, data: Uint8Array | string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = tempPath(file);
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Streams `chunks` into `file` atomically: large outputs (the manifest) are never held in memory whole. */
export async function writeAtomicStream(file: string, chunks: AsyncIterable<string>): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = tempPath(file);
  try {
    await pipeline(Readable.from(chunks), createWriteStream(tmp));
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
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
