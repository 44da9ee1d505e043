/**
 * A candidate PNG writer measured by the encoders suite and not adopted: libdeflate (WebAssembly
 * build, npm `libdeflate`, no native code) with the Paeth row filter, which libpng's adaptive
 * heuristic picks for nearly every photographic row. On this machine it costs more CPU per image
 * than sharp's libspng + zlib-ng at level 3 with adaptive filtering for about the same bytes (the
 * WebAssembly deflate and the JavaScript filter are slower than native code), so
 * src/io/image/png-write.ts keeps sharp. Kept here so the comparison can be rerun.
 */
import { crc32 } from 'node:zlib';
import { zlib as zlibCompress } from 'libdeflate';

export interface PngSettings {
  /** libdeflate level, 1 (fastest) to 12 (smallest). */
  level: number;
  /** Row filter: Paeth for pictures (what libpng's adaptive heuristic picks for nearly every photographic row), none for masks. */
  filter: 'paeth' | 'none';
}

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** Encodes raw 8-bit samples (1 = grey, 3 = RGB) as PNG. */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3, settings: PngSettings): Buffer {
  if (pixels.length !== width * height * channels) {
    throw new Error(`encodePng: ${pixels.length} bytes is not ${width}x${height}x${channels}`);
  }
  const filtered = filterRows(pixels, width, height, channels, settings.filter);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = channels === 3 ? 2 : 0; // colour type: truecolour or greyscale
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', zlibCompress(filtered, settings.level)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Each row prefixed by its filter byte: Paeth (4) for pictures, None (0) for masks. */
function filterRows(px: Uint8Array, width: number, height: number, bpp: number, filter: PngSettings['filter']): Uint8Array {
  const stride = width * bpp;
  const out = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const row = px.subarray(y * stride, (y + 1) * stride);
    const at = y * (stride + 1);
    const dst = out.subarray(at + 1, at + 1 + stride);
    if (filter === 'none') {
      dst.set(row);
      continue;
    }
    out[at] = 4;
    if (y === 0) {
      // Without a row above, Paeth predicts from the left neighbour (it is Sub).
      for (let i = 0; i < bpp; i++) dst[i] = row[i];
      for (let i = bpp; i < stride; i++) dst[i] = row[i] - row[i - bpp];
      continue;
    }
    const up = px.subarray((y - 1) * stride, y * stride);
    for (let i = 0; i < bpp; i++) dst[i] = row[i] - up[i];
    for (let i = bpp; i < stride; i++) {
      const a = row[i - bpp];
      const b = up[i];
      const c = up[i - bpp];
      const pa = Math.abs(b - c);
      const pb = Math.abs(a - c);
      const pc = Math.abs(a + b - 2 * c);
      dst[i] = row[i] - (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
    }
  }
  return out;
}
