/**
 * Files of an export: tree files placed as hard links where the bytes are unchanged (copies with
 * `--copy`, or where the file system refuses links, said once), derived files written atomically.
 * A file already present is kept, which makes a rerun resume: every file appears whole or not at
 * all, and the export record pins the options and the source tree, so its content cannot differ.
 */
import { copyFile, link, lstat, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeAtomic, openAtomic } from '../io/files/atomic.js';
import { UsageError } from '../errors.js';

export type PlaceMode = 'link' | 'copy';

export interface FileCounts {
  linked: number;
  copied: number;
  written: number;
  /** Present from an earlier run. */
  kept: number;
}

/** Errors with which a file system refuses a hard link (another device, no support, too many links). */
const NO_LINK = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'ENOSYS']);

export class ExportOutput {
  readonly counts: FileCounts = { linked: 0, copied: 0, written: 0, kept: 0 };
  private linksRefused = false;

  constructor(
    readonly root: string,
    private mode: PlaceMode,
    private note: (text: string) => void,
  ) {}

  /** Absolute path of `rel`, which must stay inside the export. */
  resolve(rel: string): string {
    const file = path.resolve(this.root, rel);
    if (!file.startsWith(this.root + path.sep)) throw new UsageError(`export path ${rel} leaves ${this.root}`);
    return file;
  }

  async has(rel: string): Promise<boolean> {
    return Boolean((await lstat(this.resolve(rel)).catch(() => undefined))?.isFile());
  }

  /** Places the tree file `source` at `rel` unchanged: a hard link, or a copy. */
  async place(source: string, rel: string): Promise<void> {
    const target = this.resolve(rel);
    if (await this.has(rel)) {
      this.counts.kept++;
      return;
    }
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = path.join(path.dirname(target), `.partial-${process.pid}-${path.basename(target)}`);
    await rm(tmp, { force: true });
    try {
      if (this.mode === 'link' && !this.linksRefused) {
        try {
          await link(source, tmp);
          await rename(tmp, target);
          this.counts.linked++;
          return;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code ?? '';
          if (!NO_LINK.has(code)) throw e;
          this.linksRefused = true;
          this.note(`hard links from the tree into ${this.root} are refused (${code}): copying files instead`);
        }
      }
      await copyFile(source, tmp);
      await rename(tmp, target);
      this.counts.copied++;
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  /** Writes derived bytes at `rel` (made by `make` only when the file is not there yet). */
  async write(rel: string, make: () => Promise<Uint8Array | string> | Uint8Array | string): Promise<void> {
    if (await this.has(rel)) {
      this.counts.kept++;
      return;
    }
    await writeAtomic(this.resolve(rel), await make());
    this.counts.written++;
  }

  /** Rewrites `rel` (lists, records: always current, never kept from an earlier run). */
  async replace(rel: string, data: Uint8Array | string): Promise<void> {
    await writeAtomic(this.resolve(rel), data);
  }

  /** Streams bytes into `rel` atomically (shards); `fill` gets the write function. */
  async stream(rel: string, fill: (write: (bytes: Uint8Array) => Promise<void>) => Promise<void>): Promise<void> {
    if (await this.has(rel)) {
      this.counts.kept++;
      return;
    }
    const out = await openAtomic(this.resolve(rel));
    try {
      await fill(async (bytes) => {
        for (let done = 0; done < bytes.length;) done += (await out.handle.write(bytes, done, bytes.length - done)).bytesWritten;
      });
      await out.commit();
      this.counts.written++;
    } catch (e) {
      await out.abort();
      throw e;
    }
  }
}
