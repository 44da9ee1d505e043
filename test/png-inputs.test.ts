/**
 * Raw PNG inputs the addon decodes (8-bit grey, grey+alpha, RGB, RGBA; not interlaced, no palette,
 * no tRNS) give the samples pngjs gives, and every other PNG, or one the strict decoder refuses,
 * is left to libvips and still converts.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import pngjs from 'pngjs';
import sharp from 'sharp';
import { imageSource, readRaw } from '../src/io/image/image-read.js';
import { nativeAddon } from '../src/io/native-addon.js';
import { resampleImage } from '../src/io/image/resize.js';
import { python, tempDir } from './helpers.js';

const W = 61;
const H = 37;

function rgba(seed: number): Buffer {
  const out = Buffer.alloc(W * H * 4);
  for (let i = 0; i < out.length; i++) out[i] = (i * 7 + ((i * seed) >> 3)) & 255;
  return out;
}

/** A PNG of colour type 0, 2, 4 or 6 written by pngjs from RGBA samples. */
function png(colorType: 0 | 2 | 4 | 6, data: Buffer): Buffer {
  const image = new pngjs.PNG({ width: W, height: H });
  data.copy(image.data);
  return pngjs.PNG.sync.write(image, { colorType });
}

/** The samples each colour type keeps, from pngjs's RGBA decode. */
function expected(bytes: Buffer, channels: number): number[] {
  const { data } = pngjs.PNG.sync.read(bytes);
  const keep = channels === 1 ? [0] : channels === 2 ? [0, 3] : channels === 3 ? [0, 1, 2] : [0, 1, 2, 3];
  const out: number[] = [];
  for (let p = 0; p < W * H; p++) for (const c of keep) out.push(data[p * 4 + c]);
  return out;
}

test('the addon decodes grey, grey+alpha, RGB and RGBA PNG inputs to the samples pngjs gives', async (t) => {
  if (!nativeAddon()) return t.skip('the native addon is not built (apt install gcc libdeflate-dev, then npm run build)');
  const dir = await tempDir(t);
  for (const [colorType, channels] of [
    [0, 1],
    [4, 2],
    [2, 3],
    [6, 4],
  ] as const) {
    const bytes = png(colorType, rgba(colorType + 3));
    const file = path.join(dir, `type${colorType}.png`);
    await writeFile(file, bytes);
    const source = await imageSource(file);
    assert.ok('pixels' in source, `colour type ${colorType}: decoded by the addon`);
    const raw = await readRaw(file);
    assert.equal(raw.channels, channels);
    assert.deepEqual([...raw.data], expected(bytes, channels), `colour type ${colorType}`);
  }
});

test('palette, 16-bit, tRNS and trailing-byte PNGs go to libvips and still decode', async (t) => {
  const dir = await tempDir(t);
  const rgb = await sharp(rgba(5), { raw: { width: W, height: H, channels: 4 } })
    .removeAlpha()
    .png()
    .toBuffer();
  const cases: Record<string, Buffer> = {
    palette: await sharp(rgb).png({ palette: true }).toBuffer(),
    sixteenBit: await sharp(rgb).toColourspace('rgb16').png().toBuffer(),
    // IEND is the last 12 bytes: insert a tRNS chunk (grey level 0 transparent) before it.
    trns: insertBeforeIend(png(0, rgba(9)), chunk('tRNS', Buffer.from([0, 0]))),
    trailing: Buffer.concat([rgb, Buffer.from('after the end')]),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    const file = path.join(dir, `${name}.png`);
    await writeFile(file, bytes);
    assert.deepEqual(await imageSource(file), { file }, `${name}: left to libvips`);
    const out = await resampleImage(await imageSource(file), { width: W, height: H }, 64, 64, 3);
    assert.equal(out.length, 64 * 64 * 3, name);
  }
});

test('an RGB PNG input larger than the output is resampled exactly as Pillow resizes it', async (t) => {
  if (!nativeAddon()) return t.skip('the native addon is not built (apt install gcc libdeflate-dev, then npm run build)');
  const dir = await tempDir(t);
  const file = path.join(dir, 'large.png');
  const [w, h] = [300, 170];
  const data = Buffer.alloc(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13 + (i >> 9) * 31) & 255;
  await sharp(data, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toFile(file);
  const ref = python(
    t,
    `import sys, json, numpy as np
from PIL import Image
im = Image.open(sys.argv[1]).convert('RGB').resize((128, 96), Image.BILINEAR)
print(json.dumps(np.array(im).flatten().tolist()))`,
    [file],
  ) as number[] | undefined;
  if (!ref) return;
  const out = await resampleImage(await imageSource(file), { width: w, height: h }, 128, 96, 3);
  assert.deepEqual([...out], ref);
});

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0);
  return Buffer.concat([head, data, crc]);
}

function crc32(bytes: Buffer): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c;
}

function insertBeforeIend(bytes: Buffer, extra: Buffer): Buffer {
  return Buffer.concat([bytes.subarray(0, bytes.length - 12), extra, bytes.subarray(bytes.length - 12)]);
}
