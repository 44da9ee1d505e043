/**
 * Compiles native/png-encoder.c into dist/native/png-encoder.node against the system's libdeflate
 * (Debian: libdeflate-dev). The addon is optional: without a C compiler or libdeflate's header,
 * this prints why and what to install, and MedBank writes PNGs with sharp's encoder instead.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Runs as dist/native/build.js, next to where the addon goes.
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const out = path.join(here, 'png-encoder.node');
const { include_dir: nodeApiHeaders } = createRequire(import.meta.url)('node-api-headers') as { include_dir: string };
const compiler = process.env.CC || 'cc';

const args = [
  '-O3',
  '-fPIC',
  '-shared',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-DNAPI_VERSION=8',
  `-I${nodeApiHeaders}`,
  path.join(root, 'native', 'png-encoder.c'),
  '-ldeflate',
  '-o',
  out,
];
const result = spawnSync(compiler, args, { encoding: 'utf8' });
if (result.status !== 0) {
  const why = result.error ? `${compiler} not found` : (result.stderr.split('\n').find((l) => /error/.test(l)) ?? 'compiler failed').trim();
  console.warn(
    `medbank: the libdeflate PNG writer was not built (${why}); PNGs will be written by sharp, about 1.5x slower.\n` +
      '  To build it: apt install gcc libdeflate-dev (or your system equivalent), then npm run build.',
  );
}
