// RIM-ONE r3: stereo pairs cropped to the annotated left half, annotator option, patient grouping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import sharp from 'sharp';
import { UsageError } from '../src/errors.js';
import { RIM_MARKER } from '../src/fixtures/sources/rim-one-r3.js';
import { buildFixture, pillowMasks, rowsOf } from './source-helpers.js';

/** Pixels close to the magenta marker that fills the right half of every raw stereo image. */
async function markerPixels(file: string): Promise<number> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let n = 0;
  for (let i = 0; i < info.width * info.height; i++) {
    const [r, g, b] = [data[i * 3], data[i * 3 + 1], data[i * 3 + 2]];
    if (Math.abs(r - RIM_MARKER[0]) < 60 && Math.abs(g - RIM_MARKER[1]) < 60 && Math.abs(b - RIM_MARKER[2]) < 60) n++;
  }
  return n;
}

test('RIM-ONE r3: image and masks are cropped to the left half; the right-half marker appears nowhere', async (t) => {
  const { rows, raw, out, record, expected } = await buildFixture(t, 'RIM-ONE_r3', { size: 32 });
  assert.deepEqual(record.problems, []);
  assert.equal(rowsOf(rows, 'OpticDisc_OC_3').length, expected.OpticDisc_OC_3);
  assert.equal(rowsOf(rows, 'OpticCup_OC_4').length, expected.OpticCup_OC_4);
  for (const r of rows) {
    assert.ok((await markerPixels(path.join(raw, r.raw[0]))) > 1000, 'the raw stereo image carries the marker');
    assert.equal(await markerPixels(path.join(out, r.image)), 0, `${r.image} shows the right half`);
    assert.deepEqual(r.original, { width: 64, height: 48 });
    assert.equal(r.meta.crop, 'left-half');
    assert.equal(r.meta.annotator, 'exp1');
    assert.match(r.raw[1], /-exp1\.png$/);
  }
  const checks = (crop: 'left-half' | undefined) =>
    rows.map((r) => ({
      raw: path.join(raw, r.raw[1]),
      ours: path.join(out, r.mask),
      size: 32,
      rule: { kind: 'luma-above' as const, above: 127 },
      ...(crop ? { crop } : {}),
    }));
  const cropped = pillowMasks(t, checks('left-half'));
  if (!cropped) return;
  for (const [i, c] of cropped.entries()) assert.equal(c.diff, 0, `${rows[i].mask}: ${c.diff} pixels differ from the cropped reference`);
  // Without the crop the reference differs: the right-half blob is really in the raw masks.
  const uncropped = pillowMasks(t, checks(undefined))!;
  assert.ok(uncropped.every((c) => c.diff > 0));
});

test('RIM-ONE r3: both eyes of one patient number share a split; class and eye are recorded', async (t) => {
  const { rows } = await buildFixture(t, 'RIM-ONE_r3', { size: 32, seed: 3 });
  const disc = rowsOf(rows, 'OpticDisc_OC_3');
  const byName = Object.fromEntries(disc.map((r) => [r.name, r]));
  assert.deepEqual(Object.keys(byName).sort(), ['rimone_g_1_l', 'rimone_n_1_l', 'rimone_n_1_r', 'rimone_n_2_l', 'rimone_s_3_r']);
  assert.equal(byName.rimone_n_1_l.group, 'N-1');
  assert.equal(byName.rimone_n_1_l.split, byName.rimone_n_1_r.split);
  assert.deepEqual([byName.rimone_s_3_r.meta.class, byName.rimone_s_3_r.meta.eye], ['suspect', 'R']);
  for (const seed of [1, 2]) {
    const again = rowsOf((await buildFixture(t, 'RIM-ONE_r3', { size: 16, seed })).rows, 'OpticDisc_OC_3');
    const split = (n: string) => again.find((r) => r.name === n)!.split;
    assert.equal(split('rimone_n_1_l'), split('rimone_n_1_r'), `seed ${seed}`);
  }
});

for (const [option, suffix] of [
  ['exp2', /-exp2\.png$/],
  ['avg', /-Avg\.png$/],
  ['average', /-Avg\.png$/],
] as const) {
  test(`RIM-ONE r3: annotator=${option} takes that mask set and records it`, async (t) => {
    const { rows, raw, out, record } = await buildFixture(t, 'RIM-ONE_r3', { size: 32, sourceOptions: { annotator: option } });
    const annotator = option === 'exp2' ? 'exp2' : 'avg';
    assert.ok(rows.every((r) => suffix.test(r.raw[1]) && r.meta.annotator === annotator));
    assert.ok(record.sources[0].notes.some((n) => n.startsWith(`annotator: ${annotator}`)));
    const result = pillowMasks(
      t,
      rows.map((r) => ({
        raw: path.join(raw, r.raw[1]),
        ours: path.join(out, r.mask),
        size: 32,
        rule: { kind: 'luma-above' as const, above: 127 },
        crop: 'left-half' as const,
      })),
    );
    if (result) assert.ok(result.every((c) => c.diff === 0));
  });
}

test('RIM-ONE r3: an unknown annotator is a usage error naming the choices', async (t) => {
  await assert.rejects(
    buildFixture(t, 'RIM-ONE_r3', { size: 16, sourceOptions: { annotator: 'exp3' } }),
    (e: unknown) => e instanceof UsageError && /exp1, exp2 or avg/.test(e.message),
  );
});
