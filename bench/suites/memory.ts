/**
 * Memory bound of `medbank build` (2D): peak RSS with 1k and 10k samples. Small frames
 * (384x288 PNG to --size 256) keep the 10k run short: the question is whether memory grows with
 * the number of samples, not with their size.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { textTable } from '../../src/cli/format.js';
import { cachedCorpus } from '../cache.js';
import { SHAPES } from '../corpus.js';
import { checked, CLI, timed } from '../measure.js';
import type { Suite } from '../suite.js';

const SMALL = SHAPES.find((s) => s.source === 'CVC-ClinicDB')!;

const suite: Suite = {
  name: 'memory',
  async run(ctx) {
    const rows: { samples: number; seconds: number; peakRssMiB: number | null }[] = [];
    for (const samples of ctx.memorySamples) {
      ctx.log(`generating (or reusing) ${samples} small samples`);
      const corpus = await cachedCorpus(ctx.cache, `small-${samples}`, samples, () => SMALL, false);
      const out = path.join(ctx.work, `memory-${samples}`);
      await rm(out, { recursive: true, force: true });
      ctx.log(`building ${samples} samples`);
      const run = await checked(
        `build of ${samples}`,
        timed(process.execPath, [CLI, 'build', '--raw', corpus.raw, '--out', out, '--size', '256', '--quiet', '--keep-empty', '1']),
      );
      rows.push({ samples, seconds: run.seconds, peakRssMiB: run.peakRssMiB });
      await rm(out, { recursive: true, force: true });
    }
    const table = textTable(
      ['samples', 'wall s', 'peak RSS MiB'],
      rows.map((r) => [r.samples, r.seconds.toFixed(1), r.peakRssMiB === null ? '-' : r.peakRssMiB.toFixed(0)]),
    );
    return { figures: { rows }, table };
  },
};

export default suite;
