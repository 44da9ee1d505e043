/** The prebuilt front-end (vite output in dist/viewer/), served read-only from its folder. */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import { confineTo, type Confinement } from './safe-path.js';

/** dist/viewer/, next to dist/src/ where this module runs from. */
export const APP_DIR = fileURLToPath(new URL('../../viewer/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
};

export interface StaticFile {
  data: Buffer;
  type: string;
  /** Vite's assets/ carry a content hash in their names and never change. */
  immutable: boolean;
}

export class StaticFiles {
  private constructor(private readonly confinement: Confinement) {}

  static async open(dir = APP_DIR): Promise<StaticFiles> {
    if (!(await stat(path.join(dir, 'index.html')).catch(() => undefined)))
      throw new UsageError(`the viewer app is not built (no ${path.join(dir, 'index.html')}); run npm run build`);
    return new StaticFiles(await confineTo(dir));
  }

  /** `segments` are already decoded and checked by safeSegment. */
  async get(segments: string[]): Promise<StaticFile | undefined> {
    const relative = segments.length ? segments.join('/') : 'index.html';
    const type = CONTENT_TYPES[path.extname(relative)];
    const file = type && (await this.confinement.file(relative));
    if (!file) return undefined;
    return { data: await readFile(file), type, immutable: segments[0] === 'assets' };
  }
}
