/**
 * MedBank's optional native addon (native/*.c, built into dist/native/medbank.node by
 * `npm run build` where a C compiler and libdeflate are present). Every caller has a fallback
 * with the same pixels: sharp's PNG encoder, TypeScript resampling.
 */
import { createRequire } from 'node:module';

export interface MedbankAddon {
  encodePng(pixels: Uint8Array, width: number, height: number, channels: number, level: number, filter: string): Promise<Buffer>;
  pngEncoderVersion(): string;
  /** Inflates a PNG's IDAT stream and undoes its row filters: 8-bit samples, not interlaced; throws on corrupt data. */
  inflatePng(idat: Uint8Array, width: number, height: number, channels: number): Buffer;
  /** inflatePng's decode feeding imageCells row by row (no decoded image is kept); returns whether the image looks like a mask. */
  pngImageFacts(
    idat: Uint8Array,
    width: number,
    height: number,
    channels: number,
    cellSum: Float64Array,
    columns: number,
    rows: number,
  ): boolean;
  /** inflatePng's decode feeding maskFacts row by row; returns the foreground count. */
  pngMaskFacts(idat: Uint8Array, width: number, height: number, channels: number, seen: Uint8Array, box: Int32Array): number;
  /** Adds each pixel's luma (77 R + 150 G + 29 B) to its cell of a columns x rows grid; returns whether the image looks like a mask. */
  imageCells(
    data: Uint8Array,
    width: number,
    height: number,
    channels: number,
    cellSum: Float64Array,
    columns: number,
    rows: number,
  ): boolean;
  /** Marks the first channel's values in `seen`, writes the bounding box of non-zero values to `box`; returns their count. */
  maskFacts(data: Uint8Array, width: number, height: number, channels: number, seen: Uint8Array, box: Int32Array): number;
  /** One pass of Pillow's fixed-point resampling with coefficient tables from pillow-bilinear.ts. */
  resampleHorizontal(
    src: Uint8Array,
    inW: number,
    inH: number,
    channels: number,
    start: Int32Array,
    taps: Int32Array,
    weights: Int32Array,
    size: number,
  ): Buffer;
  resampleVertical(
    src: Uint8Array,
    stride: number,
    inH: number,
    one: 1,
    start: Int32Array,
    taps: Int32Array,
    weights: Int32Array,
    size: number,
  ): Buffer;
  resampleNearest(src: Uint8Array, inW: number, inH: number, xs: Int32Array, ys: Int32Array): Buffer;
}

let loaded: { addon: MedbankAddon | undefined; error?: string } | undefined;

function load(): NonNullable<typeof loaded> {
  try {
    // From dist/src/io/ to dist/native/, where native/build.ts puts the addon.
    return { addon: createRequire(import.meta.url)('../../native/medbank.node') as MedbankAddon };
  } catch (e) {
    return { addon: undefined, error: (e as Error).message.split('\n')[0] };
  }
}

/** The addon, or undefined where it was not built; loaded once per thread. */
export function nativeAddon(): MedbankAddon | undefined {
  loaded ??= load();
  return loaded.addon;
}

/** Why the addon could not be loaded, for error messages. */
export function nativeAddonError(): string | undefined {
  loaded ??= load();
  return loaded.error;
}
