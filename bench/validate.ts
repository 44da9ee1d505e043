/**
 * Benchmark of `medbank validate` (default checks): generates a tree of a few thousand small
 * samples (textured RGB images, elliptic 0/255 masks, real build record and manifest written by
 * the pipeline's record step) and reports samples per second over several runs.
 *
 *   npm run bench:validate -- [--samples 4000] [--size 64] [--workers 2] [--runs 3]
 */
import { mkdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeValidateTree } from './validate-tree.js';
import { validateTree } from '../src/dataset/validate.js';

const { values: args } = parseArgs({
  options: {
    samples: { type: 'string', default: '4000' },
    size: { type: 'string', default: '64' },
    workers: { type: 'string' },
    runs: { type: 'string', default: '3' },
    out: { type: 'string', default: 'bench/out/validate' },
  },
});
const samples = Number(args.samples);
const size = Number(args.size);
const out = path.resolve(args.out!, `${samples}x${size}`);

if (!(await stat(path.join(out, 'medbank.json')).catch(() => undefined))) {
  await mkdir(out, { recursive: true });
  const t0 = Date.now();
  await writeValidateTree(out, samples, size);
  console.log(`generated ${samples} samples of ${size}x${size} in ${out} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}
const workers = args.workers ? Number(args.workers) : undefined;
const rates: number[] = [];
for (let run = 1; run <= Number(args.runs); run++) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const report = await validateTree(out, { workers });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  rates.push(report.samples / seconds);
  // CPU time of all threads: on a shared machine the wall-clock rate depends on other load, this does not.
  console.log(
    `run ${run}: ${report.samples} samples in ${seconds.toFixed(2)} s = ${Math.round(report.samples / seconds)} samples/s; ` +
      `CPU ${cpuSeconds.toFixed(2)} s = ${((cpuSeconds / report.samples) * 1000).toFixed(3)} ms/sample; ${report.findings.length} finding(s)`,
  );
}
rates.sort((a, b) => a - b);
console.log(`load average while running: ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} cores`);
console.log(
  `validate (default checks), ${size}x${size} RGB + mask, median of ${rates.length}: ${Math.round(rates[Math.floor(rates.length / 2)])} samples/s`,
);
