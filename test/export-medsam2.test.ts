// `medbank export --format medsam2`: numpy.load on every case; volumes line up with the tree's slices, 2D images are single frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { python, runCli } from './helpers.js';
import { assertCountsMatch, assertNoGroupLeak, fixtureTree, readExportRecord, scratchDir } from './export-helpers.js';

/**
 * MedSAM2's NPZRawDataset reads `imgs` and `gts` of each listed `<case>.npz`. Per case: shapes,
 * dtypes, label ids; per tree sample (argv[3]: key, case, frame, label id, image and mask paths): the IoU of its mask with the case's frame (resized
 * to the tree size, nearest) and the correlation of its image with the frame's grey values.
 */
const NPZ_READER = `
import sys, os, json
import numpy as np
from PIL import Image
root, tree = sys.argv[1], sys.argv[2]
labels = json.load(open(os.path.join(root, 'labels.json')))
cases = {}
for split in ('train', 'val', 'test'):
    for name in open(os.path.join(root, split + '.txt')).read().split():
        d = np.load(os.path.join(root, split, name + '.npz'))
        cases[split + '/' + name] = {'imgs': [list(d['imgs'].shape), str(d['imgs'].dtype)], 'gts': [list(d['gts'].shape), str(d['gts'].dtype)],
                                     'ids': sorted(int(v) for v in np.unique(d['gts'])), 'spacing': [float(v) for v in d['spacing']]}
out = {'cases': cases, 'labels': labels, 'samples': {}}
for key, case, frame, ident, image_path, mask_path in json.loads(sys.argv[3]):
    d = np.load(os.path.join(root, case + '.npz'))
    row_mask = np.array(Image.open(os.path.join(tree, mask_path))) > 0
    h, w = row_mask.shape
    g = np.array(Image.fromarray(((d['gts'][frame] == ident) * 255).astype(np.uint8)).resize((w, h), Image.NEAREST)) > 0
    img = np.array(Image.open(os.path.join(tree, image_path)).convert('L')).astype(float)
    f = np.array(Image.fromarray(d['imgs'][frame]).resize((w, h), Image.BILINEAR)).astype(float)
    corr = float(np.corrcoef(img.ravel(), f.ravel())[0, 1]) if img.std() and f.std() else 1.0
    out['samples'][key] = {'iou': float((g & row_mask).sum() / max(1, (g | row_mask).sum())), 'corr': corr}
print(json.dumps(out))
`;

test('medsam2 export: every case loads with numpy as (D,H,W) uint8 imgs and gts, volumes aligned with the tree slices, ids per task', async (t) => {
  const { out: tree, record, rows } = await fixtureTree();
  const out = path.join(await scratchDir('medsam2'), 'export');
  const r = await runCli(['export', tree, '--format', 'medsam2', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const exported = await readExportRecord(out);
  assertCountsMatch(exported, record);
  const labels = JSON.parse(await readFile(path.join(out, 'labels.json'), 'utf8')) as Record<string, Record<string, string>>;
  const idOf = (task: string, source: string) => Number(Object.entries(labels[source]).find(([, v]) => v === task)![0]);
  assert.deepEqual(labels, {
    BUSI: { 1: 'BreastTumor_UT_0' },
    ACDC: { 1: 'RightVentricle_MR_13', 2: 'Myocardium_MR_14', 3: 'LeftVentricle_MR_15' },
  });

  const probes = rows.map((row) => {
    const volume = typeof row.meta.volume === 'string' ? path.basename(row.meta.volume, '.nii.gz') : undefined;
    return [
      `${row.task}/${row.name}`,
      `${row.split}/${volume ?? row.name}`,
      volume ? row.slice!.index : 0,
      idOf(row.task, row.source),
      row.image,
      row.mask,
    ];
  });
  type Read = {
    cases: Record<string, { imgs: [number[], string]; gts: [number[], string]; ids: number[]; spacing: number[] }>;
    samples: Record<string, { iou: number; corr: number }>;
  };
  const read = python(t, NPZ_READER, [out, tree, JSON.stringify(probes)]) as Read | undefined;
  if (!read) return;
  const volumes = new Set(rows.filter((x) => x.meta.volume).map((x) => `${x.split}/${path.basename(String(x.meta.volume), '.nii.gz')}`));
  const frames = rows.filter((x) => !x.meta.volume).map((x) => `${x.split}/${x.name}`);
  assert.deepEqual(Object.keys(read.cases).sort(), [...volumes, ...frames].sort());
  for (const [name, c] of Object.entries(read.cases)) {
    assert.equal(c.imgs[1], 'uint8');
    assert.equal(c.gts[1], 'uint8');
    assert.deepEqual(c.imgs[0], c.gts[0], `${name}: imgs and gts shapes differ`);
    assert.equal(c.imgs[0].length, 3);
    if (volumes.has(name)) {
      assert.deepEqual(c.ids, [0, 1, 2, 3], `${name}: one id per ACDC task`);
      assert.deepEqual(c.spacing, [10, 1.5, 1.5]);
    } else assert.deepEqual(c.imgs[0], [1, 64, 64]);
  }
  const placed = new Map<string, string>();
  for (const row of rows) {
    const s = read.samples[`${row.task}/${row.name}`];
    assert.ok(s.iou > 0.9, `${row.task}/${row.name}: mask IoU with its frame ${s.iou}`);
    assert.ok(s.corr > 0.9, `${row.task}/${row.name}: image correlation with its frame ${s.corr}`);
    placed.set(`${row.task}/${row.name}`, row.split);
  }
  assertNoGroupLeak(rows, placed);
});
