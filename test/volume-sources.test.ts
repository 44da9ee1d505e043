// The seven volumetric sources from their native-layout fixtures: counts, slice names, patient splits, junk skipped, --keep-3d, window overrides, MetaImage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { validateTree } from '../src/dataset/validate.js';
import type { BuildRecord } from '../src/contract/build-record.js';
import { fixtureFor } from '../src/fixtures/registry.js';
import { readVolume } from '../src/io/volume/read-volume.js';
import { python, sharedSamples, tempDir, buildWhole } from './helpers.js';
import { readManifest } from '../src/dataset/open.js';

const VOLUMETRIC = ['ACDC', 'CAMUS', 'BTCV', 'LiTS', 'KiTS19', 'AMOS', 'MSD_Lung'];

/** The tree validates clean (hashes included) and every task holds the samples its fixture promised. */
async function assertSound(out: string, record: BuildRecord, expected: Record<string, number>): Promise<void> {
  const report = await validateTree(out, { deep: true, workers: 1 });
  assert.deepEqual(report.findings, []);
  assert.deepEqual(Object.fromEntries(record.tasks.map((t) => [t.id, t.counts.total])), expected);
}

test('every volumetric fixture builds with its expected slice counts, names and patient-level splits', async (t) => {
  const raw = await tempDir(t);
  const out = await tempDir(t);
  const expected: Record<string, number> = {};
  for (const source of VOLUMETRIC) Object.assign(expected, await (await fixtureFor(source)).generate(raw));
  const { record } = await buildWhole({ raw, out, sources: VOLUMETRIC, size: 64, workers: 2 });
  assert.deepEqual(record.problems, []);
  await assertSound(out, record, expected);
  const rows = await readManifest(out);
  for (const r of rows) {
    if (r.source === 'CAMUS') assert.match(r.name, /^camus_patient\d{4}_[24]ch_e[ds]$/);
    else assert.match(r.name, new RegExp(`^${r.source.toLowerCase()}_[a-z0-9_]+_slice_\\d{4}$`), r.name);
    if (r.slice) assert.ok(r.name.endsWith(`_slice_${String(r.slice.index).padStart(4, '0')}`));
  }
  const splitsOf = (source: string) => {
    const byGroup = new Map<string, Set<string>>();
    for (const r of rows.filter((x) => x.source === source)) byGroup.set(r.group, (byGroup.get(r.group) ?? new Set()).add(r.split));
    for (const [g, s] of byGroup) assert.equal(s.size, 1, `${source} ${g} in ${[...s]}`);
    return new Map([...byGroup].map(([g, s]) => [g, [...s][0]]));
  };
  assert.equal(splitsOf('ACDC').get('patient101'), 'test');
  assert.ok(
    rows.some((r) => r.group === 'patient001' && r.meta.phase === 'ED') &&
      rows.some((r) => r.group === 'patient001' && r.meta.phase === 'ES'),
  );
  assert.deepEqual(Object.fromEntries(splitsOf('CAMUS')), {
    patient0001: 'train',
    patient0002: 'train',
    patient0003: 'val',
    patient0004: 'test',
  });
  // Tr -> train, Va -> val; no labelled test part, so one of each modality's two train cases is carved out as test.
  assert.deepEqual(Object.fromEntries(splitsOf('AMOS')), {
    amos_0001: 'train',
    amos_0005: 'test',
    amos_0540: 'test',
    amos_0541: 'train',
    amos_0008: 'val',
    amos_0555: 'val',
  });
  for (const task of record.tasks.filter((x) => x.source === 'AMOS'))
    assert.deepEqual(
      Object.values(task.splitOrigins).map((o) => Object.keys(o)),
      [['official'], ['official'], ['carved']],
      task.id,
    );
  splitsOf('BTCV');
  splitsOf('MSD_Lung');
  // AMOS MRI cases feed only the MR tasks, CT cases only the CT tasks.
  for (const r of rows.filter((x) => x.source === 'AMOS'))
    assert.equal(r.task.includes('_MR_'), r.meta.modality === 'MRI', `${r.task} ${r.name}`);
  const btcvNotes = record.sources.find((s) => s.id === 'BTCV')!.notes.join(' ');
  assert.match(btcvNotes, /ids 1-3, 21-22/);
  assert.match(btcvNotes, /1 test volumes without labels ignored/);
  const liver = rows.find((r) => r.task === 'Liver_CT_32')!;
  assert.deepEqual(liver.intensity, { kind: 'window', level: 40, width: 400 });
  assert.deepEqual(rows.find((r) => r.task === 'LungTumor_CT_64')!.window, { level: -600, width: 1500 });
  const mr = rows.find((r) => r.task === 'LeftVentricle_MR_15')!;
  assert.equal(mr.intensity.kind, 'percentile-volume');
  assert.equal(mr.slice?.axis, 'short-axis');
  assert.deepEqual(liver.raw.length, 2);
  assert.ok(record.tasks.find((x) => x.id === 'LungTumor_CT_64')!.skippedEmpty > 0, 'empty slices are counted per task');
});

test('CAMUS 2019 MetaImage release (.mhd + .raw, no split files) builds the same frames', async (t) => {
  const raw = await tempDir(t);
  const out = await tempDir(t);
  const expected = await (await fixtureFor('CAMUS')).generate(raw, 'mhd');
  const { record } = await buildWhole({ raw, out, sources: ['CAMUS'], size: 64, workers: 1 });
  assert.deepEqual(record.problems, []);
  await assertSound(out, record, expected);
  const rows = await readManifest(out);
  assert.ok(rows.every((r) => r.meta.format === 'mhd'));
  assert.equal(rows.find((r) => r.group === 'patient0004')!.split, 'test');
});

test('--keep-3d writes RAS+ NIfTI volumes and 0/1 labels that nibabel reads back', async (t) => {
  const raw = await tempDir(t);
  const out = await tempDir(t);
  await (await fixtureFor('KiTS19')).generate(raw);
  await buildWhole({ raw, out, sources: ['KiTS19'], size: 32, workers: 1, keep3d: true });
  const rows = await readManifest(out);
  const row = rows.find((r) => r.task === 'Kidney_CT_34')!;
  assert.equal(row.meta.volume, 'Kidney_CT_34/volumes/images/kits19_case_00000.nii.gz');
  const image = path.join(out, row.meta.volume as string);
  const label = path.join(out, row.meta.volumeLabel as string);
  const ref = python(
    t,
    `import sys, json, numpy as np
try:
    import nibabel as nib
except ImportError:
    print('null'); sys.exit()
img, lab, src = nib.load(sys.argv[1]), nib.load(sys.argv[2]), nib.load(sys.argv[3])
can = nib.as_closest_canonical(src)
print(json.dumps({'codes': ''.join(nib.aff2axcodes(img.affine)), 'same': bool(np.array_equal(img.get_fdata(), can.get_fdata())),
  'affine': bool(np.allclose(img.affine, can.affine, atol=1e-4)), 'values': sorted(np.unique(np.asanyarray(lab.dataobj)).tolist()),
  'shape': list(lab.shape) == list(img.shape)}))`,
    [image, label, path.join(raw, 'KiTS19', 'kits19', 'data', 'case_00000', 'imaging.nii.gz')],
  ) as { codes: string; same: boolean; affine: boolean; values: number[]; shape: boolean } | null | undefined;
  if (ref === null) return t.skip('python3-nibabel is not installed: --keep-3d read-back skipped');
  if (!ref) return;
  assert.deepEqual(ref, { codes: 'RAS', same: true, affine: true, values: [0, 1], shape: true });
});

test('a CT window is overridable per task and recorded', async (t) => {
  const raw = await tempDir(t);
  const out = await tempDir(t);
  await (await fixtureFor('LiTS')).generate(raw);
  await buildWhole({ raw, out, sources: ['LiTS'], size: 32, workers: 1, sourceOptions: { 'window.Liver_CT_32': '60,300' } });
  const rows = await readManifest(out);
  assert.ok(rows.filter((r) => r.task === 'Liver_CT_32').every((r) => r.window?.level === 60 && r.window.width === 300));
  assert.ok(rows.filter((r) => r.task === 'LiverTumor_CT_33').every((r) => r.window?.level === 40 && r.window.width === 400));
});

test('detached MetaImage data (.mhd + .raw, .mha + .raw) read as ITK stores them', async (t) => {
  const samples = await sharedSamples(t);
  if (!samples) return;
  const mhd = await readVolume(path.join(samples, 'volumes', 'BrainProtonDensitySliceBorder20.mhd'), 'BrainProtonDensitySliceBorder20.mhd');
  assert.deepEqual(mhd.dims, [221, 257, 1]);
  const rawBytes = await readFile(path.join(samples, 'volumes', 'BrainProtonDensitySliceBorder20.raw'));
  assert.ok(Buffer.from(mhd.data.buffer, mhd.data.byteOffset, mhd.data.byteLength).equals(rawBytes));
  const mha = await readVolume(path.join(samples, 'volumes', 'BrainProtonDensity3Slices.mha'), 'BrainProtonDensity3Slices.mha');
  assert.deepEqual(mha.dims, [181, 217, 3]);
  assert.equal(mha.data.length, (await readFile(path.join(samples, 'volumes', 'BrainProtonDensity3Slices.raw'))).length);
  // ITK's identity direction is LPS: in RAS+ the first two axes point to -x and -y.
  assert.deepEqual(
    mha.affine.slice(0, 3).map((r) => r.slice(0, 3).map((v) => v + 0)),
    [
      [-1, 0, 0],
      [0, -1, 0],
      [0, 0, 1],
    ],
  );
});
