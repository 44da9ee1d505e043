// A built tree loads with the MedBank README's own Python usage and with the SAMed2 loader's path rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { python } from './helpers.js';
import { buildTree, fixtureRaw } from './tree.js';

/** The README's usage: `np.array(Image.open(...))` on every image and mask a split file lists. */
const README_USAGE = `
import sys, os, json
from PIL import Image
import numpy as np
root = sys.argv[1]
out = {}
for task in sorted(os.listdir(root)):
    if not os.path.isdir(os.path.join(root, task, 'images')):
        continue
    for split in ('train', 'val', 'test'):
        for name in open(os.path.join(root, task, split + '.txt')).read().splitlines():
            image = np.array(Image.open(os.path.join(root, task, 'images', name)))
            mask = np.array(Image.open(os.path.join(root, task, 'masks', name)))
            out[task + '/' + name] = {
                'image': [list(image.shape), str(image.dtype)],
                'mask': [list(mask.shape), str(mask.dtype), sorted(int(v) for v in np.unique(mask))],
                'split': split,
            }
print(json.dumps(out))
`;

/** The SAMed2 data loader: lines './image/<name>.png', path = task dir + case[2:], mask = path with /image/ -> /mask/. */
const SAMED2_LOADER = `
import sys, os, json
from PIL import Image
import numpy as np
root = sys.argv[1]
out = {}
for task in sorted(os.listdir(root)):
    task_dir = os.path.join(root, task)
    if not os.path.isdir(os.path.join(task_dir, 'image')):
        continue
    for split in ('train', 'val', 'test'):
        for case in open(os.path.join(task_dir, split + '.txt')).read().splitlines():
            img_path = os.path.join(task_dir, case[2:])
            mask_path = img_path.replace('/image/', '/mask/')
            image = np.array(Image.open(img_path).convert('RGB'))
            mask = np.array(Image.open(mask_path).convert('L')) / 255.0 > 0.5
            out[task + '/' + case] = [list(image.shape), list(mask.shape), int(mask.sum())]
print(json.dumps(out))
`;

test("the README's Python usage loads every sample: (1024, 1024, 3) uint8 images, (1024, 1024) uint8 masks of {0, 255}", async (t) => {
  const { raw, dir } = await fixtureRaw(t, [['BUSI'], ['CVC-ColonDB', 'bmp300']]);
  const { rows, out } = await buildTree({ raw, out: path.join(dir, 'out') });
  type Loaded = { image: [number[], string]; mask: [number[], string, number[]]; split: string };
  const loaded = python(t, README_USAGE, [out]) as Record<string, Loaded> | undefined;
  if (!loaded) return;
  assert.equal(Object.keys(loaded).length, rows.length);
  for (const row of rows) {
    const got: Loaded | undefined = loaded[`${row.task}/${row.name}.png`];
    assert.ok(got, `${row.task}/${row.name} not listed in any split file`);
    assert.deepEqual(got.image, [[1024, 1024, 3], 'uint8']);
    assert.deepEqual(got.mask, [[1024, 1024], 'uint8', [0, 255]]);
    assert.equal(got.split, row.split);
  }
});

test("samed2 layout: './image/<name>.png' lines, the loader's case[2:] and /image/ -> /mask/ rule finds every pair", async (t) => {
  const { raw, dir } = await fixtureRaw(t, [['CVC-ClinicDB'], ['ISIC2018']]);
  const { rows, out } = await buildTree({ raw, out: path.join(dir, 'out'), size: 128, layout: 'samed2' });
  const loaded = python(t, SAMED2_LOADER, [out]) as Record<string, [number[], number[], number]> | undefined;
  if (!loaded) return;
  assert.equal(Object.keys(loaded).length, rows.length);
  for (const row of rows) {
    const got: [number[], number[], number] | undefined = loaded[`${row.task}/./image/${row.name}.png`];
    assert.ok(got, `${row.task}: no line ./image/${row.name}.png`);
    assert.deepEqual(got, [[128, 128, 3], [128, 128], row.foreground]);
  }
});
