/**
 * The viewer's HTTP routes. Read-only: GET and HEAD only. Every path segment is decoded and
 * checked before use (safeSegment) and files are addressed by task id and sample name, never by
 * a path from the request; anything that does not resolve to a listed file inside the tree is 404.
 *
 *   GET /api/tree                                       tasks with counts (TreeSummary)
 *   GET /api/stats                                      computeStats (TreeStats)
 *   GET /api/tasks/<task>/samples?split=&offset=&limit= one page of a split list (SamplePage)
 *   GET /api/tasks/<task>/samples/<name>?split=         one sample (SampleDetail)
 *   GET /api/tasks/<task>/files/<image|mask>/<name>     the PNG as stored
 *   GET /api/tasks/<task>/thumbs/<image|mask>/<name>?size=
 *   GET /, /assets/...                                  the front-end
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { computeStats, type TreeStats } from '../dataset/stats.js';
import { SPLIT_FILTERS, type SplitFilter } from './api-types.js';
import { safeSegment } from './safe-path.js';
import type { StaticFiles } from './static-files.js';
import { THUMBNAIL_SIZES, ThumbnailCache } from './thumbnails.js';
import type { FileKind, TreeService } from './tree-service.js';

const MAX_PAGE = 500;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const notFound = () => new HttpError(404, 'not found');

interface Reply {
  status?: number;
  type: string;
  body: Buffer | string;
  etag?: string;
  cache?: string;
}

function json(value: unknown): Reply {
  return { type: 'application/json; charset=utf-8', body: JSON.stringify(value), cache: 'no-cache' };
}

function queryInt(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new HttpError(400, `${name} must be an integer from ${min} to ${max}`);
  return n;
}

function splitFilter(query: URLSearchParams): SplitFilter {
  const raw = query.get('split') ?? 'all';
  if (!(SPLIT_FILTERS as readonly string[]).includes(raw)) throw new HttpError(400, `split must be one of ${SPLIT_FILTERS.join(', ')}`);
  return raw as SplitFilter;
}

function fileKind(segment: string | undefined): FileKind {
  if (segment === 'image' || segment === 'mask') return segment;
  throw notFound();
}

export class Routes {
  private readonly thumbnails = new ThumbnailCache();
  private stats?: { stamp: string; value: Promise<TreeStats> };

  constructor(
    private readonly tree: TreeService,
    private readonly app: StaticFiles,
  ) {}

  /** Answers one request; never throws. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let reply: Reply;
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'the viewer is read-only');
      reply = await this.route(req.url ?? '/');
    } catch (e) {
      const status = e instanceof HttpError ? e.status : 500;
      reply = { status, type: 'text/plain; charset=utf-8', body: e instanceof HttpError ? e.message : `error: ${(e as Error).message}` };
    }
    const headers: Record<string, string> = {
      'content-type': reply.type,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    };
    if (reply.cache) headers['cache-control'] = reply.cache;
    if (reply.etag) {
      headers.etag = reply.etag;
      if (req.headers['if-none-match'] === reply.etag) {
        res.writeHead(304, headers).end();
        return;
      }
    }
    const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
    headers['content-length'] = String(body.length);
    res.writeHead(reply.status ?? 200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private async route(url: string): Promise<Reply> {
    const q = url.indexOf('?');
    const rawPath = q === -1 ? url : url.slice(0, q);
    const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
    if (!rawPath.startsWith('/') || rawPath.startsWith('//')) throw notFound();
    const rawSegments = rawPath.slice(1).split('/');
    if (rawSegments.at(-1) === '') rawSegments.pop();
    const segments = rawSegments.map(safeSegment);
    if (segments.some((s) => s === undefined)) throw notFound();
    const [first, second, ...rest] = segments as string[];

    if (first !== 'api') {
      const file = await this.app.get(segments as string[]);
      if (!file) throw notFound();
      return { type: file.type, body: file.data, cache: file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache' };
    }
    if (second === 'tree' && !rest.length) return json(await this.tree.summary());
    if (second === 'stats' && !rest.length) return json(await this.treeStats());
    if (second !== 'tasks' || !rest.length) throw notFound();

    const [taskId, what, ...args] = rest;
    const task = this.tree.task(taskId);
    if (!task) throw notFound();
    if (what === 'samples' && args.length === 0) {
      const offset = queryInt(query, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
      return json(await this.tree.page(task, splitFilter(query), offset, queryInt(query, 'limit', 48, 1, MAX_PAGE)));
    }
    if (what === 'samples' && args.length === 1) {
      const detail = await this.tree.detail(task, args[0], splitFilter(query));
      if (!detail) throw notFound();
      return json(detail);
    }
    if ((what === 'files' || what === 'thumbs') && args.length === 2) {
      const kind = fileKind(args[0]);
      const file = await this.tree.sampleFile(task, args[1], kind);
      if (!file) throw notFound();
      if (what === 'thumbs') {
        const size = queryInt(query, 'size', 192, 1, 4096);
        if (!(THUMBNAIL_SIZES as readonly number[]).includes(size))
          throw new HttpError(400, `size must be one of ${THUMBNAIL_SIZES.join(', ')}`);
        const thumb = await this.thumbnails.get(file, kind, size);
        return { type: thumb.type, body: thumb.data, etag: thumb.etag, cache: 'no-cache' };
      }
      const s = await stat(file);
      return {
        type: path.extname(file).toLowerCase() === '.png' ? 'image/png' : 'application/octet-stream',
        body: await readFile(file),
        etag: `"${s.size.toString(36)}-${Math.round(s.mtimeMs).toString(36)}"`,
        cache: 'no-cache',
      };
    }
    throw notFound();
  }

  private async treeStats(): Promise<TreeStats> {
    const files = ['manifest.jsonl', 'medbank.json'].map((f) => path.join(this.tree.confinement.root, f));
    const stamp = (await Promise.all(files.map((f) => stat(f).catch(() => undefined)))).map((s) => s?.mtimeMs ?? '').join('|');
    if (this.stats?.stamp !== stamp) {
      const value = computeStats(this.tree.confinement.root);
      // A failed computation is not kept: the next request tries again.
      value.catch(() => {
        if (this.stats?.value === value) this.stats = undefined;
      });
      this.stats = { stamp, value };
    }
    return this.stats.value;
  }
}
