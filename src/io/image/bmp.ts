/**
 * Windows BMP decoder for the uncompressed files REFUGE and CVC-ColonDB ship (1/4/8-bit palette,
 * 24-bit BGR, 32-bit BGRA or bitfields, bottom-up or top-down rows).
 * Hand-written because sharp's prebuilt libvips has no BMP loader, bmp-ts stores palette pixels in
 * the wrong channel order, and fast-bmp reads only V5 headers.
 */
export interface BmpImage {
  /** RGB, 3 bytes per pixel, top row first. */
  data: Uint8Array;
  width: number;
  height: number;
}

/** The fields of a BMP header that decoding needs; `width` and `height` are known before any pixel is read. */
export interface BmpHeader {
  width: number;
  height: number;
  offset: number;
  headerSize: number;
  bpp: number;
  topDown: boolean;
}

/** Bytes a BMP header (file header and the smallest info header) takes. */
export const BMP_HEADER_BYTES = 54;

export function parseBmpHeader(bytes: Uint8Array): BmpHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < BMP_HEADER_BYTES || bytes[0] !== 0x42 || bytes[1] !== 0x4d) throw new Error('not a BMP file');
  const offset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  if (headerSize < 40) throw new Error(`unsupported BMP header (${headerSize} bytes)`);
  const width = view.getInt32(18, true);
  const rawHeight = view.getInt32(22, true);
  const bpp = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  const height = Math.abs(rawHeight);
  if (width <= 0 || height === 0) throw new Error('invalid BMP size');
  if (compression !== 0 && !(compression === 3 && bpp === 32)) throw new Error(`compressed BMP (method ${compression}) is not supported`);
  if (![1, 4, 8, 24, 32].includes(bpp)) throw new Error(`unsupported BMP depth ${bpp} bits`);
  return { width, height, offset, headerSize, bpp, topDown: rawHeight < 0 };
}

export function decodeBmp(bytes: Uint8Array): BmpImage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { width, height, offset, headerSize, bpp, topDown } = parseBmpHeader(bytes);

  const stride = Math.ceil((width * bpp) / 32) * 4;
  if (offset + stride * height > bytes.length) throw new Error('truncated pixel data');

  let palette: Uint8Array | undefined;
  if (bpp <= 8) {
    const declared = view.getUint32(46, true);
    const colours = declared || 1 << bpp;
    const start = 14 + headerSize;
    if (start + colours * 4 > offset) throw new Error('palette overlaps pixel data');
    palette = new Uint8Array(colours * 3);
    for (let i = 0; i < colours; i++) {
      palette[i * 3] = bytes[start + i * 4 + 2];
      palette[i * 3 + 1] = bytes[start + i * 4 + 1];
      palette[i * 3 + 2] = bytes[start + i * 4];
    }
  }

  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = offset + (topDown ? y : height - 1 - y) * stride;
    let o = y * width * 3;
    for (let x = 0; x < width; x++, o += 3) {
      if (palette) {
        const bit = x * bpp;
        const byte = bytes[row + (bit >> 3)];
        const index = (byte >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        if (index * 3 >= palette.length) throw new Error(`palette index ${index} out of range`);
        out[o] = palette[index * 3];
        out[o + 1] = palette[index * 3 + 1];
        out[o + 2] = palette[index * 3 + 2];
      } else {
        const p = row + x * (bpp >> 3);
        out[o] = bytes[p + 2];
        out[o + 1] = bytes[p + 1];
        out[o + 2] = bytes[p];
      }
    }
  }
  return { data: out, width, height };
}

/** Minimal BMP writer (8-bit grey palette or 24-bit), used by the fixture generators. */
export function encodeBmp(data: Uint8Array, width: number, height: number, channels: 1 | 3): Uint8Array {
  const bpp = channels * 8;
  const stride = Math.ceil((width * bpp) / 32) * 4;
  const paletteBytes = channels === 1 ? 256 * 4 : 0;
  const offset = 54 + paletteBytes;
  const out = new Uint8Array(offset + stride * height);
  const view = new DataView(out.buffer);
  out[0] = 0x42;
  out[1] = 0x4d;
  view.setUint32(2, out.length, true);
  view.setUint32(10, offset, true);
  view.setUint32(14, 40, true);
  view.setInt32(18, width, true);
  view.setInt32(22, height, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, bpp, true);
  view.setUint32(34, stride * height, true);
  if (channels === 1) {
    view.setUint32(46, 256, true);
    for (let i = 0; i < 256; i++) out.set([i, i, i, 0], 54 + i * 4);
  }
  for (let y = 0; y < height; y++) {
    const row = offset + (height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * channels;
      if (channels === 1) out[row + x] = data[s];
      else {
        out[row + x * 3] = data[s + 2];
        out[row + x * 3 + 1] = data[s + 1];
        out[row + x * 3 + 2] = data[s];
      }
    }
  }
  return out;
}
