/**
 * PNG encoding settings. PNG deflate is most of the build's CPU time (PERFORMANCE.md): images use
 * zlib-ng level 3 with adaptive row filters (about 1.06x Pillow's bytes at several times its
 * speed); binary masks compress to almost nothing, so they skip filtering.
 */
import sharp, { type PngOptions } from 'sharp';

export const IMAGE_PNG = { compressionLevel: 3, adaptiveFiltering: true } as const;
export const MASK_PNG = { compressionLevel: 6, adaptiveFiltering: false } as const;

/** Encodes raw 8-bit samples (1 = grey, 3 = RGB) as PNG. */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3, settings: PngOptions): Promise<Buffer> {
  let img = sharp(pixels, { raw: { width, height, channels } });
  // Without an explicit colourspace, sharp writes one-band raw input as RGB.
  if (channels === 1) img = img.toColourspace('b-w');
  return img.png(settings).toBuffer();
}
