/**
 * Resampling with Pillow's pixel-centre convention, so images and masks stay aligned (DESIGN.md §5).
 * Images: bilinear. Pixels MedBank decoded itself (the common PNGs, BMP, volume slices) are
 * resampled entirely by ./pillow-bilinear.ts, which reproduces Pillow's fixed-point bilinear
 * exactly. Files libvips decodes (JPEG, TIFF, other PNGs) are shrunk by libvips while decoding
 * where they are larger than the output (antialiased `linear` reduce, centre-correct and fast; for
 * JPEG, shrink-on-load); its upsampling is shifted by half an output pixel and slow (about 35 ms
 * per 1024² RGB image with one thread), so upsampled axes always use ./pillow-bilinear.ts.
 * Masks: nearest neighbour with Pillow's rule.
 */
import type { Sharp } from 'sharp';
import sharp from './sharp.js';
import { bilinearResample } from './pillow-bilinear.js';
import { nativeAddon, type MedbankAddon } from '../native-addon.js';

/** What resampleImage reads: a file for libvips, or raw interleaved 8-bit samples. */
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
 * image (after the crop), at full size, or shrunk where libvips decodes a file larger than the
 * output.
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
  if ('pixels' in src) {
    // The caller checked the header's size against the pixel bound: a file changed since is refused.
    if (src.width !== size.width || src.height !== size.height)
      throw new Error(`decoded ${src.width}x${src.height}, but the header said ${size.width}x${size.height}`);
    const bands = exactBands(src, channels);
    if (bands) {
      const decoded = crop ? cropInterleaved(bands, src.width, channels, crop) : bands;
      const inW = crop?.width ?? src.width;
      const inH = crop?.height ?? src.height;
      onDecoded?.({ data: decoded, width: inW, height: inH, channels });
      return bilinearResample(decoded, inW, inH, channels, outW, outH);
    }
  }
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
 * Decoded samples as `channels` bands where that needs no colour arithmetic: alpha dropped, grey
 * repeated to RGB. Then all of the resampling is Pillow's bilinear, downsampled axes included.
 * Colour to grey is left to libvips (undefined).
 */
function exactBands(src: { pixels: Uint8Array; channels: number }, channels: 1 | 3): Uint8Array | undefined {
  const { pixels, channels: have } = src;
  if (have === channels) return pixels;
  const grey = have <= 2;
  if (channels === 1 && !grey) return undefined;
  const pixelCount = pixels.length / have;
  const out = new Uint8Array(pixelCount * channels);
  for (let p = 0, i = 0, o = 0; p < pixelCount; p++, i += have, o += channels) {
    if (grey) out.fill(pixels[i], o, o + channels);
    else for (let c = 0; c < channels; c++) out[o + c] = pixels[i + c];
  }
  return out;
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
  return cropInterleaved(src, width, 1, rect);
}

/** Crops interleaved 8-bit samples of `channels` bands. */
function cropInterleaved(src: Uint8Array, width: number, channels: number, rect: Rect): Uint8Array {
  const out = new Uint8Array(rect.width * rect.height * channels);
  const rowBytes = rect.width * channels;
  for (let y = 0; y < rect.height; y++) {
    const start = ((rect.top + y) * width + rect.left) * channels;
    out.set(src.subarray(start, start + rowBytes), y * rowBytes);
  }
  return out;
}

/** Repeats each grey sample three times (R = G = B). */
export function greyToRgb(grey: Uint8Array): Uint8Array {
  const out = new Uint8Array(grey.length * 3);
  for (let i = 0, o = 0; i < grey.length; i++, o += 3) out[o] = out[o + 1] = out[o + 2] = grey[i];
  return out;
}
