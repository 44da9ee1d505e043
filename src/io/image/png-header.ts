/**
 * The PNG IHDR chunk (the first 33 bytes of a PNG): size, bit depth and colour type, read without
 * decoding pixels, so header-level checks of a tree cost one small read per file.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export const PNG_HEADER_BYTES = 33;
const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** PNG colour types and their channel counts. */
export const COLOUR_TYPES: Record<number, { name: string; channels: number }> = {
  0: { name: 'grey', channels: 1 },
  2: { name: 'RGB', channels: 3 },
  3: { name: 'palette', channels: 1 },
  4: { name: 'grey+alpha', channels: 2 },
  6: { name: 'RGBA', channels: 4 },
};

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  interlaced: boolean;
}

/** The header of PNG bytes, or undefined when they do not start with a PNG signature and an IHDR chunk. */
export function parsePngHeader(bytes: Uint8Array): PngHeader | undefined {
  if (bytes.length < PNG_HEADER_BYTES) return undefined;
  for (let i = 0; i < SIGNATURE.length; i++) if (bytes[i] !== SIGNATURE[i]) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (view.getUint32(8) !== 13 || String.fromCharCode(bytes[12], bytes[13], bytes[14], bytes[15]) !== 'IHDR') return undefined;
  return {
    width: view.getUint32(16),
    height: view.getUint32(20),
    bitDepth: bytes[24],
    colourType: bytes[25],
    interlaced: bytes[28] === 1,
  };
}

/** Reads only the first 33 bytes of a file (synchronously: for worker threads). */
export function readPngHeaderSync(file: string): PngHeader | undefined {
  const fd = openSync(file, 'r');
  try {
    const buffer = new Uint8Array(PNG_HEADER_BYTES);
    const bytesRead = readSync(fd, buffer, 0, PNG_HEADER_BYTES, 0);
    return parsePngHeader(buffer.subarray(0, bytesRead));
  } finally {
    closeSync(fd);
  }
}

/** "8-bit RGB", "16-bit grey", ... */
export function describePng(h: PngHeader): string {
  return `${h.bitDepth}-bit ${COLOUR_TYPES[h.colourType]?.name ?? `colour type ${h.colourType}`}`;
}
