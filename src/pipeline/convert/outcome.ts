/** What converters share: their options, their result, the empty-mask policy and the sample writer. */
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { ConvertedRow } from '../../contract/manifest.js';
import { layoutByName, type LayoutName } from '../../contract/layout.js';
import type { ResizeMode } from '../../io/image/resize.js';
import type { InputLimits } from '../../io/input-limits.js';
import { writeLinked } from '../../io/files/linked-write.js';
import { linkStoreDir } from '../plan/tree-state.js';

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
  /** False (`--no-links`): identical outputs are written as copies, not hard links to one file. */
  links?: boolean;
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

/** An encoded output file and its sha256 (hex). */
export interface HashedFile {
  bytes: Uint8Array;
  hash: string;
}

/**
 * Writes one image/mask pair of a task, each a hard link to the one copy of its bytes unless
 * `--no-links`; returns their tree-relative paths.
 */
export async function writeSample(
  opts: Pick<ConvertOptions, 'outDir' | 'layout' | 'links'>,
  task: string,
  name: string,
  imagePng: HashedFile,
  maskPng: HashedFile,
): Promise<{ image: string; mask: string }> {
  const layout = layoutByName(opts.layout);
  const image = `${task}/${layout.imageDir}/${name}.png`;
  const mask = `${task}/${layout.maskDir}/${name}.png`;
  const store = linkStoreDir(opts.outDir, opts.links);
  await writeLinked(path.join(opts.outDir, image), imagePng.bytes, imagePng.hash, store);
  await writeLinked(path.join(opts.outDir, mask), maskPng.bytes, maskPng.hash, store);
  return { image, mask };
}
