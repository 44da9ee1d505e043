/**
 * PNG encoding. Deflate is most of the build's CPU time (PERFORMANCE.md), so PNGs are written by
 * the native addon's libdeflate writer (native/png-encoder.c) where it was built, and by sharp
 * (libspng + zlib-ng) otherwise. Both write the same pixels; the bytes differ. The addon filters
 * each image with Up or libpng's per-row heuristic, whichever a trial deflates smaller, at a
 * libdeflate level chosen per kind of image (README, "Speed"): 2D pictures at level 1, about 1.06x
 * the README script's bytes, where level 2 would save 6% for 10% of a 2D build's wall time; volume
 * slices at level 2, which makes them about a fifth smaller than level 1 does (smooth upsampled CT).
 * MEDBANK_PNG_ENCODER=sharp forces sharp (e.g. for bytes identical to a machine without the
 * addon); MEDBANK_PNG_ENCODER=libdeflate fails when the addon is missing.
 */
import type { PngOptions } from 'sharp';
import { UsageError } from '../../errors.js';
import { nativeAddon, nativeAddonError, type MedbankAddon } from '../native-addon.js';

export interface PngSettings {
  /** libdeflate level and row filter for the addon. */
  level: number;
  filter: 'none' | 'up' | 'auto';
  /** The same intent for sharp: its levels are zlib-ng's, its filter choice is all-or-none. */
  sharp: PngOptions;
}

/** 2D pictures, RGB. */
export const IMAGE_PNG: PngSettings = { level: 1, filter: 'auto', sharp: { compressionLevel: 3, adaptiveFiltering: true } };
/** Volume slices as RGB (the default). */
export const RGB_SLICE_PNG: PngSettings = { level: 2, filter: 'auto', sharp: { compressionLevel: 3, adaptiveFiltering: true } };
/** 8-bit grey volume slices (--grey): zlib-ng needs level 7 to match Pillow's size on CT (PERFORMANCE.md). */
export const GREY_SLICE_PNG: PngSettings = { level: 3, filter: 'auto', sharp: { compressionLevel: 7, adaptiveFiltering: true } };
/** Binary masks compress to almost nothing: filtering would only cost time. */
export const MASK_PNG: PngSettings = { level: 6, filter: 'none', sharp: { compressionLevel: 6, adaptiveFiltering: false } };

let chosen: { addon: MedbankAddon | undefined } | undefined;

/** The addon when it encodes PNGs here, or undefined for sharp; decided once per thread. */
export function nativeEncoder(): MedbankAddon | undefined {
  chosen ??= { addon: chooseEncoder() };
  return chosen.addon;
}

function chooseEncoder(): MedbankAddon | undefined {
  const choice = process.env.MEDBANK_PNG_ENCODER ?? '';
  if (!['', 'libdeflate', 'sharp'].includes(choice)) {
    throw new UsageError(`MEDBANK_PNG_ENCODER must be libdeflate or sharp, not "${choice}"`);
  }
  if (choice === 'sharp') return undefined;
  const addon = nativeAddon();
  if (!addon && choice === 'libdeflate') {
    throw new UsageError(`MEDBANK_PNG_ENCODER=libdeflate but the native addon cannot be loaded (${nativeAddonError()})`);
  }
  return addon;
}

/** The encoder in use, as recorded in medbank.json: output bytes depend on it. */
export async function pngEncoderName(): Promise<string> {
  const native = nativeEncoder();
  if (native) return native.pngEncoderVersion();
  const { default: sharp } = await import('./sharp.js');
  return `sharp ${sharp.versions.sharp ?? 'unknown'} (zlib-ng)`;
}

/** Encodes raw 8-bit samples (1 = grey, 3 = RGB) as PNG. */
export async function encodePng(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3,
  settings: PngSettings,
): Promise<Buffer> {
  const native = nativeEncoder();
  if (native) return native.encodePng(pixels, width, height, channels, settings.level, settings.filter);
  const { default: sharp } = await import('./sharp.js');
  let img = sharp(pixels, { raw: { width, height, channels } });
  // Without an explicit colourspace, sharp writes one-band raw input as RGB.
  if (channels === 1) img = img.toColourspace('b-w');
  return img.png(settings.sharp).toBuffer();
}
