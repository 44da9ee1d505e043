// PlantDoc: masks are the filled union of VOC/CSV boxes, flagged as box annotations; odd web names sanitised; val carved from TRAIN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { python } from './helpers.js';
import { buildFixture, rowsOf } from './source-helpers.js';
import { PLANT_CASES } from '../src/fixtures/sources/plantdoc.js';
import { baseKey } from '../src/catalog/sources/plantdoc.js';

/** Pillow reference: VOC corners (1-based, inclusive) filled on a numpy plane, inverted boxes skipped, resized with NEAREST. */
const PY_BOXES = `
import sys, json, numpy as np
from PIL import Image
out = []
for w, h, boxes, ours, size in json.loads(sys.argv[1]):
    a = np.zeros((h, w), np.uint8)
    for x0, y0, x1, y1 in boxes:
        if x1 >= x0 and y1 >= y0: a[max(0, y0 - 1):y1, max(0, x0 - 1):x1] = 255
    ref = np.array(Image.fromarray(a).resize((size, size), Image.NEAREST)) > 0
    got = np.array(Image.open(ours)) > 0
    out.append({'ref': int(ref.sum()), 'native': int((a > 0).sum()), 'diff': int((ref != got).sum())})
print(json.dumps(out))
`;

const NAMES: Record<string, string> = {
  'Apple_leaf_1.jpg': 'plantdoc_apple_leaf_1',
  'Tomato%20leaf%20mosaic.jpg': 'plantdoc_tomato_leaf_mosaic',
  'corn-leaf.jpg?w=640&h=480': 'plantdoc_corn_leaf',
  '2012-08-23 14.13.14.jpg.jpg': 'plantdoc_2012_08_23_14_13_14',
  'Squash_Powdery_mildew.jpg': 'plantdoc_squash_powdery_mildew',
  'Bell_pepper_spot.jpg': 'plantdoc_bell_pepper_spot',
  'grape, black rot.jpg': 'plantdoc_grape_black_rot',
};

test('PlantDoc: URL-encoded, query-string and double-extension names are decoded and sanitised', () => {
  assert.equal(baseKey('Tomato%20leaf%20mosaic.jpg'), 'tomato leaf mosaic');
  assert.equal(baseKey('corn-leaf.jpg?w=640&h=480'), 'corn-leaf');
  assert.equal(baseKey('corn-leaf.jpg%3Fw%3D640'), 'corn-leaf');
  assert.equal(baseKey('2012-08-23 14.13.14.jpg.xml'), '2012-08-23 14.13.14');
  assert.equal(baseKey('100%.jpg'), '100%');
});

test('PlantDoc: filled union of overlapping boxes, VOC first then CSV, TEST is test and val comes from TRAIN', async (t) => {
  const size = 40;
  const { rows, record, out, expected } = await buildFixture(t, 'PlantDoc', { size, seed: 1 });
  assert.deepEqual(record.problems, []);
  const leaf = rowsOf(rows, 'Leaf_PH_12');
  assert.equal(leaf.length, expected.Leaf_PH_12);
  const byName = new Map(leaf.map((r) => [r.name, r]));
  assert.deepEqual([...byName.keys()].sort(), Object.values(NAMES).sort());
  for (const c of PLANT_CASES) {
    const r = byName.get(NAMES[c.file])!;
    assert.equal(r.raw[0], path.join('PlantDoc', 'PlantDoc-Object-Detection-Dataset-master', c.part, c.file));
    assert.equal(r.annotation, 'box');
    if (c.part === 'TEST') assert.equal(r.split, 'test');
    else assert.ok(r.split === 'train' || r.split === 'val', `${r.name} in ${r.split}`);
    assert.equal(r.meta.boxesFrom === 'csv', c.xml === undefined, r.name);
  }
  assert.equal(byName.get('plantdoc_apple_leaf_1')!.meta.boxes, 2);
  assert.equal(byName.get('plantdoc_apple_leaf_1')!.meta.classes, 'Apple leaf|Apple Scab Leaf');
  assert.equal(byName.get('plantdoc_2012_08_23_14_13_14')!.meta.boxes, 1);
  assert.ok(record.sources[0].notes.some((n) => n.includes('1 boxes with missing or inverted corners ignored')));

  const task = record.tasks.find((x) => x.id === 'Leaf_PH_12')!;
  assert.equal(task.annotation, 'box');
  assert.match(await readFile(path.join(out, 'README.md'), 'utf8'), /bounding boxes/);

  const result = python(t, PY_BOXES, [
    JSON.stringify(
      PLANT_CASES.map((c) => [c.width, c.height, c.boxes.map((b) => b.slice(1)), path.join(out, byName.get(NAMES[c.file])!.mask), size]),
    ),
  ]) as { ref: number; native: number; diff: number }[] | undefined;
  if (!result) return;
  for (const [i, c] of PLANT_CASES.entries()) assert.equal(result[i].diff, 0, `${c.file}: ${result[i].diff} pixels differ`);
  // The two Apple boxes overlap: the union is smaller than the sum of their areas.
  assert.equal(result[0].native, 36 * 26 + 41 * 31 - 11 * 11);
});
