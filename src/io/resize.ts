/**
 * Resampling with Pillow's pixel-centre convention, so images and masks stay aligned (DESIGN.md §5).
 * Images: bilinear. libvips downsamples centre-correctly (antialiased `linear` reduce) and fast;
 * its upsampling is shifted by half an output pixel and slow (about 35 ms per 1024² RGB image with
 * one thread), so upsampled axes use ./pillow-bilinear.ts, which reproduces Pillow's fixed-point
 * bilinear exactly in about a third of the time. Masks: nearest neighbour with Pillow's rule.
 */
import type { Sharp } from 'sharp';
import sharp from './sharp.js';
import { bilinearResample } from './pillow-bilinear.js';
import { nativeAddon, type MedbankAddon } from './native-addon.js';

/** Pixels handed to sharp: a file it can read, or raw interleaved 8-bit samples. */
export type ImageSource = { file: string } | { pixels: Uint8Array; width: number; height: number; channels: number };

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export type ResizeMode = 'stretch' | 'pad';

/** Where the resized content sits in the square output: stretched over all of it, or padded SAM-style. */
export function contentBox(width: number, height: number, size: number, mode: ResizeMode): { width: number; height: number } {
  if (mode === 'stretch') return { width: size, height: size };
  const scale = size / Math.max(width, height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * A file is opened with the size its caller read from the header (and checked against the pixel
 * bound) as libvips' pixel limit, so a file changed since cannot make it decode more.
 */
function open(src: ImageSource, size: { width: number; height: number }): Sharp {
  if ('file' in src) return sharp(src.file, { failOn: 'error', limitInputPixels: size.width * size.height });
  return sharp(src.pixels, { raw: { width: src.width, height: src.height, channels: src.channels as 1 | 2 | 3 | 4 } });
}

/** Interleaved 8-bit samples as libvips decoded them. */
export type Decoded = { data: Uint8Array; width: number; height: number; channels: number };

/**
 * Bilinear resample of `src` (optionally cropped) to `outW`×`outH`, as 8-bit sRGB (3 channels) or
 * grey (1 channel) raw samples, alpha dropped. `onDecoded` sees the pixels as decoded: the raw
 * image (after the crop), shrunk by libvips only where it is larger than the output.
 */
export async function resampleImage(
  src: ImageSource,
  size: { width: number; height: number },
  outW: number,
  outH: number,
  channels: 1 | 3,
  crop?: Rect,
  onDecoded?: (decoded: Decoded) => void,
): Promise<Buffer> {
  const inW = crop?.width ?? size.width;
  const inH = crop?.height ?? size.height;
  let img = open(src, size);
  if (crop) img = img.extract(crop);
  const downW = Math.min(inW, outW);
  const downH = Math.min(inH, outH);
  if (downW !== inW || downH !== inH) img = img.resize(downW, downH, { fit: 'fill', kernel: 'linear' });
  const { data, info } = await (
    channels === 3 ? img.removeAlpha().toColourspace('srgb') : img.removeAlpha().toColourspace('b-w').extractChannel(0)
  )
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== channels || info.width !== downW || info.height !== downH) {
    throw new Error(`decoded ${info.width}x${info.height}x${info.channels}, expected ${downW}x${downH}x${channels}`);
  }
  onDecoded?.({ data, width: downW, height: downH, channels });
  if (downW === outW && downH === outH) return data;
  return bilinearResample(data, downW, downH, channels, outW, outH);
}

/**
 * Source index of each output pixel for nearest-neighbour resampling, exactly as Pillow computes
 * it (ImagingScaleAffine): start at half a step and add the step in double precision, so even
 * the rounding of the running sum matches.
 */
function nearestIndex(inN: number, outN: number): Int32Array {
  const out = new Int32Array(outN);
  const step = inN / outN;
  let pos = step * 0.5;
  for (let i = 0; i < outN; i++) {
    out[i] = Math.min(inN - 1, Math.floor(pos));
    pos += step;
  }
  return out;
}

/**
 * Nearest-neighbour resample of a one-byte-per-pixel plane, pixel for pixel as Pillow's NEAREST;
 * in the native addon unless `addon` is undefined.
 */
export function resampleNearest(
  src: Uint8Array,
  inW: number,
  inH: number,
  outW: number,
  outH: number,
  addon: MedbankAddon | undefined = nativeAddon(),
): Uint8Array {
  const xs = nearestIndex(inW, outW);
  const ys = nearestIndex(inH, outH);
  if (addon) return addon.resampleNearest(src, inW, inH, xs, ys);
  const out = new Uint8Array(outW * outH);
  for (let y = 0; y < outH; y++) {
    const row = ys[y] * inW;
    const o = y * outW;
    for (let x = 0; x < outW; x++) out[o + x] = src[row + xs[x]];
  }
  return out;
}

/** Places a `w`×`h` plane at the top-left of a zeroed `size`×`size` canvas (SAM pads bottom and right). */
export function padToSquare(src: Uint8Array, w: number, h: number, channels: number, size: number): Uint8Array {
  if (w === size && h === size) return src;
  const out = new Uint8Array(size * size * channels);
  for (let y = 0; y < h; y++) out.set(src.subarray(y * w * channels, (y + 1) * w * channels), y * size * channels);
  return out;
}

/** Crops a one-byte-per-pixel plane. */
export function cropPlane(src: Uint8Array, width: number, rect: Rect): Uint8Array {
  const out = new Uint8Array(rect.width * rect.height);
  for (let y = 0; y < rect.height; y++) {
    const start = (rect.top + y) * width + rect.left;
    out.set(src.subarray(start, start + rect.width), y * rect.width);
  }
  return out;
}

/** Repeats each grey sample three times (R = G = B). */
export function greyToRgb(grey: Uint8Array): Uint8Array {
  const out = new Uint8Array(grey.length * 3);
  for (let i = 0, o = 0; i < grey.length; i++, o += 3) out[o] = out[o + 1] = out[o + 2] = grey[i];
  return out;
}
