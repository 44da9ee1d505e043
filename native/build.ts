/**
 * Compiles native/*.c into dist/native/medbank.node against the system's libdeflate (Debian:
 * libdeflate-dev). The addon is optional: without a C compiler or libdeflate's header this prints
 * why and what to install, and MedBank falls back to sharp's PNG encoder and TypeScript
 * resampling (same pixels, about 1.3x slower).
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Runs as dist/native/build.js, next to where the addon goes.
const here = path.dirname(fileURLToPath(import.meta.url));
const sources = path.resolve(here, '..', '..', 'native');
const out = path.join(here, 'medbank.node');
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
  ...['addon.c', 'png-encoder.c', 'png-decoder.c', 'pixel-facts.c', 'resample.c'].map((f) => path.join(sources, f)),
  '-ldeflate',
  '-o',
  out,
];
const result = spawnSync(compiler, args, { encoding: 'utf8' });
if (result.status !== 0) {
  const why = result.error ? `${compiler} not found` : (result.stderr.split('\n').find((l) => /error/.test(l)) ?? 'compiler failed').trim();
  console.warn(
    `medbank: the native addon was not built (${why}); MedBank will use sharp's PNG encoder and TypeScript resampling, about 1.3x slower.\n` +
      '  To build it: apt install gcc libdeflate-dev (or your system equivalent), then npm run build.',
  );
}
