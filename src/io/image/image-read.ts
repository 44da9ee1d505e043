/**
 * Decoding raw 2D files into typed arrays at their native bit depth. sharp (libvips) reads PNG,
 * JPEG and TIFF; its prebuilt libvips has no BMP loader, so BMP (REFUGE masks, CVC-ColonDB) goes
 * through ./bmp.ts. The common PNGs (8-bit, not interlaced, no palette) are decoded by the native
 * addon instead, about twice as fast (README, "Speed"). Every failure becomes an InputError naming
 * the file. Nothing is decoded before its header's size has passed the pixel bound
 * (input-limits.ts).
 */
import { access, constants, open, readFile, type FileHandle } from 'node:fs/promises';
import type { Sharp } from 'sharp';
import sharp from './sharp.js';
import { BMP_HEADER_BYTES, decodeBmp, parseBmpHeader } from './bmp.js';
import { checkPixels, DEFAULT_LIMITS, type InputLimits } from '../input-limits.js';
import { COLOUR_TYPES, parsePngHeader, PNG_HEADER_BYTES, type PngHeader } from './png-header.js';
import { decodePng } from './png-decode.js';
import { nativeAddon } from '../native-addon.js';
import { InputError } from '../../errors.js';
import type { ImageSource } from './resize.js';

export type Pixels = Uint8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

export interface RawImage {
  data: Pixels;
  width: number;
  height: number;
  channels: number;
}

/** sharp raw depth names and the typed arrays that view them. */
const DEPTH_VIEW: Record<string, (b: Buffer) => Pixels> = {
  uchar: (b) => new Uint8Array(b.buffer, b.byteOffset, b.length),
  char: (b) => new Uint8Array(b.buffer, b.byteOffset, b.length),
  ushort: (b) => new Uint16Array(b.buffer, b.byteOffset, b.length / 2),
  short: (b) => new Int16Array(b.buffer, b.byteOffset, b.length / 2),
  uint: (b) => new Uint32Array(b.buffer, b.byteOffset, b.length / 4),
  int: (b) => new Int32Array(b.buffer, b.byteOffset, b.length / 4),
  float: (b) => new Float32Array(b.buffer, b.byteOffset, b.length / 4),
  double: (b) => new Float64Array(b.buffer, b.byteOffset, b.length / 8),
};

export function isBmp(file: string): boolean {
  return file.toLowerCase().endsWith('.bmp');
}

function isPng(file: string): boolean {
  return file.toLowerCase().endsWith('.png');
}

/**
 * What to resample: decoded pixels where MedBank decodes the file itself (BMP, which libvips
 * lacks; the common PNGs, faster), else the file for libvips to read.
 */
export async function imageSource(file: string, limits: InputLimits = DEFAULT_LIMITS): Promise<ImageSource> {
  const raw = isBmp(file) ? await readBmp(file) : await readFastPng(file, limits);
  if (!raw) return { file };
  return { pixels: raw.data as Uint8Array, width: raw.width, height: raw.height, channels: raw.channels };
}

/**
 * PNGs with a longer side are left to libvips, which streams them instead of holding file and
 * pixels at once (and shrinks whole-slide images while decoding).
 */
const FAST_PNG_SIDE = 4096;

/** A PNG the addon decodes with the same samples libvips gives (tRNS, where present, is checked after reading). */
function addonDecodes(h: PngHeader): boolean {
  return h.bitDepth === 8 && h.colourType !== 3 && !h.interlaced && h.width <= FAST_PNG_SIDE && h.height <= FAST_PNG_SIDE;
}

/** The IHDR of an open file, or undefined when it does not start as a PNG. */
async function readPngHead(handle: FileHandle): Promise<PngHeader | undefined> {
  const head = new Uint8Array(PNG_HEADER_BYTES);
  const { bytesRead } = await handle.read(head, 0, head.length, 0);
  return parsePngHeader(head.subarray(0, bytesRead));
}

/**
 * A common PNG decoded by the addon (libdeflate inflates about twice as fast as libvips' zlib),
 * or undefined for libvips to decode: another format or layout, a transparent colour (libvips
 * adds an alpha band), no addon, or a file the strict decoder refuses (libvips tolerates bytes
 * after IEND, for one, and words its own errors).
 */
async function readFastPng(file: string, limits: InputLimits): Promise<RawImage | undefined> {
  if (!isPng(file) || !nativeAddon()) return undefined;
  let handle;
  try {
    handle = await open(file, 'r');
    const header = await readPngHead(handle);
    if (!header || !addonDecodes(header)) return undefined;
    checkPixels(file, header.width, header.height, limits);
    const { size } = await handle.stat();
    // Deflate never needs much more than the samples: a far larger file holds something else.
    if (size > 2 * header.width * header.height * COLOUR_TYPES[header.colourType].channels + (1 << 20)) return undefined;
    const bytes = Buffer.allocUnsafe(size);
    // One read into one buffer: FileHandle.readFile reads 512 KiB pieces and copies them together.
    let filled = 0;
    for (let n = 1; n > 0 && filled < size; filled += n) n = (await handle.read(bytes, filled, size - filled, filled)).bytesRead;
    let png;
    try {
      png = decodePng(bytes.subarray(0, filled));
    } catch {
      return undefined;
    }
    if (png.transparency || png.width !== header.width || png.height !== header.height) return undefined;
    return { data: png.data, width: png.width, height: png.height, channels: png.channels };
  } catch (e) {
    throw asInputError(file, e);
  } finally {
    await handle?.close();
  }
}

/**
 * Fails with ENOENT or EACCES before libvips sees the file: libvips reports an unreadable file as
 * "unsupported image format", which would send users looking for a format problem.
 */
async function checkReadable(file: string): Promise<void> {
  await access(file, constants.R_OK);
}

/** A smaller size to decode at, and how to resample on the way (labels need nearest). */
export interface DecodeFit {
  width: number;
  height: number;
  kernel: 'nearest' | 'linear';
}

/**
 * Native-depth decode: all bands (alpha included), no colour conversion. With `fit`, libvips
 * resamples while decoding (shrink-on-load for JPEG, streamed for the rest), still at native
 * depth, so a whole-slide image never sits in memory at full resolution. libvips refuses a header
 * above the pixel bound before it allocates.
 */
export async function readRaw(file: string, fit?: DecodeFit, limits: InputLimits = DEFAULT_LIMITS): Promise<RawImage> {
  if (!fit) {
    const png = await readFastPng(file, limits);
    if (png) return png;
  }
  if (isBmp(file)) {
    await readSize(file, limits);
    if (!fit) return readBmp(file);
    const bmp = await readBmp(file);
    return readRawFrom(sharp(bmp.data as Uint8Array, { raw: { width: bmp.width, height: bmp.height, channels: 3 } }), file, fit);
  }
  return readRawFrom(sharp(file, { failOn: 'error', limitInputPixels: limits.maxPixels }), file, fit, limits);
}

async function readRawFrom(img: Sharp, file: string, fit?: DecodeFit, limits?: InputLimits): Promise<RawImage> {
  try {
    if (!isBmp(file)) await checkReadable(file);
    const meta = await img.metadata();
    // Named in our words before libvips refuses it in its own.
    if (limits && meta.width && meta.height) checkPixels(file, meta.width, meta.height, limits);
    const depth = meta.depth ?? 'uchar';
    const view = DEPTH_VIEW[depth];
    if (!view) throw new Error(`unsupported sample format ${depth}`);
    if (fit) img = img.resize(fit.width, fit.height, { fit: 'fill', kernel: fit.kernel });
    // Keeping the file's own interpretation stops libvips from converting grey to sRGB.
    const { data, info } = await img
      .toColourspace(meta.space ?? 'srgb')
      .raw({ depth: depth as 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return { data: view(data), width: info.width, height: info.height, channels: info.channels };
  } catch (e) {
    throw asInputError(file, e);
  }
}

/** Width and height from the header only, refused above the pixel bound. */
export async function readSize(file: string, limits: InputLimits = DEFAULT_LIMITS): Promise<{ width: number; height: number }> {
  try {
    const size = isBmp(file) ? await readBmpSize(file) : await readHeaderSize(file);
    checkPixels(file, size.width, size.height, limits);
    return size;
  } catch (e) {
    throw asInputError(file, e);
  }
}

async function readHeaderSize(file: string): Promise<{ width: number; height: number }> {
  if (isPng(file)) {
    const handle = await open(file, 'r');
    try {
      const header = await readPngHead(handle);
      // Zero sizes and files that are not PNG after all are left to libvips to name.
      if (header && header.width > 0 && header.height > 0) return { width: header.width, height: header.height };
    } finally {
      await handle.close();
    }
  }
  await checkReadable(file);
  // Metadata reads the header only: no pixel is decoded, so no pixel limit is needed here.
  const meta = await sharp(file, { limitInputPixels: false }).metadata();
  if (!meta.width || !meta.height) throw new Error('no image size in header');
  return { width: meta.width, height: meta.height };
}

async function readBmpSize(file: string): Promise<{ width: number; height: number }> {
  const handle = await open(file, 'r');
  try {
    const head = new Uint8Array(BMP_HEADER_BYTES);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const { width, height } = parseBmpHeader(head.subarray(0, bytesRead));
    return { width, height };
  } finally {
    await handle.close();
  }
}

async function readBmp(file: string): Promise<RawImage> {
  try {
    const bmp = decodeBmp(await readFile(file));
    return { data: bmp.data, width: bmp.width, height: bmp.height, channels: 3 };
  } catch (e) {
    throw asInputError(file, e);
  }
}

export function asInputError(file: string, e: unknown): InputError {
  if (e instanceof InputError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') return new InputError(file, 'file not found');
  if (err?.code === 'EACCES') return new InputError(file, 'permission denied');
  if (err?.code === 'ELOOP') return new InputError(file, 'symbolic link loop: the link never reaches a file');
  // libtiff prefixes its messages with the file's absolute path: the problem names the file already.
  const msg = String(err?.message ?? e)
    .replace(/^Input file /, '')
    .split(`${file}: `)
    .join('')
    .split('\n')[0];
  return new InputError(file, `cannot decode: ${msg}`);
}

/**
 * Pillow's `convert('L')` on any decoded image: ITU-R 601 luma of the colour bands, alpha ignored,
 * wider samples scaled to 8 bits.
 */
export function toLuma(img: RawImage): Uint8Array {
  const { data, width, height, channels } = img;
  // 8-bit grey is its own luma: no copy.
  if (channels === 1 && data instanceof Uint8Array) return data;
  const n = width * height;
  const out = new Uint8Array(n);
  const scale = data instanceof Uint16Array ? 1 / 257 : 1;
  const colour = channels >= 3;
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    // Pillow's fixed-point weights (299, 587, 114 per mille) with its rounding.
    const v = colour ? (data[j] * 19595 + data[j + 1] * 38470 + data[j + 2] * 7471 + 0x8000) / 65536 : data[j];
    const s = Math.floor(v * scale);
    out[i] = s < 0 ? 0 : s > 255 ? 255 : s;
  }
  return out;
}
