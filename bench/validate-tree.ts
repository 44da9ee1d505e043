/**
 * A tree for validate benchmarks: textured or photo-like RGB images, elliptic 0/255 masks, and the
 * build record and manifest written by the pipeline's record step.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { catalog } from '../src/catalog/registry.js';
import type { ConvertedRow } from '../src/contract/manifest.js';
import { sha256, writeAtomic } from '../src/io/files/atomic.js';
import { IMAGE_PNG, MASK_PNG, encodePng } from '../src/io/image/png-write.js';
import { ellipse, rng, texture } from '../src/fixtures/draw.js';
import { DEFAULT_RATIOS } from '../src/pipeline/plan/splits.js';
import { writeRecords } from '../src/pipeline/record/record.js';

const TASKS = [
  { source: 'BUSI', task: 'BreastTumor_UT_0' },
  { source: 'Kvasir-SEG', task: 'Polyp_EN_6' },
  { source: 'CVC-ClinicDB', task: 'Polyp_EN_7' },
  { source: 'CVC-ColonDB', task: 'Polyp_EN_8' },
];

/** RGB pixels of sample `i` (`texture` by default; the validate suite uses photo-like pictures). */
export type Picture = (size: number, i: number) => Uint8Array;

export async function writeValidateTree(
  out: string,
  samples: number,
  size: number,
  picture: Picture = (s, i) => texture(s, s, i + 1),
): Promise<void> {
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
    const image = picture(size, i);
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
