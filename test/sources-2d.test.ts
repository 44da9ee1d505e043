// The five 2D converters, built from fixtures in each native layout and from the real files in ../shared/samples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, rm, readdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { texture, writeImage } from '../src/fixtures/draw.js';
import type { ManifestRow } from '../src/contract/manifest.js';
import { catalog } from '../src/catalog/registry.js';
import { scanSource } from '../src/catalog/scan-source.js';
import { python, sharedSamples, tempDir } from './helpers.js';
import { assertForegroundMatchesPillow, assertTreeContract, buildTree, decode, fixtureRaw } from './tree.js';

const SIZE = 128;

function names(rows: ManifestRow[], split?: string): string[] {
  return rows
    .filter((r) => !split || r.split === split)
    .map((r) => r.name)
    .sort();
}

/** Flat indices of a mask file's `convert('L') > 127` pixels after a NEAREST resize to size². */
const PIL_MASK_PIXELS = `
import sys, json, numpy as np
from PIL import Image
m = (np.array(Image.open(sys.argv[1]).convert('L')) > 127).astype(np.uint8) * 255
size = int(sys.argv[2])
small = np.array(Image.fromarray(m).resize((size, size), Image.NEAREST))
print(json.dumps(np.flatnonzero(small).tolist()))
`;

test('BUSI fixture at the default 1024: BreastTumor_UT_0, busi_<class>_<n> names, union of _mask_1, empty normal skipped', async (t) => {
  const { raw, dir, expected } = await fixtureRaw(t, [['BUSI']]);
  const { record, rows, out } = await buildTree({ raw, out: path.join(dir, 'out') });
  assert.deepEqual(
    record.tasks.map((x) => x.id),
    ['BreastTumor_UT_0'],
  );
  assert.equal(rows.length, expected.BreastTumor_UT_0);
  assert.deepEqual(names(rows), [
    'busi_benign_1',
    'busi_benign_2',
    'busi_benign_3',
    'busi_benign_4',
    'busi_benign_5',
    'busi_malignant_1',
    'busi_malignant_2',
    'busi_malignant_3',
    'busi_malignant_4',
  ]);
  assert.equal(record.tasks[0].skippedEmpty, 1, 'the empty normal mask is skipped');
  assert.equal(record.problems.length, 0);
  await assertTreeContract(out, rows, { size: 1024 });
  await assertForegroundMatchesPillow(t, raw, rows);

  // benign (5): the second lesion exists only in the RGBA `_mask_1`; every one of its pixels is in the output.
  const b5 = rows.find((r) => r.name === 'busi_benign_5')!;
  assert.equal(b5.raw.length, 3);
  const extra = python(t, PIL_MASK_PIXELS, [path.join(raw, b5.raw[2]), '1024']) as number[] | undefined;
  if (!extra) return;
  assert.ok(extra.length > 1000, '_mask_1 has a lesion of its own');
  const mask = await decode(path.join(out, b5.mask));
  const missing = extra.filter((i) => mask.data[i] !== 255).length;
  assert.equal(missing, 0, `${missing} pixels of _mask_1 are missing from the union`);

  // The same picture filed as benign (1) and malignant (4): one split.
  const dup = rows.filter((r) => r.name === 'busi_benign_1' || r.name === 'busi_malignant_4');
  assert.equal(dup[0].sha256.image, dup[1].sha256.image);
  assert.equal(dup[0].split, dup[1].split, 'identical images share a split');
});

test('ISIC2018 fixture: official folders kept as train/val/test, isic2018_<id> names, .txt files ignored', async (t) => {
  const { raw, dir } = await fixtureRaw(t, [['ISIC2018']]);
  const { record, rows, out } = await buildTree({ raw, out: path.join(dir, 'out'), size: SIZE });
  assert.deepEqual(
    record.tasks.map((x) => x.id),
    ['SkinLesion_DS_5'],
  );
  assert.deepEqual(names(rows, 'train'), ['isic2018_0000000', 'isic2018_0000001', 'isic2018_0000002', 'isic2018_0000003']);
  assert.deepEqual(names(rows, 'val'), ['isic2018_0012255', 'isic2018_0012256']);
  assert.deepEqual(names(rows, 'test'), ['isic2018_0012169', 'isic2018_0012170']);
  assert.equal(record.problems.length, 0, JSON.stringify(record.problems));
  await assertTreeContract(out, rows, { size: SIZE });
  await assertForegroundMatchesPillow(t, raw, rows);
});

for (const variant of ['with-lists', 'no-lists']) {
  test(`Kvasir-SEG fixture (${variant}): thresholded JPEG masks, ${variant === 'with-lists' ? 'the official lists' : 'a seeded split'}`, async (t) => {
    const { raw, dir, expected } = await fixtureRaw(t, [['Kvasir-SEG', variant]]);
    const { record, rows, out } = await buildTree({ raw, out: path.join(dir, 'out'), size: SIZE });
    assert.deepEqual(
      record.tasks.map((x) => x.id),
      ['Polyp_EN_6'],
    );
    assert.equal(rows.length, expected.Polyp_EN_6);
    assert.ok(rows.every((r) => /^kvasir_[a-z0-9]{25}$/.test(r.name)));
    if (variant === 'with-lists') {
      assert.deepEqual(names(rows, 'val'), ['kvasir_cju0s690hkp960855tjuaqvv0', 'kvasir_cju0sr5ghl0nd08789uzf1raf']);
      // The lists are 880 train / 120 val: a seeded 20% of the train groups is carved out as test.
      assert.equal(names(rows, 'train').length, 5);
      assert.equal(names(rows, 'test').length, 1);
      assert.deepEqual(record.tasks[0].splitOrigins, { train: { official: 5 }, val: { official: 2 }, test: { carved: 1 } });
    } else {
      assert.ok(names(rows, 'train').length >= 4, 'the seeded split puts most samples in train');
    }
    await assertTreeContract(out, rows, { size: SIZE });
    await assertForegroundMatchesPillow(t, raw, rows);
  });
}

test('CVC-ClinicDB fixture: the TIF copy is used, sequences never straddle splits', async (t) => {
  const { raw, dir, expected } = await fixtureRaw(t, [['CVC-ClinicDB']]);
  const { record, rows, out } = await buildTree({ raw, out: path.join(dir, 'out'), size: SIZE });
  assert.deepEqual(
    record.tasks.map((x) => x.id),
    ['Polyp_EN_7'],
  );
  assert.equal(rows.length, expected.Polyp_EN_7);
  assert.deepEqual(
    names(rows),
    [1, 2, 3, 4, 25, 26, 27, 28, 51, 52, 67, 104].map((f) => `cvcclinicdb_${String(f).padStart(4, '0')}`),
  );
  assert.ok(
    rows.every((r) => r.raw.every((f) => f.includes('/TIF/') && f.endsWith('.tif'))),
    'raw files are the TIF copy',
  );
  const groupOf = Object.fromEntries(rows.map((r) => [r.name, r.group]));
  assert.equal(groupOf.cvcclinicdb_0025, 'sequence-01');
  assert.equal(groupOf.cvcclinicdb_0026, 'sequence-02');
  assert.equal(groupOf.cvcclinicdb_0067, 'sequence-03');
  assert.equal(groupOf.cvcclinicdb_0104, 'sequence-06');
  const splitsOfGroup = new Map<string, Set<string>>();
  for (const r of rows) splitsOfGroup.set(r.group, (splitsOfGroup.get(r.group) ?? new Set()).add(r.split));
  for (const [g, s] of splitsOfGroup) assert.equal(s.size, 1, `${g} is in ${[...s].join(' and ')}`);
  assert.ok(record.sources[0].notes.some((n) => /PNG copy is ignored/.test(n)));
  await assertTreeContract(out, rows, { size: SIZE });
  await assertForegroundMatchesPillow(t, raw, rows);
});

test('CVC-ClinicDB fixture with only the PNG copy: PNG frames are converted', async (t) => {
  const { raw, dir } = await fixtureRaw(t, [['CVC-ClinicDB']]);
  await rm(path.join(raw, 'CVC-ClinicDB', 'CVC-ClinicDB', 'TIF'), { recursive: true });
  const { rows, out } = await buildTree({ raw, out: path.join(dir, 'out'), size: SIZE });
  assert.deepEqual(names(rows), ['cvcclinicdb_0001', 'cvcclinicdb_0002', 'cvcclinicdb_0003', 'cvcclinicdb_0004']);
  assert.ok(rows.every((r) => r.raw.every((f) => f.includes('/PNG/') && f.endsWith('.png'))));
  assert.equal(new Set(rows.map((r) => r.split)).size, 1, 'one sequence, one split');
  await assertTreeContract(out, rows, { size: SIZE });
  await assertForegroundMatchesPillow(t, raw, rows);
});

test('CVC-ClinicDB: frames outside the known sequences are grouped alone and summed up in one note', async (t) => {
  const raw = await tempDir(t);
  const frames = Array.from({ length: 12 }, (_, i) => 700 + i);
  for (const f of frames) {
    for (const folder of ['Original', 'Ground Truth']) {
      await writeImage(path.join(raw, 'CVC-ClinicDB', 'PNG', folder, `${f}.png`), texture(8, 8, f), 8, 8, 3, 'png');
    }
  }
  const adapter = (await catalog()).find((s) => s.id === 'CVC-ClinicDB')!;
  const { jobs, notes } = await scanSource(adapter, { rawRoot: raw, options: {} });
  assert.deepEqual(
    jobs.map((j) => j.group),
    frames.map((f) => `frame-${f}`),
  );
  assert.deepEqual(notes.slice(1), [
    '12 frame(s) outside the 29 known sequences, each grouped alone: 700, 701, 702, 703, 704, 705, 706, 707, 708, 709, …',
  ]);
});

for (const variant of ['png380', 'bmp300']) {
  test(`CVC-ColonDB fixture (${variant})`, async (t) => {
    const { raw, dir, expected } = await fixtureRaw(t, [['CVC-ColonDB', variant]]);
    const { record, rows, out } = await buildTree({ raw, out: path.join(dir, 'out'), size: SIZE });
    assert.deepEqual(
      record.tasks.map((x) => x.id),
      ['Polyp_EN_8'],
    );
    assert.equal(rows.length, expected.Polyp_EN_8);
    assert.deepEqual(
      names(rows),
      [1, 2, 3, 4, 5, 6].map((f) => `cvccolondb_000${f}`),
    );
    const maskFile = (r: ManifestRow) => path.basename(r.raw[1]);
    if (variant === 'bmp300')
      assert.ok(
        rows.every((r) => /^p\d\.bmp$/.test(maskFile(r))),
        'polyp masks pN.bmp, not sN/cN',
      );
    else assert.ok(rows.every((r) => r.raw[1].includes('/masks/')));
    await assertTreeContract(out, rows, { size: SIZE });
    // Pillow reads the BMP masks too: the same foreground on both versions.
    await assertForegroundMatchesPillow(t, raw, rows);
  });
}

test('real BUSI samples: 1-bit, RGB and RGBA masks, benign (4) with _mask_1, empty normal mask skipped', async (t) => {
  const samples = await sharedSamples(t);
  if (!samples) return;
  const dir = await tempDir(t);
  const { record, rows, out } = await buildTree({ raw: samples, out: path.join(dir, 'out'), sources: ['BUSI'], size: 256 });
  assert.deepEqual(names(rows), ['busi_benign_1', 'busi_benign_4', 'busi_malignant_1']);
  assert.equal(record.tasks[0].skippedEmpty, 1);
  assert.equal(record.problems.length, 0, JSON.stringify(record.problems));
  await assertTreeContract(out, rows, { size: 256 });
  await assertForegroundMatchesPillow(t, samples, rows);
  const b4 = rows.find((r) => r.name === 'busi_benign_4')!;
  assert.deepEqual(
    b4.raw.map((f) => path.basename(f)),
    ['benign (4).png', 'benign (4)_mask.png', 'benign (4)_mask_1.png'],
  );
  const extra = python(t, PIL_MASK_PIXELS, [path.join(samples, b4.raw[2]), '256']) as number[] | undefined;
  if (!extra) return;
  assert.ok(extra.length > 0);
  const mask = await decode(path.join(out, b4.mask));
  assert.equal(extra.filter((i) => mask.data[i] !== 255).length, 0, '_mask_1 pixels missing from the union');
});

test('real Kvasir-SEG samples: lossy JPEG masks thresholded to {0, 255}', async (t) => {
  const samples = await sharedSamples(t);
  if (!samples) return;
  const dir = await tempDir(t);
  const { rows, out } = await buildTree({ raw: samples, out: path.join(dir, 'out'), sources: ['Kvasir-SEG'], size: 256 });
  assert.deepEqual(names(rows), [
    'kvasir_cju0qkwl35piu0993l0dewei2',
    'kvasir_cju0qoxqj9q6s0835b43399p4',
    'kvasir_cju0qx73cjw570799j4n5cjze',
  ]);
  await assertTreeContract(out, rows, { size: 256 });
  await assertForegroundMatchesPillow(t, samples, rows);
});

test('real ISIC2018 masks with generated JPEG images of the same size', async (t) => {
  const samples = await sharedSamples(t);
  if (!samples) return;
  const dir = await tempDir(t);
  const raw = path.join(dir, 'raw');
  const truthSrc = path.join(samples, 'ISIC2018', 'ISIC2018_Task1_Training_GroundTruth');
  const truth = path.join(raw, 'ISIC2018', 'ISIC2018_Task1_Training_GroundTruth');
  const input = path.join(raw, 'ISIC2018', 'ISIC2018_Task1-2_Training_Input');
  await mkdir(truth, { recursive: true });
  const ids: string[] = [];
  for (const f of (await readdir(truthSrc)).filter((n) => n.endsWith('_segmentation.png')).sort()) {
    const id = f.replace('_segmentation.png', '');
    ids.push(id);
    // A copy: a link would point outside the source folder, which the walk does not follow.
    await copyFile(path.join(truthSrc, f), path.join(truth, f));
    const { width, height } = await sharp(path.join(truthSrc, f)).metadata();
    await writeImage(path.join(input, `${id}.jpg`), texture(width!, height!, ids.length), width!, height!, 3, 'jpg');
  }
  assert.equal(ids.length, 3);
  const { record, rows, out } = await buildTree({ raw, out: path.join(dir, 'out'), size: 256 });
  assert.equal(record.problems.length, 0, JSON.stringify(record.problems));
  assert.deepEqual(
    names(rows),
    ids.map((id) => `isic2018_${id.slice(5)}`),
  );
  // Only the official training part is present: a seeded share of its groups is carved as test.
  assert.deepEqual([names(rows, 'train').length, names(rows, 'val').length, names(rows, 'test').length], [2, 0, 1]);
  await assertTreeContract(out, rows, { size: 256 });
  await assertForegroundMatchesPillow(t, raw, rows);
});
