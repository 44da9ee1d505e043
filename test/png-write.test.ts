/**
 * The PNG writers: the libdeflate addon must be lossless for every size, channel count, level and
 * filter, its filter trial must pick Up for upsampled content and per-row filters for noise, and a
 * build written by the sharp fallback must hold the same pixels.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { deflateSync, inflateSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { nativeEncoder } from '../src/io/image/png-write.js';
import { bilinearResample } from '../src/io/image/pillow-bilinear.js';
import type { MedbankAddon } from '../src/io/native-addon.js';
import { readManifest } from '../src/dataset/open.js';
import { noise, python, runCli, tempDir } from './helpers.js';
import { fixtureRaw } from './tree.js';

function addon(t: TestContext): MedbankAddon | undefined {
  const native = nativeEncoder();
  if (!native) t.skip('the libdeflate PNG addon is not built (apt install gcc libdeflate-dev, then npm run build)');
  return native;
}

/** The filter type byte of each row, read back from the IDAT stream. */
function rowFilters(png: Buffer, rowBytes: number): number[] {
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length;) {
    const len = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + len));
    at += len + 12;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const filters: number[] = [];
  for (let at = 0; at < raw.length; at += rowBytes + 1) filters.push(raw[at]);
  return filters;
}

test('libdeflate addon: lossless for odd sizes, 1 and 3 channels, every level and filter', async (t) => {
  const native = addon(t);
  if (!native) return;
  const sizes = [
    [1, 1],
    [3, 2],
    [17, 5],
    [1030, 7],
    [5, 300],
  ];
  let cases = 0;
  for (const [width, height] of sizes) {
    for (const channels of [1, 3] as const) {
      const pixels = noise(width * height * channels, width * 31 + height + channels);
      // Half smooth, half noise, so every row filter has something to win.
      for (let i = 0; i < pixels.length / 2; i++) pixels[i] = (i * 7) & 255;
      for (const level of [0, 1, 3, 6, 12]) {
        for (const filter of ['none', 'up', 'auto']) {
          const png = await native.encodePng(pixels, width, height, channels, level, filter);
          const meta = await sharp(png).metadata();
          assert.deepEqual([meta.width, meta.height, meta.channels], [width, height, channels], `${width}x${height}x${channels}`);
          // sharp hands a one-band PNG back as RGB unless asked for b-w.
          const data = await (channels === 1 ? sharp(png).toColourspace('b-w') : sharp(png)).raw().toBuffer();
          assert.ok(Buffer.from(pixels).equals(data), `${width}x${height}x${channels} L${level} ${filter}: pixels differ`);
          cases++;
        }
      }
    }
  }
  assert.equal(cases, 150);
});

test('libdeflate addon: Pillow reads its PNGs as L and RGB with the same pixels', async (t) => {
  const native = addon(t);
  if (!native) return;
  const dir = await tempDir(t);
  const grey = noise(64 * 48, 7);
  const rgb = noise(64 * 48 * 3, 8);
  await writeFile(path.join(dir, 'grey.png'), await native.encodePng(grey, 64, 48, 1, 3, 'auto'));
  await writeFile(path.join(dir, 'rgb.png'), await native.encodePng(rgb, 64, 48, 3, 3, 'auto'));
  const read = python(
    t,
    `import sys, json, hashlib
from PIL import Image
out = {}
for name in ('grey', 'rgb'):
    im = Image.open(f'{sys.argv[1]}/{name}.png'); im.load()
    out[name] = [im.mode, im.size[0], im.size[1], hashlib.sha256(im.tobytes()).hexdigest()]
print(json.dumps(out))`,
    [dir],
  ) as Record<string, [string, number, number, string]> | undefined;
  if (!read) return;
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  assert.deepEqual(read.grey, ['L', 64, 48, sha(grey)]);
  assert.deepEqual(read.rgb, ['RGB', 64, 48, sha(rgb)]);
});

test('libdeflate addon: the filter trial picks Up for upsampled content and per-row filters for grain', async (t) => {
  const native = addon(t);
  if (!native) return;
  // A bilinear 4x upsample repeats its Up residue from row to row, which deflate finds and a
  // sum-of-differences heuristic does not.
  const upsampled = bilinearResample(noise(64 * 64 * 3, 3), 64, 64, 3, 256, 256);
  const up = rowFilters(await native.encodePng(upsampled, 256, 256, 3, 3, 'auto'), 256 * 3);
  assert.equal(up.length, 256);
  assert.deepEqual([...new Set(up.slice(1))], [2], 'every row after the first uses Up');
  // Rows that are independent random walks: Sub predicts each step, Up sees two unrelated rows.
  const steps = noise(256 * 256, 11);
  const ramp = new Uint8Array(256 * 256);
  for (let i = 0; i < ramp.length; i++) ramp[i] = i % 256 === 0 ? steps[i] : (ramp[i - 1] + (steps[i] % 5) - 2) & 255;
  const mixed = rowFilters(await native.encodePng(ramp, 256, 256, 1, 3, 'auto'), 256);
  assert.ok(mixed.filter((f) => f !== 2).length > 200, `per-row filters expected, got ${mixed.slice(0, 12).join(',')}...`);
  assert.deepEqual(
    rowFilters(await native.encodePng(ramp, 256, 256, 1, 3, 'none'), 256).filter((f) => f !== 0),
    [],
  );
});

test('IMAGE_PNG: images are deflated by the addon at level 1 with the Up-or-heuristic filter trial', async (t) => {
  const native = addon(t);
  if (!native) return;
  const texture = bilinearResample(noise(32 * 32 * 3, 5), 32, 32, 3, 256, 256);
  const picture = texture.map((v, i) => ((Math.floor(i / 768) + (i % 768) / 3) >> 1) + (v >> 4));
  const { IMAGE_PNG, encodePng } = await import('../src/io/image/png-write.js');
  const written = await encodePng(picture, 256, 256, 3, IMAGE_PNG);
  assert.ok(written.equals(await native.encodePng(picture, 256, 256, 3, 1, 'auto')), 'the bytes of level 1, auto');
  assert.ok(!written.equals(await native.encodePng(picture, 256, 256, 3, 2, 'auto')), 'levels 1 and 2 differ on this picture');
});

test('libdeflate addon: inflatePng gives back the pixels of every filter and rejects short or corrupt data', async (t) => {
  const native = addon(t);
  if (!native) return;
  const { decodePng } = await import('../src/io/image/png-decode.js');
  for (const channels of [1, 3] as const) {
    const pixels = noise(41 * 23 * channels, channels);
    for (let i = 0; i < pixels.length / 2; i++) pixels[i] = (i * 5) & 255;
    for (const filter of ['none', 'up', 'auto']) {
      const png = await native.encodePng(pixels, 41, 23, channels, 3, filter);
      const decoded = decodePng(png);
      assert.deepEqual([decoded.width, decoded.height, decoded.channels], [41, 23, channels]);
      assert.ok(Buffer.from(pixels).equals(decoded.data), `${channels} channel(s), ${filter}`);
    }
  }
  const idat = deflateSync(Buffer.alloc(4 * (1 + 4 * 3)));
  assert.deepEqual([...native.inflatePng(idat, 4, 4, 3)], new Array(48).fill(0));
  assert.throws(() => native.inflatePng(idat, 4, 5, 3), /inflates to fewer bytes than the header promises/);
  assert.throws(() => native.inflatePng(idat, 4, 3, 3), /inflates to more bytes than the header promises/);
  assert.throws(() => native.inflatePng(idat.subarray(0, idat.length - 6), 4, 4, 3), /not a valid zlib stream|fewer bytes/);
  const badFilter = Buffer.alloc(4 * 13);
  badFilter[13] = 7;
  assert.throws(() => native.inflatePng(deflateSync(badFilter), 4, 4, 3), /unknown filter type/);
});

test('libdeflate addon: bad arguments are errors that say what is wrong', (t) => {
  const native = addon(t);
  if (!native) return;
  assert.throws(() => native.encodePng(new Uint8Array(10), 4, 4, 1, 3, 'auto'), /pixel count does not match width x height x channels/);
  assert.throws(() => native.encodePng(new Uint8Array(16), 4, 4, 1, 3, 'paeth'), /filter must be none, up or auto/);
  assert.throws(() => native.encodePng(new Uint8Array(32), 4, 4, 2, 3, 'auto'), /bad width, height, channels or level/);
  assert.throws(() => native.encodePng(new Uint8Array(16), 4, 4, 1, 13, 'auto'), /bad width, height, channels or level/);
});

test('build: the sharp fallback writes the same pixels, records its encoder, and a bad choice is a usage error', async (t) => {
  const native = addon(t);
  if (!native) return;
  const { raw, dir } = await fixtureRaw(t, [['BUSI'], ['ACDC']]);
  const outs: Record<string, string> = {};
  for (const encoder of ['libdeflate', 'sharp']) {
    outs[encoder] = path.join(dir, encoder);
    const r = await runCli(['build', '--raw', raw, '--out', outs[encoder], '--size', '64', '--quiet'], { MEDBANK_PNG_ENCODER: encoder });
    assert.equal(r.code, 0, r.stderr);
  }
  const record = async (out: string) => JSON.parse(await readFile(path.join(out, 'medbank.json'), 'utf8')).tool.pngEncoder as string;
  assert.equal(await record(outs.libdeflate), native.pngEncoderVersion());
  assert.match(await record(outs.sharp), /^sharp \d+\.\d+\.\d+ \(zlib-ng\)$/);
  const rows = await readManifest(outs.libdeflate);
  const other = new Map((await readManifest(outs.sharp)).map((r) => [r.image, r]));
  assert.ok(rows.length > 20);
  let differentBytes = 0;
  for (const row of rows) {
    assert.ok(other.has(row.image), row.image);
    for (const file of [row.image, row.mask]) {
      const [a, b] = await Promise.all([outs.libdeflate, outs.sharp].map((o) => readFile(path.join(o, file))));
      if (!a.equals(b)) differentBytes++;
      const [pa, pb] = await Promise.all([a, b].map((png) => sharp(png).raw().toBuffer()));
      assert.ok(pa.equals(pb), `${file}: pixels differ between encoders`);
    }
  }
  assert.ok(differentBytes > 0, 'the two encoders were not both used');

  const bad = await runCli(['build', '--raw', raw, '--out', path.join(dir, 'bad'), '--quiet'], { MEDBANK_PNG_ENCODER: 'zopfli' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /MEDBANK_PNG_ENCODER must be libdeflate or sharp, not "zopfli"/);
  assert.doesNotMatch(bad.stderr, /at .*\.js:\d+/);
});
