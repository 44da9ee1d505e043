/**
 * What the row formats (webdataset, hf) carry per sample: the image and mask bytes as stored, the
 * manifest row (or the fields the tree itself gives, without a manifest), and the prompts of the
 * mask: its box and inner point, and with `--instances` each component's mask, box and point.
 */
import { readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type { ManifestRow } from '../contract/manifest.js';
import { maskPrompts, type Box, type Point } from '../dataset/prompts.js';
import { greyPng, readMask } from './pixels.js';
import type { ExportContext } from './types.js';
import type { TreeSample } from './walker.js';

export interface PromptFields {
  box: Box | null;
  point: Point | null;
  instances?: { area: number; box: Box; point: Point }[];
}

export interface SampleRecord {
  key: string;
  image: Buffer;
  mask: Buffer;
  /** PNGs of the instances, with `--instances`. */
  instanceMasks: Buffer[];
  row: ManifestRow | { task: string; name: string; split: string };
  prompts: PromptFields;
}

/** `<task>__<name>`: WebDataset splits member names at the first dot, so keys have none. */
export function sampleKey(s: TreeSample): string {
  return `${s.task.id}__${s.name}`.replace(/\./g, '_');
}

export async function sampleRecord(ctx: ExportContext, s: TreeSample): Promise<SampleRecord> {
  const [image, mask] = await Promise.all([readFile(s.imagePath), readFile(s.maskPath)]);
  const pixels = await readMask(s.maskPath);
  const found = maskPrompts(pixels.data, pixels.width, pixels.height, { minArea: ctx.options.minArea });
  const prompts: PromptFields = { box: found.object?.box ?? null, point: found.object?.point ?? null };
  const instanceMasks: Buffer[] = [];
  if (ctx.options.instances) {
    prompts.instances = found.instances.map(({ area, box, point }) => ({ area, box, point }));
    for (const inst of found.instances) instanceMasks.push(await greyPng(inst.mask, pixels.width, pixels.height));
  }
  return { key: sampleKey(s), image, mask, instanceMasks, row: s.row ?? { task: s.task.id, name: s.name, split: s.split }, prompts };
}

/** Samples in an order fixed by the seed alone: by a hash of seed and key (not file-system or walk order). */
export function seededOrder<T>(items: T[], key: (item: T) => string, seed: number): T[] {
  const rank = new Map(
    items.map((item) => [
      item,
      createHash('sha256')
        .update(`${seed}:${key(item)}`)
        .digest('hex'),
    ]),
  );
  return [...items].sort((a, b) => (rank.get(a)! < rank.get(b)! ? -1 : rank.get(a)! > rank.get(b)! ? 1 : 0));
}

/** What a sample adds to a shard beyond its image and mask bytes (headers, the json row), as planned. */
const SAMPLE_OVERHEAD = 5120;

/**
 * Samples cut into shards of about `shardSize` bytes, from the file sizes, so shard names can say
 * how many there are before any is written; a sample whose files are missing is a problem, left out.
 */
export async function planShards(ctx: ExportContext, samples: TreeSample[], shardSize: number): Promise<TreeSample[][]> {
  const shards: TreeSample[][] = [];
  let bytes = Infinity;
  for (const s of samples) {
    let size: number;
    try {
      const [image, mask] = await Promise.all([stat(s.imagePath), stat(s.maskPath)]);
      size = image.size + mask.size + SAMPLE_OVERHEAD;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      ctx.problem(err.path ?? s.imagePath, `${err.code === 'ENOENT' ? 'missing' : err.message}: sample left out`);
      continue;
    }
    if (bytes + size > shardSize) {
      shards.push([]);
      bytes = 0;
    }
    shards.at(-1)!.push(s);
    bytes += size;
  }
  return shards;
}
