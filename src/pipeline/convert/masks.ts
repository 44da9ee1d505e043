/**
 * Evaluates an adapter's MaskRule into a binary plane (1 = foreground) at the raw image's size.
 * Lossy and anti-aliased masks are thresholded, never compared for equality (DESIGN.md §5).
 */
import path from 'node:path';
import type { MaskRule } from '../../catalog/types.js';
import { InputError } from '../../errors.js';
import { readRaw, readSize, toLuma, type RawImage } from '../../io/image/image-read.js';
import { DEFAULT_LIMITS, type InputLimits } from '../../io/input-limits.js';
import { padToSquare, resampleNearest } from '../../io/image/resize.js';

export interface Plane {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Raw mask files a rule reads (relative to the raw root). */
export function ruleFiles(rule: MaskRule): string[] {
  switch (rule.kind) {
    case 'luma-above':
      return rule.files;
    case 'luma-below':
    case 'labels':
      return [rule.file];
    case 'boxes':
      return [];
  }
}

function checkSize(file: string, img: { width: number; height: number }, width: number, height: number): void {
  if (img.width !== width || img.height !== height) {
    throw new InputError(file, `mask is ${img.width}x${img.height} but its image is ${width}x${height}`);
  }
}

/**
 * The plane is `width`×`height`. When `rawSize` (the raw image's size) is larger, mask files are
 * shrunk with nearest neighbour while decoding and boxes are scaled (whole-slide images).
 */
export async function evaluateMask(
  rule: MaskRule,
  rawRoot: string,
  width: number,
  height: number,
  rawSize: { width: number; height: number } = { width, height },
  limits: InputLimits = DEFAULT_LIMITS,
): Promise<Plane> {
  const out = new Uint8Array(width * height);
  const shrink = rawSize.width !== width || rawSize.height !== height;
  const load = async (rel: string): Promise<RawImage> => {
    const file = path.join(rawRoot, rel);
    const asInput = (e: unknown) => {
      throw e instanceof InputError ? new InputError(rel, e.message) : e;
    };
    // The header first: a mask that lies about its size is refused before it is decoded.
    checkSize(rel, await readSize(file, limits).catch(asInput), rawSize.width, rawSize.height);
    const img = await readRaw(file, shrink ? { width, height, kernel: 'nearest' } : undefined, limits).catch(asInput);
    checkSize(rel, img, width, height);
    return img;
  };
  switch (rule.kind) {
    case 'luma-above':
      for (const file of rule.files) {
        const img = await load(file);
        const luma = toLuma(img);
        const zeroWords = wordView(luma);
        let foreground = 0;
        for (let i = 0; i < luma.length; i++) {
          // Background (0) is never above the threshold: skip it four pixels at a time.
          if (zeroWords && (i & 3) === 0 && i + 4 <= luma.length && zeroWords[i >> 2] === 0) i += 3;
          else if (luma[i] > rule.above) {
            out[i] = 1;
            foreground++;
          }
        }
        if (foreground === 0) checkAllBackground(file, img, luma, rule.above);
      }
      break;
    case 'luma-below': {
      const luma = toLuma(await load(rule.file));
      let foreground = 0;
      for (let i = 0; i < luma.length; i++)
        if (luma[i] < rule.below) {
          out[i] = 1;
          foreground++;
        }
      if (rule.maxShare !== undefined && foreground > rule.maxShare * luma.length) {
        throw new InputError(
          rule.file,
          `foreground (luma below ${rule.below}) covers ${percent(foreground / luma.length)} of the image, more than the ${percent(rule.maxShare)} this source's structure can: are the classes inverted?`,
        );
      }
      break;
    }
    case 'labels': {
      const img = await load(rule.file);
      const values = new Set(rule.values);
      const anyLabel = values.size === 0;
      const { data, channels } = img;
      for (let i = 0, j = 0; i < out.length; i++, j += channels) {
        const v = data[j];
        if (anyLabel ? v > 0 : values.has(v)) out[i] = 1;
      }
      break;
    }
    case 'boxes': {
      const sx = width / rawSize.width;
      const sy = height / rawSize.height;
      for (const [x0, y0, x1, y1] of rule.boxes) {
        const left = clamp(Math.floor(x0 * sx), 0, width);
        const right = clamp(Math.ceil(x1 * sx), 0, width);
        const top = clamp(Math.floor(y0 * sy), 0, height);
        const bottom = clamp(Math.ceil(y1 * sy), 0, height);
        for (let y = top; y < bottom; y++) out.fill(1, y * width + left, y * width + right);
      }
      break;
    }
  }
  return { data: out, width, height };
}

/** JPEG masks (Kvasir-SEG) carry compression noise near 0 even where they are all background. */
const LOSSY_NOISE = 32;

/**
 * A mask file with no foreground is empty only if it is all background (0). Anything else means
 * its values do not fit the rule (a 0/1 or 0/1/2 label export, a red-on-black RGB mask): a problem
 * naming the file and the values found, never a silently dropped sample.
 */
function checkAllBackground(file: string, img: RawImage, luma: Uint8Array, above: number): void {
  const noise = /\.jpe?g$/i.test(file) ? LOSSY_NOISE : 0;
  let i = 0;
  while (i < luma.length && luma[i] <= noise) i++;
  if (i === luma.length) return;
  throw new InputError(
    file,
    `mask values ${valuesFound(img)} give no foreground under this source's rule (luma above ${above} on 0/255 masks), yet the mask is not all background`,
  );
}

/** The first few distinct pixel values (grey levels, or colour tuples), as a message lists them. */
function valuesFound(img: RawImage, most = 8): string {
  const { data, channels } = img;
  const found = new Set<string>();
  const n = img.width * img.height;
  let more = false;
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    const key = channels === 1 ? String(data[j]) : `(${Array.from(data.subarray(j, j + Math.min(channels, 3))).join(',')})`;
    if (found.has(key)) continue;
    if (found.size === most) {
      more = true;
      break;
    }
    found.add(key);
  }
  const sorted = [...found].sort((a, b) => (channels === 1 ? Number(a) - Number(b) : a < b ? -1 : 1));
  return `{${sorted.join(', ')}${more ? ', ...' : ''}}`;
}

function percent(share: number): string {
  return `${Number((share * 100).toFixed(1))}%`;
}

/** The plane as 32-bit words (4 pixels each) where its offset allows, for skipping zero runs. */
function wordView(plane: Uint8Array): Uint32Array | undefined {
  return plane.byteOffset % 4 === 0 ? new Uint32Array(plane.buffer, plane.byteOffset, plane.length >> 2) : undefined;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * Foreground pixel count and bounding box [x0, y0, x1, y1] (inclusive) of a 0/non-zero plane;
 * with `paint`, foreground pixels are set to that value on the way (0/1 planes become 0/255).
 */
export function maskExtent(
  plane: Uint8Array,
  width: number,
  paint?: number,
): { foreground: number; bbox: [number, number, number, number] | null } {
  let count = 0;
  let x0 = width;
  let y0 = -1;
  let x1 = -1;
  let y1 = -1;
  const height = plane.length / width;
  const words = wordView(plane);
  for (let y = 0, i = 0; y < height; y++) {
    let first = -1;
    let last = -1;
    const rowEnd = i + width;
    for (let x = 0; x < width; x++, i++) {
      // Masks are mostly background: skip it four pixels at a time.
      if (words && (i & 3) === 0 && i + 4 <= rowEnd && words[i >> 2] === 0) {
        x += 3;
        i += 3;
        continue;
      }
      if (plane[i] === 0) continue;
      count++;
      if (first < 0) first = x;
      last = x;
      if (paint !== undefined) plane[i] = paint;
    }
    if (first < 0) continue;
    if (y0 < 0) y0 = y;
    y1 = y;
    if (first < x0) x0 = first;
    if (last > x1) x1 = last;
  }
  return { foreground: count, bbox: count ? [x0, y0, x1, y1] : null };
}

export interface OutputMask {
  /** size×size plane of 0 / 255, as written. */
  pixels: Uint8Array;
  foreground: number;
  bbox: [number, number, number, number] | null;
}

/**
 * A raw-resolution binary plane as the user will load it: nearest-resized into the content box,
 * padded to the square, 0/255. The empty-mask policy looks at this, not at the raw plane: a
 * structure too small to survive the resize gives an empty training sample.
 */
export function toOutputMask(
  plane: Uint8Array,
  width: number,
  height: number,
  box: { width: number; height: number },
  size: number,
): OutputMask {
  const pixels = padToSquare(resampleNearest(plane, width, height, box.width, box.height), box.width, box.height, 1, size);
  return { pixels, ...maskExtent(pixels, size, 255) };
}
