/** A loopback HTTP server that plays the download hosts in the fetch tests (no test reaches the network). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PYTHON } from './helpers.js';

export interface SeenRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}

export interface Loopback {
  url: string;
  seen: SeenRequest[];
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, seen: SeenRequest[]) => void;

export async function loopback(t: TestContext, handler: Handler): Promise<Loopback> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    handler(req, res, seen);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

export interface ServeOptions {
  /** Honour `Range` with 206 (default true). */
  range?: boolean;
  /** Cut the connection after this many body bytes, on the first `dropTimes` requests. */
  dropAfter?: number;
  dropTimes?: number;
  /** Sent as ETag; a Range request whose If-Range differs gets the whole file (RFC 9110). */
  etag?: string;
  /** Send the body in pieces with a pause between them (bytes per piece, ms). */
  throttle?: { bytes: number; ms: number };
}

/** Serves `data` like a static file host: Content-Length, optional Range, optional dropped connections. */
export function sendFile(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  data: Buffer,
  options: ServeOptions,
  served: { count: number },
): void {
  served.count++;
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const ifRange = req.headers['if-range'];
  const start = options.range !== false && m && (ifRange === undefined || ifRange === options.etag) ? Number(m[1]) : 0;
  if (start >= data.length && start > 0) {
    res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
    return;
  }
  const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/octet-stream', 'content-length': data.length - start };
  if (options.etag) headers.etag = options.etag;
  if (start > 0) headers['content-range'] = `bytes ${start}-${data.length - 1}/${data.length}`;
  res.writeHead(start > 0 ? 206 : 200, headers);
  const body = data.subarray(start);
  if (options.dropAfter !== undefined && served.count <= (options.dropTimes ?? 1)) {
    res.write(body.subarray(0, options.dropAfter), () => setTimeout(() => res.socket?.destroy(), 200));
    return;
  }
  if (!options.throttle) {
    res.end(body);
    return;
  }
  const { bytes, ms } = options.throttle;
  let at = 0;
  const next = (): void => {
    if (res.destroyed) return;
    const piece = body.subarray(at, at + bytes);
    at += piece.length;
    if (at >= body.length) res.end(piece);
    else res.write(piece, () => setTimeout(next, ms));
  };
  next();
}

/** Runs Python (tests only) to write an archive; skips the test without python3. */
export function pythonArchive(t: TestContext, code: string, args: string[]): boolean {
  if (!PYTHON) {
    t.skip('python3 is not installed: archive test skipped');
    return false;
  }
  const r = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return true;
}

/** Serves `<dir>/<SourceId>/<archive>` like an institution's mirror. */
export async function mirrorOf(t: TestContext, dir: string): Promise<Loopback> {
  return loopback(t, (req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    readFile(path.join(dir, path.normalize(rel)))
      .then((data) => sendFile(req, res, data, {}, { count: 0 }))
      .catch(() => res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'));
  });
}
