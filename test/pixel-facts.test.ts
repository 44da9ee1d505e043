/**
 * The per-pixel facts `validate` and the build derive (difference hash, mask look-alike, mask value
 * set, foreground, box), from the addon's row-by-row decodes and its loops over decoded pixels,
 * against a plain reference written here from pngjs-decoded pixels.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import pngjs from 'pngjs';
import { inspectImage, inspectMask } from '../src/dataset/inspect.js';
import { nativeAddon } from '../src/io/native-addon.js';
import { encodePng, IMAGE_PNG } from '../src/io/image/png-write.js';
import { DHASH_COLUMNS, DHASH_ROWS, differenceHash, pixelDifferenceHash } from '../src/io/image/perceptual-hash.js';
import { noise, tempDir } from './helpers.js';

const wants = { imagePixels: true, imageHash: false, maskPixels: true, maskHash: true };

/** RGBA pixels as pngjs decodes them (it always gives four bands). */
function decodeReference(bytes: Buffer): { data: Uint8Array; width: number; height: number } {
  const png = pngjs.PNG.sync.read(bytes);
  return { data: png.data, width: png.width, height: png.height };
}

function referenceHash(data: Uint8Array, width: number, height: number, channels: number): string {
  const sums = new Float64Array(DHASH_COLUMNS * DHASH_ROWS);
  const counts = new Float64Array(sums.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const cell = Math.floor((y * DHASH_ROWS) / height) * DHASH_COLUMNS + Math.floor((x * DHASH_COLUMNS) / width);
      const i = (y * width + x) * channels;
      sums[cell] += 77 * data[i] + 150 * data[i + 1] + 29 * data[i + 2];
      counts[cell]++;
    }
  return differenceHash(sums.map((s, c) => (counts[c] ? s / counts[c] : 0)));
}

function referenceLooksLikeMask(data: Uint8Array, channels: number): boolean {
  const levels = new Set<number>();
  for (let i = 0; i < data.length; i += channels) {
    if (data[i] !== data[i + 1] || data[i] !== data[i + 2]) return false;
    levels.add(data[i]);
  }
  return levels.size <= 2;
}

function referenceMask(data: Uint8Array, width: number, height: number, channels: number) {
  const values = new Set<number>();
  let foreground = 0;
  let box: [number, number, number, number] | null = null;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const v = data[(y * width + x) * channels];
      values.add(v);
      if (!v) continue;
      foreground++;
      box = box ? [Math.min(box[0], x), Math.min(box[1], y), Math.max(box[2], x), Math.max(box[3], y)] : [x, y, x, y];
    }
  return { values: [...values].sort((a, b) => a - b), foreground, bbox: box };
}

/** A picture with gradients and grain, `channels` bands (grey repeats one value). */
function picture(width: number, height: number, channels: 1 | 3, seed: number): Uint8Array {
  const grain = noise(width * height * 3, seed);
  const out = new Uint8Array(width * height * channels);
  for (let p = 0; p < width * height; p++) {
    const x = p % width;
    const y = Math.floor(p / width);
    for (let c = 0; c < channels; c++) out[p * channels + c] = (x * 3 + y * (c + 1) + (grain[p * 3 + c] & 31)) & 255;
  }
  return out;
}

/** A 0/255 mask with a disc, a stripe and uniform rows, as tree masks are. */
function mask(width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const disc = (x - width / 2) ** 2 + (y - height / 3) ** 2 < (width / 5) ** 2;
      if (disc || (y > height - 4 && y < height - 1)) out[y * width + x] = 255;
    }
  return out;
}

test('validate facts of RGB, grey and RGBA images and of masks equal a plain reference', async (t) => {
  const dir = await tempDir(t);
  const cases: { name: string; bytes: Buffer }[] = [];
  for (const [width, height] of [
    [64, 48],
    [5, 3],
    [300, 17],
  ]) {
    for (const channels of [1, 3] as const) {
      const pixels = picture(width, height, channels, width + channels);
      cases.push({ name: `picture-${width}x${height}x${channels}`, bytes: await encodePng(pixels, width, height, channels, IMAGE_PNG) });
    }
    const m = mask(width, height);
    cases.push({ name: `mask-${width}x${height}`, bytes: await encodePng(m, width, height, 1, IMAGE_PNG) });
    // A mask-like image in RGB (two grey levels) and an RGBA picture written by pngjs with its own filters.
    const rgb = new Uint8Array(width * height * 3).map((_, i) => m[Math.floor(i / 3)]);
    cases.push({ name: `grey-rgb-${width}x${height}`, bytes: await encodePng(rgb, width, height, 3, IMAGE_PNG) });
    const rgba = new pngjs.PNG({ width, height });
    rgba.data.set(noise(width * height * 4, 7));
    cases.push({ name: `rgba-${width}x${height}`, bytes: pngjs.PNG.sync.write(rgba, { colorType: 6 }) });
  }
  for (const { name, bytes } of cases) {
    const file = path.join(dir, `${name}.png`);
    await writeFile(file, bytes);
    const { data, width, height } = decodeReference(bytes);
    const image = inspectImage(file, wants);
    assert.equal(image.error, undefined, name);
    assert.equal(image.dhash, referenceHash(data, width, height, 4), `${name}: difference hash`);
    assert.equal(image.looksLikeMask, referenceLooksLikeMask(data, 4), `${name}: looks like a mask`);
    assert.equal(pixelDifferenceHash(data, width, height, 4), image.dhash, `${name}: the build's hash of decoded pixels`);
    const facts = inspectMask(file, wants);
    assert.equal(facts.error, undefined, name);
    assert.deepEqual(
      { width: facts.width, height: facts.height, values: facts.values, foreground: facts.foreground, bbox: facts.bbox },
      { width, height, ...referenceMask(data, width, height, 4) },
      `${name}: mask facts`,
    );
  }
  assert.ok(
    cases.some((c) => referenceLooksLikeMask(decodeReference(c.bytes).data, 4)),
    'some cases look like masks',
  );
});

test('the addon refuses a stream that ends early or names an unknown row filter, saying which', async (t) => {
  const addon = nativeAddon();
  if (!addon) return t.skip('the native addon is not built (apt install gcc libdeflate-dev, then npm run build)');
  const { deflateSync } = await import('node:zlib');
  const rows = Buffer.alloc(4 * (1 + 4 * 3));
  rows[13] = 9; // the second row's filter byte
  const sums = new Float64Array(DHASH_COLUMNS * DHASH_ROWS);
  assert.throws(() => addon.pngImageFacts(deflateSync(rows), 4, 4, 3, sums, DHASH_COLUMNS, DHASH_ROWS), /unknown filter/);
  assert.throws(
    () => addon.pngMaskFacts(deflateSync(rows.subarray(0, 20)), 4, 4, 3, new Uint8Array(256), new Int32Array(4)),
    /fewer bytes than the header promises/,
  );
});
