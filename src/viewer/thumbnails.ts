/**
 * Thumbnails made on demand with sharp and kept in a memory cache bounded in bytes (least recently
 * used out first), so a grid page costs one decode per visible sample and paging back is free.
 * Images become JPEG (small, smooth); masks stay PNG resized with nearest neighbour so 0/255 and
 * class values survive. The key includes the file's size and mtime: a rebuilt file gets a new one.
 */
import { stat } from 'node:fs/promises';
import sharp from '../io/image/sharp.js';
import type { FileKind } from './tree-service.js';

export interface Thumbnail {
  data: Buffer;
  type: string;
  etag: string;
}

export const THUMBNAIL_SIZES = [64, 96, 128, 192, 256, 384] as const;

export class ThumbnailCache {
  private readonly entries = new Map<string, Thumbnail>();
  private readonly pending = new Map<string, Promise<Thumbnail>>();
  private bytes = 0;

  constructor(private readonly budgetBytes = 64 << 20) {}

  async get(file: string, kind: FileKind, size: number): Promise<Thumbnail> {
    const s = await stat(file);
    const etag = `"${kind}-${size}-${s.size.toString(36)}-${Math.round(s.mtimeMs).toString(36)}"`;
    const key = `${file}\0${etag}`;
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    let job = this.pending.get(key);
    if (!job) {
      job = render(file, kind, size, etag).finally(() => this.pending.delete(key));
      this.pending.set(key, job);
      void job.then((t) => this.remember(key, t)).catch(() => undefined);
    }
    return job;
  }

  private remember(key: string, thumbnail: Thumbnail): void {
    if (this.entries.has(key)) return;
    this.entries.set(key, thumbnail);
    this.bytes += thumbnail.data.length;
    for (const [oldest, t] of this.entries) {
      if (this.bytes <= this.budgetBytes) break;
      this.entries.delete(oldest);
      this.bytes -= t.data.length;
    }
  }
}

async function render(file: string, kind: FileKind, size: number, etag: string): Promise<Thumbnail> {
  const fit = { width: size, height: size, fit: 'inside' as const, withoutEnlargement: true };
  if (kind === 'mask') {
    const data = await sharp(file)
      .toColourspace('b-w')
      .extractChannel(0)
      .resize({ ...fit, kernel: 'nearest' })
      .png({ compressionLevel: 6 })
      .toBuffer();
    return { data, type: 'image/png', etag };
  }
  const data = await sharp(file).resize(fit).flatten().jpeg({ quality: 85 }).toBuffer();
  return { data, type: 'image/jpeg', etag };
}
