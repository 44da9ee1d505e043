/**
 * Benchmark of `medbank validate` (default checks): generates a tree of a few thousand small
 * samples (textured RGB images, elliptic 0/255 masks, real build record and manifest written by
 * the pipeline's record step) and reports samples per second over several runs.
 *
 *   npm run bench:validate -- [--samples 4000] [--size 64] [--workers 2] [--runs 3]
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { catalog } from '../src/catalog/registry.js';
import type { ConvertedRow } from '../src/contract/manifest.js';
import { sha256, writeAtomic } from '../src/io/atomic.js';
import { IMAGE_PNG, MASK_PNG, encodePng } from '../src/io/png-write.js';
import { ellipse, rng, texture } from '../src/fixtures/draw.js';
import { DEFAULT_RATIOS } from '../src/pipeline/splits.js';
import { writeRecords } from '../src/pipeline/record.js';
import { validateTree } from '../src/dataset/validate.js';

const TASKS = [
  { source: 'BUSI', task: 'BreastTumor_UT_0' },
  { source: 'Kvasir-SEG', task: 'Polyp_EN_6' },
  { source: 'CVC-ClinicDB', task: 'Polyp_EN_7' },
  { source: 'CVC-ColonDB', task: 'Polyp_EN_8' },
];

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

async function generate(): Promise<void> {
  await rm(out, { recursive: true, force: true });
  const sources = (await catalog()).filter((s) => TASKS.some((t) => t.source === s.id));
  const rows: ConvertedRow[] = [];
  for (let i = 0; i < samples; i++) {
    const { source, task } = TASKS[i % TASKS.length];
    const rand = rng(i + 1);
    const name = `bench_${String(i).padStart(6, '0')}`;
    const mask = ellipse(
      size,
      size,
      size * (0.3 + 0.4 * rand()),
      size * (0.3 + 0.4 * rand()),
      size * (0.1 + 0.2 * rand()),
      size * (0.1 + 0.2 * rand()),
    );
    const image = texture(size, size, i + 1);
    for (let p = 0; p < mask.length; p++) if (mask[p]) for (let c = 0; c < 3; c++) image[p * 3 + c] >>= 1;
    const imagePng = await encodePng(image, size, size, 3, IMAGE_PNG);
    const maskPng = await encodePng(mask, size, size, 1, MASK_PNG);
    await writeAtomic(path.join(out, task, 'images', `${name}.png`), imagePng);
    await writeAtomic(path.join(out, task, 'masks', `${name}.png`), maskPng);
    const foreground = mask.reduce((n, v) => n + (v ? 1 : 0), 0);
    rows.push({
      task,
      name,
      image: `${task}/images/${name}.png`,
      mask: `${task}/masks/${name}.png`,
      source,
      raw: [`${source}/${name}.png`],
      group: name,
      slice: null,
      original: { width: size, height: size },
      spacing: null,
      intensity: { kind: 'rgb8' },
      resize: { size, mode: 'stretch', content: { width: size, height: size } },
      foreground,
      bbox: null,
      annotation: 'pixel',
      sha256: { image: sha256(imagePng), mask: sha256(maskPng) },
      meta: {},
    });
  }
  await writeRecords({
    outDir: out,
    sources,
    // One pseudo-job holding every row: the record phase only needs outcomes.
    finished: async function* (task?: string) {
      const job = { source: 'bench', name: 'bench', targets: TASKS.map((t) => ({ task: t.task })) };
      yield { job, outcome: { rows: task ? rows.filter((r) => r.task === task) : rows, skippedByTask: {} } };
    },
    problems: [],
    notes: {},
    options: {
      size,
      layout: 'medbank',
      resize: 'stretch',
      seed: 0,
      ratios: '70,10,20',
      keepEmpty: 0,
      minArea: 0,
      grey: false,
      sources: sources.map((s) => s.id),
      sourceOptions: {},
      license: 'any',
    },
    ratios: DEFAULT_RATIOS,
  });
}

if (!(await stat(path.join(out, 'medbank.json')).catch(() => undefined))) {
  await mkdir(out, { recursive: true });
  const t0 = Date.now();
  await generate();
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
