/** What converters share: their options, their result, the empty-mask policy and the sample writer. */
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { ConvertedRow } from '../contract/manifest.js';
import { layoutByName, type LayoutName } from '../contract/layout.js';
import type { ResizeMode } from '../io/resize.js';
import { writeAtomic } from '../io/atomic.js';
import type { InputLimits } from '../io/input-limits.js';

export interface ConvertOptions {
  rawRoot: string;
  outDir: string;
  size: number;
  resize: ResizeMode;
  layout: LayoutName;
  /** Share (0..1) of empty-mask samples kept; the rest are skipped. */
  keepEmpty: number;
  seed: number;
  /** Write single-channel images as 8-bit grey instead of RGB. */
  grey: boolean;
  /** `--min-area`: connected components under this many raw pixels are removed; absent when 0. */
  minArea?: number;
  /** Volumetric sources also write each case's reoriented volume and task labels as NIfTI. */
  keep3d?: boolean;
  /** Header bounds (input-limits.ts); absent means the defaults. They refuse files, never change pixels. */
  limits?: InputLimits;
}

export interface JobOutcome {
  rows: ConvertedRow[];
  /** Samples dropped per task because their mask was empty (policy, not an error). */
  skippedByTask: Record<string, number>;
  /** With `--min-area`: per task, the components and pixels removed and the masks left empty by it. */
  smallObjects?: Record<string, SmallObjectCounts>;
}

export interface SmallObjectCounts {
  components: number;
  pixels: number;
  emptied: number;
}

/** Deterministic choice of the empty-mask samples to keep: a seeded hash of task and name. */
export function keepsEmpty(opts: Pick<ConvertOptions, 'keepEmpty' | 'seed'>, task: string, name: string): boolean {
  if (opts.keepEmpty <= 0) return false;
  if (opts.keepEmpty >= 1) return true;
  const h = createHash('sha256').update(`${opts.seed}:empty:${task}:${name}`).digest();
  return h.readUInt32BE(0) / 2 ** 32 < opts.keepEmpty;
}

/** Writes one image/mask pair of a task; returns their tree-relative paths. */
export async function writeSample(
  opts: Pick<ConvertOptions, 'outDir' | 'layout'>,
  task: string,
  name: string,
  imagePng: Uint8Array,
  maskPng: Uint8Array,
): Promise<{ image: string; mask: string }> {
  const layout = layoutByName(opts.layout);
  const image = `${task}/${layout.imageDir}/${name}.png`;
  const mask = `${task}/${layout.maskDir}/${name}.png`;
  await writeAtomic(path.join(opts.outDir, image), imagePng, { verified: true });
  await writeAtomic(path.join(opts.outDir, mask), maskPng, { verified: true });
  return { image, mask };
}
