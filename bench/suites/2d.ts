/**
 * 2D throughput on two corpora of the same sizes: photo-like pictures, and the same with Gaussian
 * noise of sigma 6 grey levels (ultrasound speckle, CT noise). On each: the README's preprocess
 * script (one process), the same work on multiprocessing.Pool(2), `medbank preprocess` on the same
 * MedBank-layout tree, and `medbank build` on the equivalent raw tree. Pairs/s, ratios, output
 * bytes, CPU seconds, peak RSS, and whether medbank's masks mean the same as the script's
 * (foreground where > 127, pixel for pixel).
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { textTable } from '../../src/cli/format.js';
import { cachedCorpus } from '../cache.js';
import type { Corpus } from '../corpus.js';
import { checked, CLI, outputBytes, PYTHON, timed, type Run } from '../measure.js';
import { ensurePython, writeScripts } from '../python.js';
import type { BenchContext, Suite } from '../suite.js';

interface Row {
  corpus: string;
  pipeline: string;
  seconds: number;
  cpuSeconds: number | null;
  pairsPerSecond: number;
  speedVsScript: number;
  outputBytes: number;
  bytesVsScript: number;
  peakRssMiB: number | null;
}

/** The noise added to the second corpus (grey levels, standard deviation). */
const NOISE_SIGMA = 6;

async function maskDisagreement(scriptTree: string, otherTree: string): Promise<{ masks: number; pixels: number }> {
  let masks = 0;
  let pixels = 0;
  for (const task of await readdir(scriptTree)) {
    for (const f of await readdir(path.join(scriptTree, task, 'masks')).catch(() => [] as string[])) {
      const [a, b] = await Promise.all(
        [path.join(scriptTree, task, 'masks', f), path.join(otherTree, task, 'masks', f)].map((p) =>
          sharp(p).extractChannel(0).raw().toBuffer(),
        ),
      );
      masks++;
      for (let i = 0; i < a.length; i++) if (a[i] > 127 !== b[i] > 127) pixels++;
    }
  }
  return { masks, pixels };
}

/** Every pipeline on one corpus, each run `ctx.repeat` times (best wall time counts). */
async function measureCorpus(
  ctx: BenchContext,
  name: string,
  corpus: Corpus,
  scripts: Awaited<ReturnType<typeof writeScripts>>,
): Promise<{ rows: Row[]; masks: { masks: number; pixels: number } }> {
  const out = (dir: string) => path.join(ctx.work, `${name}-${dir}`);
  const runs: [string, string, () => Promise<Run>][] = [
    ['README script (1 process)', 'script', () => timed(PYTHON, [scripts.readme, corpus.tree, out('script')], scripts.env)],
    ['README script, Pool(2)', 'pool2', () => timed(PYTHON, [scripts.pool, corpus.tree, out('pool2')])],
    ['medbank preprocess', 'preprocess', () => timed(process.execPath, [CLI, 'preprocess', corpus.tree, out('preprocess'), '--quiet'])],
    [
      'medbank build (2D)',
      'build',
      () => timed(process.execPath, [CLI, 'build', '--raw', corpus.raw, '--out', out('build'), '--quiet', '--keep-empty', '1']),
    ],
  ];
  const measured: { label: string; run: Run; bytes: number }[] = [];
  for (const [label, dir, start] of runs) {
    let best: Run | undefined;
    for (let r = 0; r < ctx.repeat; r++) {
      await rm(out(dir), { recursive: true, force: true });
      ctx.log(`${name}: running ${label}${ctx.repeat > 1 ? ` (${r + 1}/${ctx.repeat})` : ''}`);
      const run = await checked(label, start());
      if (!best || run.seconds < best.seconds) best = run;
    }
    const bytes = await outputBytes(out(dir));
    if (bytes.files !== 2 * corpus.pairs) throw new Error(`${label} wrote ${bytes.files} files, expected ${2 * corpus.pairs}`);
    measured.push({ label, run: best!, bytes: bytes.images + bytes.masks });
  }
  const script = measured[0];
  const rows = measured.map((m) => ({
    corpus: name,
    pipeline: m.label,
    seconds: m.run.seconds,
    cpuSeconds: m.run.cpuSeconds,
    pairsPerSecond: corpus.pairs / m.run.seconds,
    speedVsScript: script.run.seconds / m.run.seconds,
    outputBytes: m.bytes,
    bytesVsScript: m.bytes / script.bytes,
    peakRssMiB: m.run.peakRssMiB,
  }));
  const masks = await maskDisagreement(out('script'), out('preprocess'));
  for (const dir of ['script', 'pool2', 'preprocess', 'build']) await rm(out(dir), { recursive: true, force: true });
  return { rows, masks };
}

const suite: Suite = {
  name: '2d',
  async run(ctx) {
    const missing = ensurePython({ PIL: 'python3-pil', numpy: 'python3-numpy' });
    if (missing) return { skipped: `README script not run: ${missing}` };
    ctx.log(`generating (or reusing) two corpora of ${ctx.pairs} pairs: photo-like, and with noise sigma ${NOISE_SIGMA}`);
    const corpora: [string, Corpus][] = [
      ['photo-like', await cachedCorpus(ctx.cache, `corpus-${ctx.pairs}`, ctx.pairs)],
      [
        `noisy (sigma ${NOISE_SIGMA})`,
        await cachedCorpus(ctx.cache, `corpus-noisy${NOISE_SIGMA}-${ctx.pairs}`, ctx.pairs, undefined, true, NOISE_SIGMA),
      ],
    ];
    const scripts = await writeScripts(path.join(ctx.work, 'scripts'));
    if (scripts.tqdmShim) ctx.log(`tqdm is not installed: the script imports a pass-through tqdm from ${scripts.env.PYTHONPATH}`);
    const rows: Row[] = [];
    const notes: string[] = [];
    for (const [name, corpus] of corpora) {
      const measured = await measureCorpus(ctx, name.split(' ')[0], corpus, scripts);
      rows.push(...measured.rows.map((r) => ({ ...r, corpus: name })));
      notes.push(
        `${name}: ${corpus.pairs} pairs (${corpus.inputs.png.files} PNG and ${corpus.inputs.jpg.files} JPEG inputs in the raw tree); masks of medbank preprocess vs the script: ${measured.masks.pixels} differing pixels in ${measured.masks.masks} masks (foreground = value > 127)`,
      );
    }
    const table = textTable(
      ['corpus', 'pipeline', 'wall s', 'CPU s', 'pairs/s', 'speed vs script', 'output MB', 'bytes vs script', 'peak RSS MiB'],
      rows.map((r) => [
        r.corpus,
        r.pipeline,
        r.seconds.toFixed(1),
        r.cpuSeconds === null ? '-' : r.cpuSeconds.toFixed(1),
        r.pairsPerSecond.toFixed(2),
        `${r.speedVsScript.toFixed(2)}x`,
        (r.outputBytes / 1e6).toFixed(1),
        r.bytesVsScript.toFixed(3),
        r.peakRssMiB === null ? '-' : r.peakRssMiB.toFixed(0),
      ]),
    );
    notes.push(
      'output 1024x1024; wall s is the best of --repeat runs (default 1); CPU s is user + system of that run',
      'peak RSS: the largest single process (the Pool(2) parent and its workers are separate processes; medbank uses threads in one)',
      ...(scripts.tqdmShim ? ['tqdm missing: the README script ran with a pass-through tqdm module'] : []),
    );
    return {
      figures: { pairs: ctx.pairs, repeat: ctx.repeat, rows, tqdmShim: scripts.tqdmShim },
      table: `${table}\n${notes.map((n) => `- ${n}`).join('\n')}`,
    };
  },
};

export default suite;
