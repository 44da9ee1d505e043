// One canonical orientation: an asymmetric "L" stored under different affines and header variants comes out as the same PNGs, image and mask aligned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import sharp from 'sharp';
import type { JobVolume } from '../src/catalog/types.js';
import { convertVolume } from '../src/pipeline/convert/convert-volume.js';
import type { ConvertOptions } from '../src/pipeline/convert/outcome.js';
import { paintL, placeVolume, VOXEL_LAYOUTS, writeNiftiFile, type Dims, type VoxelLayout } from '../src/fixtures/volumes.js';
import { tempDir } from './helpers.js';

const DIMS: Dims = [24, 24, 6];
const SPACING: Dims = [1, 1, 2];

function marker(): { hu: Int16Array; labels: Uint8Array } {
  const n = DIMS[0] * DIMS[1] * DIMS[2];
  const hu = new Int16Array(n).fill(-160);
  const labels = new Uint8Array(n);
  paintL(hu, DIMS, 240);
  paintL(labels, DIMS, 1);
  return { hu, labels };
}

interface Variant {
  layout: VoxelLayout;
  header?: { version?: 1 | 2; littleEndian?: boolean; sform?: boolean; qform?: boolean; gzip?: boolean };
}

async function convert(
  t: import('node:test').TestContext,
  v: Variant,
  size: number,
): Promise<Map<number, { image: Buffer; mask: Buffer }>> {
  const raw = await tempDir(t);
  const out = await tempDir(t);
  const { hu, labels } = marker();
  const ext = v.header?.gzip === false ? 'nii' : 'nii.gz';
  await writeNiftiFile(path.join(raw, `image.${ext}`), { ...placeVolume(hu, DIMS, SPACING, v.layout), type: 'int16', ...v.header });
  await writeNiftiFile(path.join(raw, `label.${ext}`), { ...placeVolume(labels, DIMS, SPACING, v.layout), type: 'uint8', ...v.header });
  const job: JobVolume = {
    kind: 'volume',
    source: 'TEST',
    name: 'case',
    group: 'case',
    image: `image.${ext}`,
    label: `label.${ext}`,
    slicing: 'axial',
    targets: [{ task: 'Marker_CT_99', labels: [1], intensity: { kind: 'window', level: 40, width: 400 } }],
    meta: {},
  };
  const opts: ConvertOptions = { rawRoot: raw, outDir: out, size, resize: 'stretch', layout: 'medbank', keepEmpty: 0, seed: 0, grey: true };
  const { rows } = await convertVolume(job, opts);
  const slices = new Map<number, { image: Buffer; mask: Buffer }>();
  for (const row of rows) {
    assert.equal(row.name, `case_slice_${String(row.slice!.index).padStart(4, '0')}`);
    const image = await sharp(path.join(out, row.image)).extractChannel(0).raw().toBuffer();
    const mask = await sharp(path.join(out, row.mask)).extractChannel(0).raw().toBuffer();
    // Names keep the raw index; the KiTS layout stores slices superior first, so map back to inferior-first.
    const z = v.layout === 'kits' ? DIMS[2] - 1 - row.slice!.index : row.slice!.index;
    slices.set(z, { image, mask });
  }
  return slices;
}

function lShape(mask: Buffer, size: number, z: number): void {
  const at = (r: number, c: number) => mask[r * size + c];
  // The bar runs down the image's left side, the foot along the bottom to the right, shorter in higher slices.
  assert.equal(at(2, 2), 255, 'top of the bar at the upper left');
  assert.equal(at(size - 3, 2), 255, 'corner at the lower left');
  assert.equal(at(2, size - 4), 0, 'nothing at the upper right');
  assert.equal(at(size - 3, size - 4 - z), 255, 'foot reaches toward the lower right');
  assert.equal(at(size - 3, size - 3 - z), 0, 'foot length encodes the slice');
}

test('the L marker gives identical slices under RAS, LPS, the KiTS19 axis-0 affine and an oblique sform', async (t) => {
  const reference = await convert(t, { layout: 'ras' }, 24);
  assert.deepEqual([...reference.keys()].sort(), [1, 2, 3, 4]);
  for (const [z, { image, mask }] of reference) {
    lShape(mask, 24, z);
    // Image and mask are the same picture: 240 HU is white in the soft-tissue window, -160 HU black.
    for (let i = 0; i < mask.length; i++) assert.equal(image[i], mask[i], `pixel ${i} of slice ${z}`);
  }
  for (const layout of VOXEL_LAYOUTS.filter((l) => l !== 'ras')) {
    const slices = await convert(t, { layout }, 24);
    assert.deepEqual([...slices.keys()].sort(), [1, 2, 3, 4], layout);
    for (const [z, s] of slices) {
      assert.ok(s.image.equals(reference.get(z)!.image), `${layout} image slice ${z}`);
      assert.ok(s.mask.equals(reference.get(z)!.mask), `${layout} mask slice ${z}`);
    }
  }
});

test('header variants read the same: qform only, NIfTI-2, big-endian, uncompressed', async (t) => {
  const reference = await convert(t, { layout: 'lps' }, 24);
  for (const header of [
    { sform: false },
    { version: 2 as const },
    { littleEndian: false },
    { gzip: false, version: 2 as const, littleEndian: false, sform: false },
  ]) {
    const slices = await convert(t, { layout: 'kits', header }, 24);
    for (const [z, s] of reference) {
      assert.ok(slices.get(z)?.mask.equals(s.mask), `${JSON.stringify(header)} mask slice ${z}`);
      assert.ok(slices.get(z)?.image.equals(s.image), `${JSON.stringify(header)} image slice ${z}`);
    }
  }
});

test('upsampled 24 -> 96, image and mask stay aligned (bar centre on the same columns)', async (t) => {
  const slices = await convert(t, { layout: 'oblique' }, 96);
  const { image, mask } = slices.get(2)!;
  const row = 40;
  const centre = (a: Buffer) => {
    let s = 0;
    let n = 0;
    for (let c = 0; c < 48; c++) {
      s += c * a[row * 96 + c];
      n += a[row * 96 + c];
    }
    return s / n;
  };
  assert.ok(Math.abs(centre(image) - centre(mask)) < 0.5, `image ${centre(image)} vs mask ${centre(mask)}`);
});
