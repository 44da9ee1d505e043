/** Shared test helpers: temp folders, the CLI, fixture builds, the Python reference and the shared samples. */
import { mkdtemp, rm, readdir, readFile, stat } from 'node:fs/promises';
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestContext } from 'node:test';
import { build, type BuildOptions, type BuildResult } from '../src/pipeline/build.js';
import type { BuildRecord } from '../src/contract/build-record.js';
import type { SplitHint } from '../src/catalog/types.js';
import type { ConvertedRow } from '../src/contract/manifest.js';

/** The repository root (tests run from dist/test/). */
export const REPO = path.resolve(fileURLToPath(new URL('../../', import.meta.url)));
export const CLI = path.join(REPO, 'dist', 'src', 'cli', 'main.js');
export const SHARED_SAMPLES = path.resolve(REPO, '..', 'shared', 'samples');

export async function tempDir(t: TestContext, prefix = 'medbank-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      maxBuffer: 64 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/** Debian's python3 with Pillow and numpy, the independent reference reader; undefined if absent. */
export const PYTHON = (() => {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import PIL, numpy'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return undefined;
})();

/** Runs a Python snippet (argv after it) and returns stdout parsed as JSON. */
export function python(t: TestContext, code: string, args: string[] = []): unknown {
  if (!PYTHON) {
    t.skip('python3 with Pillow and numpy is not installed (apt-get install python3-pil python3-numpy)');
    return undefined;
  }
  const r = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Skips the test with a visible message when ../shared/samples is absent (a user's clone). */
export async function sharedSamples(t: TestContext): Promise<string | undefined> {
  if (await stat(SHARED_SAMPLES).catch(() => undefined)) return SHARED_SAMPLES;
  t.skip(`../shared/samples not found at ${SHARED_SAMPLES}: real-sample test skipped`);
  return undefined;
}

/** sha256 of every file below `dir`, by relative path (the tree's fingerprint). */
export async function treeHashes(dir: string, skip: (rel: string) => boolean = () => false): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function visit(d: string): Promise<void> {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p);
      if (skip(rel)) continue;
      if (e.isDirectory()) await visit(p);
      else
        out[rel] = createHash('sha256')
          .update(await readFile(p))
          .digest('hex');
    }
  }
  await visit(dir);
  return out;
}

/** `build()` of a whole, uninterrupted, unsharded tree, whose record is therefore always present. */
export async function buildWhole(options: BuildOptions): Promise<BuildResult & { record: BuildRecord }> {
  const result = await build(options);
  if (!result.record) throw new Error('the build finished without a record');
  return { ...result, record: result.record };
}

/** Debian's Chromium (installed by .ci/run) and the flags it needs on this closed, root-run machine. */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * A converted row (what a worker records) of an 8×8 sample; `image` names the picture, whose hash
 * decides which samples count as identical.
 */
export function convertedRow(
  task: string,
  name: string,
  opts: { source: string; group: string; image?: string; hint?: SplitHint },
): ConvertedRow {
  return {
    task,
    name,
    image: `${task}/images/${name}.png`,
    mask: `${task}/masks/${name}.png`,
    source: opts.source,
    raw: [`${opts.source}/${name}.png`],
    group: opts.group,
    slice: null,
    original: { width: 8, height: 8 },
    spacing: null,
    intensity: { kind: 'rgb8' },
    resize: { size: 8, mode: 'stretch', content: { width: 8, height: 8 } },
    foreground: 1,
    bbox: [0, 0, 0, 0],
    annotation: 'pixel',
    sha256: {
      image: createHash('sha256')
        .update(opts.image ?? `image of ${name}`)
        .digest('hex'),
      mask: createHash('sha256').update(`mask of ${name}`).digest('hex'),
    },
    meta: {},
    ...(opts.hint ? { splitHint: opts.hint } : {}),
  };
}

/** Deterministic noise: a photo's sensor grain, which no single row filter predicts. */
export function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 255;
  }
  return out;
}
