/** `startViewer`: the read-only HTTP server behind `medbank view`, bound to loopback by default. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../errors.js';
import { hostChecker } from './host-check.js';
import { Routes } from './routes.js';
import { StaticFiles } from './static-files.js';
import { TreeService } from './tree-service.js';

export interface ViewerOptions {
  root: string;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** The built front-end; defaults to dist/viewer/ of this package. */
  appDir?: string;
  /** Host names besides loopback and `host` that requests may name in `Host` (host-check.ts). */
  allowedHosts?: string[];
  /** Show the tree's absolute path to the page (GET /api/tree `root`); by default only its folder name. */
  showPath?: boolean;
}

export interface Viewer {
  url: string;
  root: string;
  server: Server;
  close(): Promise<void>;
}

export async function startViewer(options: ViewerOptions): Promise<Viewer> {
  const tree = await TreeService.open(options.root, options.showPath ?? false);
  const routes = new Routes(tree, await StaticFiles.open(options.appDir));
  const host = options.host ?? '127.0.0.1';
  let hostAllowed: (header: string | undefined) => boolean = () => false;
  const server = createServer((req, res) => {
    if (hostAllowed(req.headers.host)) void routes.handle(req, res);
    else
      res
        .writeHead(421, { 'content-type': 'text/plain; charset=utf-8' })
        .end(`the viewer answers only requests for ${host}, localhost or 127.0.0.1 on its port (see --allow-host)\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new UsageError(`port ${options.port} on ${host} is in use; choose another with --port (0 picks a free one)`)
          : e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND'
            ? new UsageError(`cannot listen on host ${host}: ${e.message}`)
            : e,
      ),
    );
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  hostAllowed = hostChecker(host, port, options.allowedHosts);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/`,
    root: tree.confinement.root,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
