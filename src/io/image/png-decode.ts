/**
 * Full PNG decoding for checks: every chunk's bounds and CRC, IHDR first, IEND present, and the
 * whole zlib stream inflated and unfiltered, so a truncated or corrupted file is always found.
 *
 * The formats a MedBank tree holds (8-bit grey, grey+alpha, RGB, RGBA, not interlaced) take a
 * direct path: the native addon inflates (libdeflate) and unfilters in one call where it is built,
 * about three times faster than node:zlib and the 40-line unfilter below on a 1024² RGB image,
 * which remain the fallback. On the small files of a typical check either is about five times
 * faster than pngjs, whose per-call stream machinery and RGBA expansion dominate there (and sharp
 * costs more still per call). Every other PNG (palette,
 * 16-bit, interlaced, or Node older than 20.15 without zlib.crc32) goes to pngjs, returned as RGBA.
 */
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import type pngjs from 'pngjs';
import { COLOUR_TYPES, parsePngHeader } from './png-header.js';
import { DEFAULT_MAX_PIXELS } from '../input-limits.js';
import { nativeAddon } from '../native-addon.js';

export interface DecodedPng {
  width: number;
  height: number;
  /** Interleaved 8-bit samples: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. */
  channels: number;
  data: Uint8Array;
  /** A tRNS chunk marks a colour transparent: libvips then decodes an alpha band this decoder does not add. */
  transparency: boolean;
}

let pngjsModule: typeof pngjs | undefined;

const crc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

function chunkType(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

/**
 * The concatenated IDAT data, after checking the chunk structure, the CRCs (where `checkCrc` is
 * given) and that nothing follows IEND (bytes hidden after the image); and whether a tRNS chunk
 * was seen.
 */
function idatData(bytes: Uint8Array, checkCrc?: (data: Uint8Array) => number): { idat: Uint8Array; transparency: boolean } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const parts: Uint8Array[] = [];
  let transparency = false;
  let at = 8;
  for (;;) {
    if (at + 8 > bytes.length) throw new Error(`file ends at byte ${bytes.length} before the IEND chunk`);
    const length = view.getUint32(at);
    const type = chunkType(bytes, at + 4);
    const end = at + 8 + length + 4;
    if (end > bytes.length) throw new Error(`file ends inside the ${type} chunk at byte ${at}`);
    if (checkCrc && checkCrc(bytes.subarray(at + 4, at + 8 + length)) >>> 0 !== view.getUint32(at + 8 + length))
      throw new Error(`CRC error in the ${type} chunk at byte ${at}`);
    if (type === 'IDAT') parts.push(bytes.subarray(at + 8, at + 8 + length));
    if (type === 'tRNS') transparency = true;
    if (type === 'IEND') {
      if (end < bytes.length) throw new Error(`${bytes.length - end} bytes after the IEND chunk`);
      break;
    }
    at = end;
  }
  if (parts.length === 0) throw new Error('no IDAT chunk');
  return { idat: parts.length === 1 ? parts[0] : Buffer.concat(parts), transparency };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Undoes the per-row PNG filters of 8-bit samples into a packed array. */
function unfilter(raw: Uint8Array, width: number, height: number, channels: number): Uint8Array {
  const stride = width * channels;
  if (raw.length !== height * (stride + 1)) throw new Error(`image data has ${raw.length} bytes, expected ${height * (stride + 1)}`);
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride;
    for (let i = 0; i < stride; i++) {
      const x = raw[src + i];
      const a = i >= channels ? out[row + i - channels] : 0;
      const b = y > 0 ? out[prev + i] : 0;
      switch (filter) {
        case 0:
          out[row + i] = x;
          break;
        case 1:
          out[row + i] = x + a;
          break;
        case 2:
          out[row + i] = x + b;
          break;
        case 3:
          out[row + i] = x + ((a + b) >> 1);
          break;
        case 4:
          out[row + i] = x + paeth(a, b, i >= channels && y > 0 ? out[prev + i - channels] : 0);
          break;
        default:
          throw new Error(`unknown filter type ${filter} on row ${y}`);
      }
    }
  }
  return out;
}

/** The IDAT stream of a PNG the direct path decodes, after the chunk checks. */
export interface CheckedStream {
  width: number;
  height: number;
  channels: number;
  idat: Uint8Array;
  transparency: boolean;
}

/**
 * The header and chunk checks of a decode: throws what is wrong; returns the checked IDAT stream
 * where the direct path decodes the file (8-bit, no palette, not interlaced, Node with
 * zlib.crc32), undefined for pngjs. The addon's row-by-row decodes (pngImageFacts,
 * pngMaskFacts) start from it.
 */
export function checkedStream(bytes: Uint8Array): CheckedStream | undefined {
  const header = parsePngHeader(bytes);
  if (!header) throw new Error('no PNG signature and IHDR chunk');
  // pngjs allocates what IHDR declares before it inflates anything.
  if (header.width * header.height > DEFAULT_MAX_PIXELS)
    throw new Error(`IHDR declares ${header.width}x${header.height} pixels, above the bound of ${DEFAULT_MAX_PIXELS}`);
  const channels = COLOUR_TYPES[header.colourType]?.channels;
  if (!crc32 || header.bitDepth !== 8 || header.colourType === 3 || !channels || header.interlaced) return undefined;
  // The header says how many bytes the rows take: a stream that inflates further is refused there.
  return { width: header.width, height: header.height, channels, ...idatData(bytes, crc32) };
}

/** Decodes PNG bytes; throws an Error saying what is wrong with them. */
export function decodePng(bytes: Uint8Array): DecodedPng {
  const stream = checkedStream(bytes);
  if (stream) {
    const { width, height, channels, idat, transparency } = stream;
    const addon = nativeAddon();
    if (addon) return { width, height, channels, data: addon.inflatePng(idat, width, height, channels), transparency };
    const raw = zlib.inflateSync(idat, { maxOutputLength: Math.max(1, height * (width * channels + 1)) });
    return { width, height, channels, data: unfilter(raw, width, height, channels), transparency };
  }
  const { transparency } = idatData(bytes, crc32);
  // Loaded on first use: most trees never need it, and every validate worker would load it at start.
  pngjsModule ??= createRequire(import.meta.url)('pngjs') as typeof pngjs;
  const png = pngjsModule.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), { checkCRC: true });
  const data = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length);
  return { width: png.width, height: png.height, channels: 4, data, transparency };
}
