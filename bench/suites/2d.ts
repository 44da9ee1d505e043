/**
 * 2D throughput on one corpus: the README's preprocess script (one process), the same work on
 * multiprocessing.Pool(2), `medbank preprocess` on the same MedBank-layout tree, and
 * `medbank build` on the equivalent raw tree. Pairs/s, ratios, output bytes, peak RSS, and
 * whether medbank's masks mean the same as the script's (foreground where > 127, pixel for pixel).
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { textTable } from '../../src/cli/format.js';
import { cachedCorpus } from '../cache.js';
import { checked, CLI, outputBytes, PYTHON, timed, type Run } from '../measure.js';
import { ensurePython, writeScripts } from '../python.js';
import type { Suite } from '../suite.js';

interface Row {
  pipeline: string;
  seconds: number;
  pairsPerSecond: number;
  speedVsScript: number;
  outputBytes: number;
  bytesVsScript: number;
  peakRssMiB: number | null;
}

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

const suite: Suite = {
  name: '2d',
  async run(ctx) {
    const missing = ensurePython({ PIL: 'python3-pil', numpy: 'python3-numpy' });
    if (missing) return { skipped: `README script not run: ${missing}` };
    ctx.log(`generating (or reusing) a corpus of ${ctx.pairs} pairs`);
    const corpus = await cachedCorpus(ctx.cache, `corpus-${ctx.pairs}`, ctx.pairs);
    const scripts = await writeScripts(path.join(ctx.work, 'scripts'));
    if (scripts.tqdmShim) ctx.log(`tqdm is not installed: the script imports a pass-through tqdm from ${scripts.env.PYTHONPATH}`);
    const out = (name: string) => path.join(ctx.work, name);
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
    const measured: { label: string; dir: string; run: Run; bytes: number }[] = [];
    for (const [label, dir, start] of runs) {
      await rm(out(dir), { recursive: true, force: true });
      ctx.log(`running ${label}`);
      const run = await checked(label, start());
      const bytes = await outputBytes(out(dir));
      if (bytes.files !== 2 * corpus.pairs) throw new Error(`${label} wrote ${bytes.files} files, expected ${2 * corpus.pairs}`);
      measured.push({ label, dir, run, bytes: bytes.images + bytes.masks });
    }
    const script = measured[0];
    const rows: Row[] = measured.map((m) => ({
      pipeline: m.label,
      seconds: m.run.seconds,
      pairsPerSecond: corpus.pairs / m.run.seconds,
      speedVsScript: script.run.seconds / m.run.seconds,
      outputBytes: m.bytes,
      bytesVsScript: m.bytes / script.bytes,
      peakRssMiB: m.run.peakRssMiB,
    }));
    const masks = await maskDisagreement(out('script'), out('preprocess'));
    const table = textTable(
      ['pipeline', 'wall s', 'pairs/s', 'speed vs script', 'output MB', 'bytes vs script', 'peak RSS MiB'],
      rows.map((r) => [
        r.pipeline,
        r.seconds.toFixed(1),
        r.pairsPerSecond.toFixed(2),
        `${r.speedVsScript.toFixed(2)}x`,
        (r.outputBytes / 1e6).toFixed(1),
        r.bytesVsScript.toFixed(3),
        r.peakRssMiB === null ? '-' : r.peakRssMiB.toFixed(0),
      ]),
    );
    const notes = [
      `${corpus.pairs} pairs (${corpus.inputs.png.files} PNG and ${corpus.inputs.jpg.files} JPEG inputs in the raw tree), output 1024x1024`,
      `masks of medbank preprocess vs the script: ${masks.pixels} differing pixels in ${masks.masks} masks (foreground = value > 127)`,
      'peak RSS: the largest single process (the Pool(2) parent and its workers are separate processes; medbank uses threads in one)',
      ...(scripts.tqdmShim ? ['tqdm missing: the README script ran with a pass-through tqdm module'] : []),
    ];
    return {
      figures: { pairs: corpus.pairs, inputs: corpus.inputs, rows, maskDisagreement: masks, tqdmShim: scripts.tqdmShim },
      table: `${table}\n${notes.map((n) => `- ${n}`).join('\n')}`,
    };
  },
};

export default suite;
