// `medbank export --format nnunet`: nnU-Net v2's dataset checks, ported, on 2D, 3D and merged datasets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { python, runCli } from './helpers.js';
import { addedShare, assertCountsMatch, assertNoGroupLeak, fixtureTree, readExportRecord, scratchDir } from './export-helpers.js';

/**
 * nnU-Net v2's verify_dataset_integrity, ported: required dataset.json keys, labels consecutive from
 * 0, images named <case>_0000<ending> exactly for the cases of labelsTr, numTraining, image and label
 * sizes (and NIfTI affines) equal, label values among the declared ones, splits_final.json fold 0
 * covering exactly the training cases; imagesTs names too. Prints what it found per dataset.
 */
const NNUNET_CHECKS = `
import sys, os, json, re
import numpy as np
from PIL import Image
import nibabel as nib
def load(f):
    if f.endswith('.nii.gz'):
        img = nib.load(f)
        return np.asarray(img.dataobj), img.affine
    return np.array(Image.open(f)), None
out = {}
root = sys.argv[1]
for ds in sorted(os.listdir(root)):
    d = os.path.join(root, ds)
    if not ds.startswith('Dataset'):
        continue
    assert re.match(r'^Dataset\\d{3}_[A-Za-z0-9_-]+$', ds), ds
    dj = json.load(open(os.path.join(d, 'dataset.json')))
    for key in ('channel_names', 'labels', 'numTraining', 'file_ending'):
        assert key in dj, ds + ': dataset.json misses ' + key
    ending = dj['file_ending']
    values = sorted(dj['labels'].values())
    assert values == list(range(len(values))), ds + ': labels not consecutive from 0'
    assert dj['labels'].get('background') == 0
    cases = sorted(f[:-len(ending)] for f in os.listdir(os.path.join(d, 'labelsTr')))
    assert len(cases) == dj['numTraining'], ds + ': numTraining'
    images = sorted(os.listdir(os.path.join(d, 'imagesTr')))
    assert images == sorted(c + '_0000' + ending for c in cases), ds + ': imagesTr names'
    seen = {}
    for c in cases:
        image, ia = load(os.path.join(d, 'imagesTr', c + '_0000' + ending))
        label, la = load(os.path.join(d, 'labelsTr', c + ending))
        assert image.shape[:label.ndim] == label.shape, ds + '/' + c + ': image and label sizes differ'
        if ia is not None:
            assert np.allclose(ia, la), ds + '/' + c + ': affines differ'
        u, n = np.unique(label, return_counts=True)
        assert set(int(v) for v in u) <= set(values), ds + '/' + c + ': unexpected labels ' + str(u)
        seen[c] = {'shape': list(image.shape), 'label': {str(int(v)): int(k) for v, k in zip(u, n)}}
    splits = json.load(open(os.path.join(d, 'splits_final.json')))
    train, val = set(splits[0]['train']), set(splits[0]['val'])
    assert not train & val, ds + ': a case in train and val of fold 0'
    assert train | val == set(cases), ds + ': splits_final does not cover exactly the training cases'
    tests = sorted(os.listdir(os.path.join(d, 'imagesTs'))) if os.path.isdir(os.path.join(d, 'imagesTs')) else []
    assert all(f.endswith('_0000' + ending) for f in tests), ds + ': imagesTs names'
    out[ds] = {'dataset': dj, 'cases': seen, 'train': sorted(train), 'val': sorted(val),
               'test': [f[:-len('_0000' + ending)] for f in tests]}
print(json.dumps(out))
`;

interface Checked {
  dataset: { labels: Record<string, number>; channel_names: Record<string, string>; file_ending: string };
  cases: Record<string, { shape: number[]; label: Record<string, number> }>;
  train: string[];
  val: string[];
  test: string[];
}

test('nnunet export: per-task datasets pass nnU-Net checks; 2D labels 0/1 with the tree foreground, 3D from the volumes, fold 0 = MedBank train/val', async (t) => {
  const { out: tree, record, rows } = await fixtureTree();
  const out = path.join(await scratchDir('nnunet'), 'export');
  const r = await runCli(['export', tree, '--format', 'nnunet', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assertCountsMatch(await readExportRecord(out), record);
  const added = await addedShare(tree, out);
  assert.ok(added < 0.05, `the export adds ${(added * 100).toFixed(1)}% of the tree's bytes`);
  assert.deepEqual((await readdir(out)).sort(), [
    'Dataset500_BreastTumor_UT_0',
    'Dataset513_RightVentricle_MR_13',
    'Dataset514_Myocardium_MR_14',
    'Dataset515_LeftVentricle_MR_15',
    'medbank-export.json',
  ]);
  const checked = python(t, NNUNET_CHECKS, [out]) as Record<string, Checked> | undefined;
  if (!checked) return;
  const busi = checked.Dataset500_BreastTumor_UT_0;
  assert.deepEqual(busi.dataset.channel_names, { 0: 'R', 1: 'G', 2: 'B' });
  assert.deepEqual(busi.dataset.labels, { background: 0, 'breast tumour': 1 });
  const busiRows = rows.filter((x) => x.task === 'BreastTumor_UT_0');
  const names = (split: string) =>
    busiRows
      .filter((x) => x.split === split)
      .map((x) => x.name)
      .sort();
  assert.deepEqual(busi.train, names('train'));
  assert.deepEqual(busi.val, names('val'));
  assert.deepEqual(busi.test, names('test'));
  for (const row of busiRows.filter((x) => x.split !== 'test')) {
    assert.deepEqual(busi.cases[row.name].shape, [64, 64, 3]);
    assert.equal(busi.cases[row.name].label['1'], row.foreground, `${row.name}: label 1 pixels`);
    assert.equal(busi.cases[row.name].label['255'], undefined);
  }
  const myo = checked.Dataset514_Myocardium_MR_14;
  assert.equal(myo.dataset.file_ending, '.nii.gz');
  assert.deepEqual(myo.dataset.channel_names, { 0: 'MRI' });
  const volumes = new Set(rows.filter((x) => x.task === 'Myocardium_MR_14').map((x) => `${x.split}:${String(x.meta.volume)}`));
  assert.equal(myo.train.length + myo.val.length + myo.test.length, volumes.size);
  for (const c of Object.values(myo.cases)) assert.deepEqual(Object.keys(c.label).sort(), ['0', '1']);
  const placed = new Map<string, string>();
  for (const row of rows) {
    const c = checked[row.task === 'BreastTumor_UT_0' ? 'Dataset500_BreastTumor_UT_0' : `Dataset51${row.task.slice(-1)}_${row.task}`];
    const name = row.slice ? path.basename(String(row.meta.volume), '.nii.gz') : row.name;
    placed.set(`${row.task}/${row.name}`, c.test.includes(name) ? 'test' : c.val.includes(name) ? 'val' : 'train');
  }
  assertNoGroupLeak(rows, placed);
});

test('nnunet --merge: one ACDC dataset with labels 0..3, per-task pixels as in the tree (2D --slices) and 3D from the label volumes', async (t) => {
  const { out: tree, record, rows } = await fixtureTree();
  const dir = await scratchDir('nnunet-merge');
  for (const slices of [true, false]) {
    const out = path.join(dir, slices ? 'slices' : 'volumes');
    const r = await runCli(['export', tree, '--format', 'nnunet', '--merge', '--out', out, ...(slices ? ['--slices'] : [])]);
    assert.equal(r.code, 0, r.stderr);
    assertCountsMatch(await readExportRecord(out), record);
    const checked = python(t, NNUNET_CHECKS, [out]) as Record<string, Checked> | undefined;
    if (!checked) return;
    assert.deepEqual(Object.keys(checked), ['Dataset500_BreastTumor_UT_0', 'Dataset513_ACDC']);
    const acdc = checked.Dataset513_ACDC;
    assert.deepEqual(acdc.dataset.labels, { background: 0, RightVentricle_MR_13: 1, Myocardium_MR_14: 2, LeftVentricle_MR_15: 3 });
    const seen = new Set(Object.values(acdc.cases).flatMap((c) => Object.keys(c.label)));
    assert.deepEqual([...seen].sort(), ['0', '1', '2', '3']);
    if (slices) {
      for (const row of rows.filter((x) => x.source === 'ACDC' && x.split !== 'test')) {
        const value = { RightVentricle_MR_13: '1', Myocardium_MR_14: '2', LeftVentricle_MR_15: '3' }[row.task]!;
        assert.equal(acdc.cases[row.name].label[value], row.foreground, `${row.task}/${row.name}`);
      }
    }
  }
});
