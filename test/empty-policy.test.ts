// The empty-mask policy judges the mask as written: a structure that vanishes when resized is an empty sample.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ellipse, texture, writeImage } from '../src/fixtures/draw.js';
import { validateTree } from '../src/dataset/validate.js';
import { buildWhole, tempDir } from './helpers.js';

async function rawWithSpeck(raw: string): Promise<void> {
  const dir = path.join(raw, 'CVC-ColonDB', 'CVC-ColonDB');
  const [w, h] = [400, 300];
  // Frame 1: a 3-pixel speck, lost at 32x32 (nearest keeps 1 source pixel in 12). Frame 2: a real lesion.
  const speck = new Uint8Array(w * h);
  speck[150 * w + 201] = speck[150 * w + 202] = speck[151 * w + 201] = 255;
  await writeImage(path.join(dir, 'images', '1.png'), texture(w, h, 1), w, h, 3, 'png');
  await writeImage(path.join(dir, 'masks', '1.png'), speck, w, h, 1, 'png');
  await writeImage(path.join(dir, 'images', '2.png'), texture(w, h, 2), w, h, 3, 'png');
  await writeImage(path.join(dir, 'masks', '2.png'), ellipse(w, h, 200, 150, 60, 40), w, h, 1, 'png');
}

test('a mask that is empty after resizing is skipped by default, counted, and the tree validates clean', async (t) => {
  const raw = await tempDir(t);
  await rawWithSpeck(raw);
  const out = await tempDir(t);
  const { record } = await buildWhole({ raw, out, size: 32, workers: 1 });
  assert.deepEqual(
    record.tasks.map((x) => [x.id, x.counts.total, x.skippedEmpty]),
    [['Polyp_EN_8', 1, 1]],
  );
  assert.deepEqual((await validateTree(out, { workers: 1 })).findings, []);

  // At 1024 the speck survives the (upsampling) resize, so both frames are kept.
  const big = await tempDir(t);
  const kept = await buildWhole({ raw, out: big, size: 1024, workers: 1 });
  assert.equal(kept.record.tasks[0].counts.total, 2);
});

test('--keep-empty 1 keeps the vanished mask, written empty', async (t) => {
  const raw = await tempDir(t);
  await rawWithSpeck(raw);
  const out = await tempDir(t);
  const { record } = await buildWhole({ raw, out, size: 32, workers: 1, keepEmpty: 1 });
  assert.equal(record.tasks[0].counts.total, 2);
  assert.equal(record.tasks[0].skippedEmpty, 0);
});
