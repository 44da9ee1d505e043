/**
 * What validate and stats need to know about one PNG, computed in a worker: its IHDR header
 * (always), a content key for images and a sha256 where asked, and where a check needs pixels, a
 * full decode with CRC checks (so a truncated or corrupt file is found) and the facts derived from
 * the pixels: a mask's value set, foreground and bounding box; an image's perceptual hash and
 * whether it looks like a mask.
 *
 * Decoding is png-decode.ts rather than sharp: libpng accepts a file without IEND, and sharp's
 * per-call cost (0.68 ms for a 64×64 RGB PNG here) would dominate small files. Files are read
 * synchronously: this runs in worker threads that have nothing else to do, and awaiting the libuv
 * pool per file left them idle 40% of the time.
 */
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { checkedStream, decodePng } from '../io/image/png-decode.js';
import { nativeAddon } from '../io/native-addon.js';
import { parsePngHeader, readPngHeaderSync, type PngHeader } from '../io/image/png-header.js';
import { DHASH_COLUMNS, DHASH_ROWS, differenceHash, meansOfSums, nativeCells, pixelDifferenceHash } from '../io/image/perceptual-hash.js';

export interface FileFacts {
  header?: PngHeader;
  /** Why the file could not be read or decoded. */
  error?: string;
  /** The file could not be read at all (the error says why), as opposed to not decoding. */
  unreadable?: boolean;
  sha256?: string;
}

export interface ImageFacts extends FileFacts {
  /** A cheap key of the bytes, equal for identical files (see contentKey below). */
  contentKey?: string;
  /** 256-bit difference hash as 64 hex digits (see perceptual-hash.ts). */
  dhash?: string;
  /** Every pixel is grey (R = G = B) and there are at most two grey levels. */
  looksLikeMask?: boolean;
}

export interface MaskFacts extends FileFacts {
  /** Distinct values of the first channel, ascending. */
  values?: number[];
  width?: number;
  height?: number;
  /** Pixels with a non-zero value. */
  foreground?: number;
  /** [x0, y0, x1, y1], inclusive; null for an empty mask. */
  bbox?: [number, number, number, number] | null;
}

export interface InspectWants {
  /** Decode images (corruption, perceptual hash, mask look-alikes) and key their bytes. */
  imagePixels: boolean;
  /** sha256 of the image bytes (manifest hash checks, and telling files with one content key apart). */
  imageHash: boolean;
  /** Decode masks (corruption, value set, foreground, bounding box). */
  maskPixels: boolean;
  /** sha256 of the mask bytes (for manifest hash checks). */
  maskHash: boolean;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const crc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/**
 * A cheap key of a file's bytes: equal for identical files, so only files sharing one need a
 * sha256 (validate.ts, confirmCopies). For a PNG, its length and the CRC-32 fields of its chunks as
 * stored (read, not computed; the decode verifies them); for other bytes, the length and a
 * computed CRC-32 (the sha256 on Node without zlib.crc32).
 */
function contentKey(bytes: Uint8Array, header: PngHeader | undefined): string {
  if (header) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const crcs: number[] = [];
    for (let at = 8; at + 12 <= bytes.length;) {
      const end = at + 12 + view.getUint32(at);
      if (end > bytes.length) break;
      crcs.push(view.getUint32(end - 4));
      at = end;
    }
    return `png:${bytes.length}:${crcs.join('.')}`;
  }
  return crc32 ? `crc32:${bytes.length}:${crc32(bytes) >>> 0}` : `sha256:${sha256(bytes)}`;
}

function decodeError(e: unknown): string {
  return `does not decode as a PNG: ${(e as Error)?.message ?? String(e)}`;
}

function readError(e: unknown): { error: string; unreadable: true } {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return { error: 'is a symbolic link loop (ELOOP): it never reaches a file', unreadable: true };
  if (code === 'ENOENT') return { error: 'is a dangling symbolic link (ENOENT)', unreadable: true };
  return { error: `cannot be read (${code ?? (e as Error).message})`, unreadable: true };
}

/** Files up to this size are read into one buffer that the thread keeps for the next file. */
const REUSED_READ_BYTES = 64 << 20;
let readBuffer = Buffer.alloc(0);

/**
 * The file's bytes, valid until the next call: everything here uses them synchronously and keeps
 * none, so one buffer serves every file a worker reads (a fresh one per file costs its page faults).
 */
function readBytes(file: string): { bytes?: Uint8Array; error?: string; unreadable?: true } {
  try {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size > readBuffer.length) {
        const buffer = Buffer.allocUnsafe(size);
        if (size <= REUSED_READ_BYTES) readBuffer = buffer;
        return { bytes: buffer.subarray(0, readAll(fd, buffer, size)) };
      }
      return { bytes: readBuffer.subarray(0, readAll(fd, readBuffer, size)) };
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    return readError(e);
  }
}

/** Reads up to `size` bytes (fewer if the file shrank meanwhile); returns how many. */
function readAll(fd: number, buffer: Buffer, size: number): number {
  let filled = 0;
  for (let n = 1; n > 0 && filled < size; filled += n) n = readSync(fd, buffer, filled, size - filled, filled);
  return filled;
}

function headerOnly(file: string): FileFacts {
  try {
    const header = readPngHeaderSync(file);
    return header ? { header } : { error: 'is not a PNG (no PNG signature and IHDR chunk)' };
  } catch (e) {
    return readError(e);
  }
}

/**
 * Grey-level test and hash in one pass over interleaved 8-bit pixels (1 to 4 channels); the
 * native addon's loop where it is built.
 */
export function imagePixelFacts(
  data: Uint8Array,
  width: number,
  height: number,
  channels: number,
): { dhash: string; looksLikeMask: boolean } {
  const addon = nativeAddon();
  if (addon) {
    const { means, looksLikeMask } = nativeCells(addon, data, width, height, channels);
    return { dhash: differenceHash(means), looksLikeMask };
  }
  return { dhash: pixelDifferenceHash(data, width, height, channels), looksLikeMask: looksLikeMask(data, width * height, channels) };
}

/** Every pixel is grey (R = G = B) with at most two levels; stops at the first pixel that is not. */
function looksLikeMask(data: Uint8Array, pixels: number, channels: number): boolean {
  const colour = channels >= 3 ? 1 : 0;
  let levelA = -1;
  let levelB = -1;
  for (let p = 0, i = 0; p < pixels; p++, i += channels) {
    const r = data[i];
    if (r !== data[i + colour] || r !== data[i + 2 * colour]) return false;
    if (r === levelA || r === levelB) continue;
    if (levelA < 0) levelA = r;
    else if (levelB < 0) levelB = r;
    else return false;
  }
  return true;
}

/** The addon's value flags, foreground and box as MaskFacts. */
function summarise(seen: Uint8Array, foreground: number, box: Int32Array): Required<Pick<MaskFacts, 'values' | 'foreground' | 'bbox'>> {
  const values: number[] = [];
  for (let v = 0; v < 256; v++) if (seen[v]) values.push(v);
  return { values, foreground, bbox: foreground ? [box[0], box[1], box[2], box[3]] : null };
}

/** Value set, foreground count and bounding box of the first channel of interleaved 8-bit pixels (natively where built). */
export function maskPixelFacts(
  data: Uint8Array,
  width: number,
  height: number,
  channels: number,
): Required<Pick<MaskFacts, 'values' | 'foreground' | 'bbox'>> {
  const seen = new Uint8Array(256);
  const addon = nativeAddon();
  if (addon) {
    const box = new Int32Array(4);
    return summarise(seen, addon.maskFacts(data, width, height, channels, seen, box), box);
  }
  let foreground = 0;
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    let i = y * width * channels;
    for (let x = 0; x < width; x++, i += channels) {
      const v = data[i];
      seen[v] = 1;
      if (v === 0) continue;
      foreground++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  const values: number[] = [];
  for (let v = 0; v < 256; v++) if (seen[v]) values.push(v);
  return { values, foreground, bbox: foreground ? [x0, y0, x1, y1] : null };
}

/**
 * A full decode of PNG bytes (every chunk, CRC and row) and the image's facts: row by row in the
 * addon, which keeps no decoded image, where it is built and the layout allows; else from a decoded image.
 */
function decodeImageFacts(bytes: Uint8Array): { dhash: string; looksLikeMask: boolean } {
  const addon = nativeAddon();
  const stream = addon && checkedStream(bytes);
  if (addon && stream) {
    const { idat, width, height, channels } = stream;
    const cellSum = new Float64Array(DHASH_COLUMNS * DHASH_ROWS);
    const looksLikeMask = addon.pngImageFacts(idat, width, height, channels, cellSum, DHASH_COLUMNS, DHASH_ROWS);
    return { dhash: differenceHash(meansOfSums(cellSum, width, height)), looksLikeMask };
  }
  const { width, height, channels, data } = decodePng(bytes);
  return imagePixelFacts(data, width, height, channels);
}

/** The same for a mask: its size, value set, foreground and bounding box. */
function decodeMaskFacts(bytes: Uint8Array): Required<Pick<MaskFacts, 'width' | 'height' | 'values' | 'foreground' | 'bbox'>> {
  const addon = nativeAddon();
  const stream = addon && checkedStream(bytes);
  if (addon && stream) {
    const { idat, width, height, channels } = stream;
    const seen = new Uint8Array(256);
    const box = new Int32Array(4);
    const foreground = addon.pngMaskFacts(idat, width, height, channels, seen, box);
    return { width, height, ...summarise(seen, foreground, box) };
  }
  const { width, height, channels, data } = decodePng(bytes);
  return { width, height, ...maskPixelFacts(data, width, height, channels) };
}

export function inspectImage(file: string, wants: InspectWants): ImageFacts {
  if (!wants.imagePixels && !wants.imageHash) return headerOnly(file);
  const { bytes, ...failed } = readBytes(file);
  if (!bytes) return failed;
  const header = parsePngHeader(bytes);
  const facts: ImageFacts = {
    ...(header ? { header } : {}),
    contentKey: contentKey(bytes, header),
    ...(wants.imageHash ? { sha256: sha256(bytes) } : {}),
  };
  if (!header) return { ...facts, error: 'is not a PNG (no PNG signature and IHDR chunk)' };
  if (!wants.imagePixels) return facts;
  try {
    Object.assign(facts, decodeImageFacts(bytes));
  } catch (e) {
    facts.error = decodeError(e);
  }
  return facts;
}

export function inspectMask(file: string, wants: InspectWants): MaskFacts {
  if (!wants.maskPixels && !wants.maskHash) return headerOnly(file);
  const { bytes, ...failed } = readBytes(file);
  if (!bytes) return failed;
  const header = parsePngHeader(bytes);
  const facts: MaskFacts = { header, ...(wants.maskHash ? { sha256: sha256(bytes) } : {}) };
  if (!header) return { ...facts, error: 'is not a PNG (no PNG signature and IHDR chunk)' };
  if (!wants.maskPixels) return facts;
  try {
    Object.assign(facts, decodeMaskFacts(bytes));
  } catch (e) {
    facts.error = decodeError(e);
  }
  return facts;
}
