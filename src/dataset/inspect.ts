/**
 * What validate and stats need to know about one PNG, computed in a worker: its IHDR header
 * (always), its sha256, and where a check needs pixels, a full decode with CRC checks (so a
 * truncated or corrupt file is found) and the facts derived from the pixels: a mask's value set,
 * foreground and bounding box; an image's perceptual hash and whether it looks like a mask.
 *
 * Decoding is png-decode.ts rather than sharp: libpng accepts a file without IEND, and sharp's
 * per-call cost (0.68 ms for a 64×64 RGB PNG here) would dominate small files. Files are read
 * synchronously: this runs in worker threads that have nothing else to do, and awaiting the libuv
 * pool per file left them idle 40% of the time.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decodePng } from '../io/png-decode.js';
import { nativeAddon } from '../io/native-addon.js';
import { parsePngHeader, readPngHeaderSync, type PngHeader } from '../io/png-header.js';
import { DHASH_COLUMNS, DHASH_ROWS, differenceHash, pixelDifferenceHash } from '../io/perceptual-hash.js';

export interface FileFacts {
  header?: PngHeader;
  /** Why the file could not be read or decoded. */
  error?: string;
  /** The file could not be read at all (the error says why), as opposed to not decoding. */
  unreadable?: boolean;
  sha256?: string;
}

export interface ImageFacts extends FileFacts {
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
  /** Decode images (corruption, perceptual hash, mask look-alikes) and hash their bytes. */
  imagePixels: boolean;
  /** Decode masks (corruption, value set, foreground, bounding box). */
  maskPixels: boolean;
  /** sha256 of the mask bytes (for manifest hash checks). */
  maskHash: boolean;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
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

function readBytes(file: string): { bytes?: Uint8Array; error?: string; unreadable?: true } {
  try {
    return { bytes: readFileSync(file) };
  } catch (e) {
    return readError(e);
  }
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
 * native addon's loop where it is built (native/pixel-facts.c: the same sums, a sixth of the time).
 */
export function imagePixelFacts(
  data: Uint8Array,
  width: number,
  height: number,
  channels: number,
): { dhash: string; looksLikeMask: boolean } {
  const addon = nativeAddon();
  if (addon) {
    const cellSum = new Float64Array(DHASH_COLUMNS * DHASH_ROWS);
    const looksLikeMask = addon.imageCells(data, width, height, channels, cellSum, DHASH_COLUMNS, DHASH_ROWS);
    // A cell's pixel count follows from the grid: the columns of its x range times the rows of its y range.
    const across = new Uint32Array(DHASH_COLUMNS);
    const down = new Uint32Array(DHASH_ROWS);
    for (let x = 0; x < width; x++) across[Math.floor((x * DHASH_COLUMNS) / width)]++;
    for (let y = 0; y < height; y++) down[Math.floor((y * DHASH_ROWS) / height)]++;
    const means = cellSum.map((sum, c) => {
      const count = down[Math.floor(c / DHASH_COLUMNS)] * across[c % DHASH_COLUMNS];
      return count ? sum / count : 0;
    });
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
    const foreground = addon.maskFacts(data, width, height, channels, seen, box);
    const values: number[] = [];
    for (let v = 0; v < 256; v++) if (seen[v]) values.push(v);
    return { values, foreground, bbox: foreground ? [box[0], box[1], box[2], box[3]] : null };
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

export function inspectImage(file: string, wants: InspectWants): ImageFacts {
  if (!wants.imagePixels) return headerOnly(file);
  const { bytes, ...failed } = readBytes(file);
  if (!bytes) return failed;
  const header = parsePngHeader(bytes);
  if (!header) return { error: 'is not a PNG (no PNG signature and IHDR chunk)', sha256: sha256(bytes) };
  const facts: ImageFacts = { header, sha256: sha256(bytes) };
  try {
    const { width, height, channels, data } = decodePng(bytes);
    Object.assign(facts, imagePixelFacts(data, width, height, channels));
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
    const { width, height, channels, data } = decodePng(bytes);
    Object.assign(facts, { width, height }, maskPixelFacts(data, width, height, channels));
  } catch (e) {
    facts.error = decodeError(e);
  }
  return facts;
}
