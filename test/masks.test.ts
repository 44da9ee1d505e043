// Mask rules and mask statistics against plain per-pixel references (the fast paths skip zero words).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import sharp from 'sharp';
import { rng } from '../src/fixtures/draw.js';
import { evaluateMask, maskExtent } from '../src/pipeline/convert/masks.js';
import { tempDir } from './helpers.js';

function plainExtent(plane: Uint8Array, width: number, paint: number) {
  let foreground = 0;
  let bbox: [number, number, number, number] | null = null;
  for (let i = 0; i < plane.length; i++) {
    if (!plane[i]) continue;
    const x = i % width;
    const y = Math.floor(i / width);
    foreground++;
    bbox = bbox ? [Math.min(bbox[0], x), bbox[1], Math.max(bbox[2], x), y] : [x, y, x, y];
    plane[i] = paint;
  }
  return { foreground, bbox };
}

test('maskExtent: count, box and painting match a per-pixel scan for any width and buffer offset', () => {
  const rand = rng(7);
  for (let t = 0; t < 2000; t++) {
    const width = 1 + Math.floor(rand() * 23);
    const height = 1 + Math.floor(rand() * 9);
    const offset = Math.floor(rand() * 4);
    const density = rand() * 0.3;
    const plane = new Uint8Array(width * height + offset).subarray(offset);
    for (let i = 0; i < plane.length; i++) plane[i] = rand() < density ? (rand() < 0.5 ? 1 : 200) : 0;
    const expected = Uint8Array.from(plane);
    const want = plainExtent(expected, width, 255);
    assert.deepEqual(maskExtent(plane, width, 255), want, `case ${t}: ${width}x${height} at offset ${offset}`);
    assert.deepEqual(plane, expected, `case ${t}: painted pixels`);
  }
});

test('luma-above: the OR of thresholded files equals a per-pixel threshold (odd width, sparse and dense)', async (t) => {
  const raw = await tempDir(t);
  const width = 37;
  const height = 11;
  const rand = rng(3);
  const planes = [0.02, 0.6].map((density) =>
    Uint8Array.from({ length: width * height }, () => (rand() < density ? Math.floor(rand() * 256) : 0)),
  );
  for (const [i, p] of planes.entries())
    await sharp(p, { raw: { width, height, channels: 1 } })
      .png()
      .toFile(path.join(raw, `m${i}.png`));
  const { data } = await evaluateMask({ kind: 'luma-above', files: ['m0.png', 'm1.png'], above: 127 }, raw, width, height);
  assert.deepEqual(
    data,
    planes[0].map((v, i) => (v > 127 || planes[1][i] > 127 ? 1 : 0)),
  );
});
