/**
 * Converts one 2D job: decode once, derive each task's mask, drop empty masks by policy, resize
 * the image once (bilinear) and each mask (nearest), encode, write atomically, describe the rows.
 */
import path from 'node:path';
import type { Job2D, MaskTarget } from '../../catalog/types.js';
import { InputError } from '../../errors.js';
import { asInputError, imageSource, readRaw, readSize, type RawImage } from '../../io/image/image-read.js';
import { DEFAULT_LIMITS, type InputLimits } from '../../io/input-limits.js';
import { contentBox, cropPlane, padToSquare, resampleImage, type Decoded, type ImageSource, type Rect } from '../../io/image/resize.js';
import { pixelDifferenceHash } from '../../io/image/perceptual-hash.js';
import { encodePng, IMAGE_PNG, MASK_PNG } from '../../io/image/png-write.js';
import { sha256 } from '../../io/files/atomic.js';
import type { ConvertedRow, IntensityTransform } from '../../contract/manifest.js';
import { evaluateMask, ruleFiles, toOutputMask, type OutputMask } from './masks.js';
import { keepsEmpty, type ConvertOptions, type JobOutcome, type SmallObjectCounts, writeSample } from './outcome.js';
import { dropSmallObjects } from './small-objects.js';

/** Raw images with a longer side (whole-slide microscopy) are shrunk by libvips while decoding. */
export const LARGE_SIDE = 8192;

type Size = { width: number; height: number };

/**
 * Size at which a raw image's pixels are decoded: the raw size, or for a large image its aspect
 * at twice the output size (at least 2048 px), so the final bilinear step still averages.
 */
export function decodeSize(raw: Size, outputSize: number): Size {
  const longest = Math.max(raw.width, raw.height);
  if (longest <= LARGE_SIDE) return raw;
  const scale = Math.min(LARGE_SIDE, Math.max(2048, 2 * outputSize)) / longest;
  return { width: Math.max(1, Math.round(raw.width * scale)), height: Math.max(1, Math.round(raw.height * scale)) };
}

function cropOf(job: Job2D, size: Size): Rect | undefined {
  return job.crop === 'left-half' ? { left: 0, top: 0, width: Math.floor(size.width / 2), height: size.height } : undefined;
}

export async function convert2d(job: Job2D, opts: ConvertOptions): Promise<JobOutcome> {
  const imageFile = path.join(opts.rawRoot, job.image);
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const fullSize = await readSize(imageFile, limits).catch(rethrowAs(job.image));
  const crop = cropOf(job, fullSize);
  const width = crop?.width ?? fullSize.width;
  const height = crop?.height ?? fullSize.height;
  // Masks (and transformed images) are decoded at `work`, which equals the raw size except for large images.
  const work = decodeSize(fullSize, opts.size);
  const workCrop = cropOf(job, work);
  const workWidth = workCrop?.width ?? work.width;
  const workHeight = workCrop?.height ?? work.height;

  const box = contentBox(width, height, opts.size, opts.resize);
  const kept: { target: MaskTarget; mask: OutputMask }[] = [];
  const skippedByTask: Record<string, number> = {};
  const smallObjects: Record<string, SmallObjectCounts> = {};
  // Raw pixels; a large image decoded smaller measures its components at the decoded scale.
  const minArea = opts.minArea ? Math.max(1, Math.round((opts.minArea * workWidth * workHeight) / (width * height))) : 0;
  for (const target of job.targets) {
    const full = await evaluateMask(target.mask, opts.rawRoot, work.width, work.height, fullSize, limits);
    const plane = workCrop ? cropPlane(full.data, full.width, workCrop) : full.data;
    if (minArea) dropSmallObjects(smallObjects, target.task, plane, workWidth, minArea, foregroundOf(plane));
    const mask = toOutputMask(plane, workWidth, workHeight, box, opts.size);
    if (mask.foreground === 0 && !keepsEmpty(opts, target.task, job.name)) {
      skippedByTask[target.task] = (skippedByTask[target.task] ?? 0) + 1;
      continue;
    }
    kept.push({ target, mask });
  }
  const removed = opts.minArea ? { smallObjects } : {};
  if (kept.length === 0) return { rows: [], skippedByTask, ...removed };

  const { source, intensity, size: sourceSize } = await prepareImage(job, imageFile, fullSize, work, limits);
  // The near-copy hash of the decoded image (splits.ts merges copies by it): no decode of its own.
  let dhash: string | undefined;
  const hashDecoded = ({ data, width: w, height: h, channels: c }: Decoded) => (dhash = pixelDifferenceHash(data, w, h, c));
  const resized = await resampleImage(
    source,
    sourceSize,
    box.width,
    box.height,
    opts.grey ? 1 : 3,
    cropOf(job, sourceSize),
    hashDecoded,
  ).catch(rethrowAs(job.image));
  const channels = opts.grey ? 1 : 3;
  const imagePng = await encodePng(
    padToSquare(resized, box.width, box.height, channels, opts.size),
    opts.size,
    opts.size,
    channels,
    IMAGE_PNG,
  );
  const imageHash = sha256(imagePng);

  const rows: ConvertedRow[] = [];
  for (const { target, mask } of kept) {
    const maskPng = await encodePng(mask.pixels, opts.size, opts.size, 1, MASK_PNG);
    const maskHash = sha256(maskPng);
    const paths = await writeSample(opts, target.task, job.name, { bytes: imagePng, hash: imageHash }, { bytes: maskPng, hash: maskHash });
    rows.push({
      task: target.task,
      name: job.name,
      image: paths.image,
      mask: paths.mask,
      source: job.source,
      raw: [job.image, ...ruleFiles(target.mask)],
      group: job.group,
      slice: null,
      original: { width, height },
      spacing: null,
      intensity,
      resize: { size: opts.size, mode: opts.resize, content: box },
      foreground: mask.foreground,
      bbox: mask.bbox,
      // Filled boxes (PlantDoc) are all a source without pixel masks offers.
      annotation: target.mask.kind === 'boxes' ? 'box' : 'pixel',
      sha256: { image: imageHash, mask: maskHash },
      meta: {
        ...job.meta,
        ...(job.crop ? { crop: job.crop } : {}),
        ...(work !== fullSize ? { decodedAt: `${work.width}x${work.height}` } : {}),
      },
      ...(job.split ? { splitHint: job.split } : {}),
      ...(dhash ? { dhash } : {}),
      ...(job.videoFrame !== undefined ? { videoFrame: job.videoFrame } : {}),
    });
  }
  return { rows, skippedByTask, ...removed };
}

function foregroundOf(plane: Uint8Array): number {
  let n = 0;
  for (const v of plane) if (v !== 0) n++;
  return n;
}

/** Re-labels a decoding failure with the raw path; libvips errors get the same wording as the header read's. */
function rethrowAs(rel: string): (e: unknown) => never {
  return (e: unknown) => {
    if (e instanceof InputError) throw new InputError(rel, e.message);
    throw asInputError(rel, e);
  };
}

/**
 * The image as sharp should read it: the file itself (libvips streams it, whatever its size), or
 * 8-bit samples after an intensity transform, computed at the decode size `work`.
 */
async function prepareImage(
  job: Job2D,
  imageFile: string,
  size: Size,
  work: Size,
  limits: InputLimits,
): Promise<{ source: ImageSource; intensity: IntensityTransform; size: Size }> {
  if (!job.transform)
    return { source: await imageSource(imageFile, limits).catch(rethrowAs(job.image)), intensity: { kind: 'rgb8' }, size };
  const fit = work !== size ? { ...work, kernel: 'linear' as const } : undefined;
  const raw = await readRaw(imageFile, fit, limits).catch(rethrowAs(job.image));
  if (raw.width !== work.width || raw.height !== work.height) throw new InputError(job.image, 'decoded size differs from header');
  const { low, high } = job.transform;
  return { source: percentileToRgb(raw, low, high), intensity: { kind: 'percentile', low, high, perChannel: true }, size: work };
}

/**
 * Per-channel percentile stretch to 8 bits (the NeurIPS-CellSeg baseline): grey is repeated to
 * RGB, alpha (4th band of an RGBA file) and channels past the third are dropped.
 */
export function percentileToRgb(
  raw: RawImage,
  low: number,
  high: number,
): { pixels: Uint8Array; width: number; height: number; channels: 3 } {
  const { data, width, height, channels } = raw;
  const n = width * height;
  // A two-band file is grey plus alpha.
  const used = channels === 2 ? 1 : Math.min(channels, 3);
  const planes: Uint8Array[] = [];
  for (let c = 0; c < used; c++) {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = data[i * channels + c];
    const sorted = Float64Array.from(values).sort();
    const lo = percentile(sorted, low);
    const hi = percentile(sorted, high);
    const plane = new Uint8Array(n);
    const range = hi - lo;
    for (let i = 0; i < n; i++) {
      const v = range > 0 ? ((values[i] - lo) / range) * 255 : 0;
      plane[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
    planes.push(plane);
  }
  const pixels = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) pixels[i * 3 + c] = planes[Math.min(c, used - 1)][i];
  return { pixels, width, height, channels: 3 };
}

/** Linear-interpolated percentile (numpy's default) of an ascending array. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const pos = ((sorted.length - 1) * p) / 100;
  const i = Math.floor(pos);
  const frac = pos - i;
  return i + 1 < sorted.length ? sorted[i] + (sorted[i + 1] - sorted[i]) * frac : sorted[i];
}
