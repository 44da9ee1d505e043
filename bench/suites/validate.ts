/**
 * `medbank validate` near the decode limit: a tree of 1024² photo-like RGB images and their masks.
 * The limit is one full decode of an image and its mask on one core with the fastest decoder here
 * (the addon: libdeflate inflate and native unfiltering; node:zlib's inflate alone is shown
 * beside it), read from memory; on 2 workers it allows twice that rate. Validate (default checks,
 * 2 workers) is reported in samples/s, wall and per CPU: target within 1.5x of the limit.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { textTable } from '../../src/cli/format.js';
import { decodePng } from '../../src/io/image/png-decode.js';
import { nativeAddon } from '../../src/io/native-addon.js';
import { validateTree } from '../../src/dataset/validate.js';
import { photo } from '../corpus.js';
import { writeValidateTree } from '../validate-tree.js';
import type { Suite } from '../suite.js';

const SIZE = 1024;
const SAMPLES = 120;
const WORKERS = 2;
const RUNS = 5;

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** The zlib stream of a PNG (our writers put it in one IDAT chunk after the IHDR). */
function idat(png: Buffer): Buffer {
  const length = png.readUInt32BE(33);
  return png.subarray(41, 41 + length);
}

const suite: Suite = {
  name: 'validate',
  async run(ctx) {
    if (!nativeAddon()) return { skipped: 'the native addon is not built: the decode limit needs its decoder' };
    const tree = path.join(ctx.cache, `validate-${SAMPLES}x${SIZE}`);
    if (!(await stat(path.join(tree, 'medbank.json')).catch(() => undefined))) {
      ctx.log(`writing a tree of ${SAMPLES} samples of ${SIZE}x${SIZE}`);
      await writeValidateTree(tree, SAMPLES, SIZE, (size, i) => photo(size, size, i + 1));
    }
    const task = 'BreastTumor_UT_0';
    const names = (await readFile(path.join(tree, task, 'train.txt'), 'utf8')).split('\n').filter(Boolean).slice(0, 24);
    const files = await Promise.all(
      names.map(async (n) => ({
        image: await readFile(path.join(tree, task, 'images', n)),
        mask: await readFile(path.join(tree, task, 'masks', n)),
      })),
    );
    // The limit and validate take turns, so a drift in the machine's speed (10-20% over an hour
    // here) reaches both alike; the best of each counts. The limit decodes the files from memory.
    const limit = { native: Infinity, zlib: Infinity };
    const runs: { seconds: number; cpuMsPerSample: number; rate: number; findings: number }[] = [];
    for (let run = 0; run < RUNS; run++) {
      let t = cpuMs();
      for (const f of files) {
        decodePng(f.image);
        decodePng(f.mask);
      }
      limit.native = Math.min(limit.native, (cpuMs() - t) / files.length);
      t = cpuMs();
      for (const f of files) {
        inflateSync(idat(f.image));
        inflateSync(idat(f.mask));
      }
      limit.zlib = Math.min(limit.zlib, (cpuMs() - t) / files.length);

      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const report = await validateTree(tree, { workers: WORKERS });
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      runs.push({
        seconds,
        cpuMsPerSample: (cpu.user + cpu.system) / 1000 / report.samples,
        rate: report.samples / seconds,
        findings: report.findings.length,
      });
    }
    const limitRate = (WORKERS * 1000) / limit.native;
    runs.sort((a, b) => b.rate - a.rate);
    const best = runs[0];
    const rows = [
      ['decode limit, addon (libdeflate + native unfilter), 1 core', limit.native.toFixed(1), (1000 / limit.native).toFixed(0), '-'],
      ['node:zlib inflate alone (no unfilter), 1 core', limit.zlib.toFixed(1), (1000 / limit.zlib).toFixed(0), '-'],
      [`decode limit on ${WORKERS} workers`, '-', limitRate.toFixed(0), '1.00x'],
      [
        `medbank validate, ${WORKERS} workers (best of ${RUNS} runs, wall)`,
        best.cpuMsPerSample.toFixed(1),
        best.rate.toFixed(0),
        `${(limitRate / best.rate).toFixed(2)}x`,
      ],
      [
        'medbank validate per CPU (CPU ms per sample against the limit)',
        best.cpuMsPerSample.toFixed(1),
        ((WORKERS * 1000) / best.cpuMsPerSample).toFixed(0),
        `${(best.cpuMsPerSample / limit.native).toFixed(2)}x`,
      ],
    ];
    const table = textTable(['what', 'CPU ms / sample', 'samples/s', 'vs limit'], rows);
    return {
      figures: { size: SIZE, samples: SAMPLES, workers: WORKERS, limitMs: limit, limitRate, runs },
      table: `${table}\n- ${SAMPLES} samples of ${SIZE}x${SIZE} photo-like RGB + 0/255 mask; findings per run: ${runs.map((r) => r.findings).join(', ')}`,
    };
  },
};

export default suite;
