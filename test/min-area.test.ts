// --min-area: 8-connected components under a raw pixel count are removed from 2D masks and volume slices, counted per task.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { removeSmallComponents } from '../src/pipeline/convert/small-objects.js';
import { texture, writeImage } from '../src/fixtures/draw.js';
import { placeVolume, writeNiftiFile, type Dims } from '../src/fixtures/volumes.js';
import { merge } from '../src/pipeline/record/merge.js';
import { build } from '../src/pipeline/build.js';
import type { BuildRecord } from '../src/contract/build-record.js';
import { buildWhole, runCli, tempDir, treeHashes } from './helpers.js';
import { readPixels } from './tree-fixtures.js';

const W = 40;

/** A W×W 0/255 plane with the given rectangles [x, y, width, height] and single pixels [x, y]. */
function plane(rects: [number, number, number, number][], pixels: [number, number][] = []): Uint8Array {
  const p = new Uint8Array(W * W);
  for (const [x0, y0, w, h] of rects) for (let y = y0; y < y0 + h; y++) p.fill(255, y * W + x0, y * W + x0 + w);
  for (const [x, y] of pixels) p[y * W + x] = 255;
  return p;
}

test('removeSmallComponents clears components under the threshold, counting diagonal neighbours as connected', () => {
  // A 36-pixel square, a 4-pixel speck, a diagonal pair (one component with 8-connectivity) and a 10-pixel bar.
  const p = plane(
    [
      [5, 5, 6, 6],
      [30, 30, 2, 2],
      [2, 30, 2, 5],
    ],
    [
      [20, 35],
      [21, 36],
    ],
  );
  assert.deepEqual(removeSmallComponents(p, W, 10), { components: 2, pixels: 6 });
  assert.equal(
    p.reduce((n, v) => n + (v ? 1 : 0), 0),
    46,
  );
  assert.equal(p[30 * W + 30], 0);
  assert.equal(p[35 * W + 20], 0);
  assert.equal(p[5 * W + 5], 255, 'kept pixels keep their value');
  assert.equal(p[30 * W + 2], 255, 'a component of exactly the threshold is kept');
  assert.deepEqual(removeSmallComponents(p, W, 1), { components: 0, pixels: 0 }, '1 and 0 remove nothing');
});

/** BUSI images with tiny mask parts and an MSD Lung volume with tiny label parts in its slices. */
async function writeRaw(raw: string): Promise<void> {
  const dir = path.join(raw, 'BUSI', 'Dataset_BUSI_with_GT', 'benign');
  const masks: Record<string, Uint8Array> = {
    // A lesion, a 4-pixel speck and a diagonal 2-pixel sliver: 2 components (6 px) removed.
    'benign (1)': plane(
      [
        [5, 5, 6, 6],
        [30, 30, 2, 2],
      ],
      [
        [20, 35],
        [21, 36],
      ],
    ),
    // Only a 3-pixel sliver: the mask is emptied, then skipped as an empty mask.
    'benign (2)': plane([[10, 10, 3, 1]]),
    // A 10-pixel lesion: not under 10, kept.
    'benign (3)': plane([[2, 30, 2, 5]]),
  };
  let seed = 1;
  for (const [name, mask] of Object.entries(masks)) {
    await writeImage(path.join(dir, `${name}.png`), texture(W, W, seed++), W, W, 3, 'png');
    await writeImage(path.join(dir, `${name}_mask.png`), mask, W, W, 1, 'png');
  }
  const dims: Dims = [W, W, 3];
  const labels = new Uint8Array(W * W * 3);
  const at = (x: number, y: number, z: number) => x + W * (y + W * z);
  labels[at(1, 1, 0)] = labels[at(2, 1, 0)] = 1; // slice 0: 2 pixels only
  for (let y = 4; y < 10; y++) for (let x = 4; x < 9; x++) labels[at(x, y, 1)] = 1; // slice 1: 30 pixels ...
  labels[at(14, 14, 1)] = 1; // ... and a 1-pixel speck; slice 2 is empty
  const hu = Int16Array.from(labels, (v, i) => (v ? 60 : (i % 7) * 10));
  const task06 = path.join(raw, 'MSD_Lung', 'Task06_Lung');
  await writeNiftiFile(path.join(task06, 'imagesTr', 'lung_001.nii.gz'), { ...placeVolume(hu, dims, [1, 1, 1], 'ras'), type: 'int16' });
  await writeNiftiFile(path.join(task06, 'labelsTr', 'lung_001.nii.gz'), { ...placeVolume(labels, dims, [1, 1, 1], 'ras'), type: 'uint8' });
}

async function foreground(file: string): Promise<number> {
  return (await readPixels(file)).data.reduce((n, v) => n + (v ? 1 : 0), 0);
}

test('build --min-area removes small components in 2D masks and volume slices, records counts per task, and merge of shards agrees', async (t) => {
  const dir = await tempDir(t);
  const raw = path.join(dir, 'raw');
  await writeRaw(raw);
  const common = { raw, size: W, workers: 2 };

  const plain = await buildWhole({ ...common, out: path.join(dir, 'plain') });
  const task = (r: BuildRecord, id: string) => r.tasks.find((x) => x.id === id)!;
  assert.equal(plain.record.options.minArea, 0);
  assert.equal(task(plain.record, 'BreastTumor_UT_0').counts.total, 3);
  assert.deepEqual(task(plain.record, 'BreastTumor_UT_0').minArea, { px: 0, removedComponents: 0, removedPixels: 0, emptiedMasks: 0 });
  assert.equal(task(plain.record, 'LungTumor_CT_64').counts.total, 2);

  const out = path.join(dir, 'min10');
  const { record: r } = await buildWhole({ ...common, out, minArea: 10 });
  assert.equal(r.options.minArea, 10);
  const busi = task(r, 'BreastTumor_UT_0');
  assert.deepEqual(busi.minArea, { px: 10, removedComponents: 3, removedPixels: 9, emptiedMasks: 1 });
  assert.equal(busi.counts.total, 2);
  assert.equal(busi.skippedEmpty, 1);
  const lung = task(r, 'LungTumor_CT_64');
  assert.deepEqual(lung.minArea, { px: 10, removedComponents: 2, removedPixels: 3, emptiedMasks: 1 });
  assert.equal(lung.counts.total, 1);
  assert.equal(lung.skippedEmpty, 2);
  // The kept masks hold exactly the large parts (the output is at raw size, nearest-neighbour).
  assert.equal(await foreground(path.join(out, 'BreastTumor_UT_0', 'masks', 'busi_benign_1.png')), 36);
  assert.equal(await foreground(path.join(out, 'BreastTumor_UT_0', 'masks', 'busi_benign_3.png')), 10);
  assert.equal(await foreground(path.join(out, 'LungTumor_CT_64', 'masks', 'msd_lung_lung_001_slice_0001.png')), 30);
  assert.match(
    await readFile(path.join(out, 'README.md'), 'utf8'),
    /- Small objects: mask components \(8-connected, per image or slice\) under 10 raw pixels removed \(5 components; 2 masks left empty/,
  );

  // Another --min-area is another build: refused without --force, like every build option.
  const again = await runCli(['build', '--raw', raw, '--out', out, '--size', String(W), '--min-area', '20']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /was built with different options/);
  const bad = await runCli(['build', '--raw', raw, '--out', path.join(dir, 'bad'), '--min-area', '-1']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--min-area must be an integer from 0/);

  const sharded = path.join(dir, 'sharded');
  for (const index of [0, 1]) await build({ ...common, out: sharded, minArea: 10, shard: { index, count: 2 } });
  const merged = await merge(sharded);
  assert.deepEqual(merged.record.tasks, r.tasks);
  const skipState = (rel: string) => rel.startsWith('.medbank');
  assert.deepEqual(await treeHashes(sharded, skipState), await treeHashes(out, skipState));
});
