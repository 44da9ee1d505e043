// `medbank export --format sam-med2d`: every path of both JSONs opens from the parent folder, masks binary, one image per distinct image, instances = components.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { python, runCli } from './helpers.js';
import { assertCountsMatch, assertNoGroupLeak, fixtureTree, readExportRecord, scratchDir } from './export-helpers.js';

/**
 * SAM-Med2D's loaders, from the export's parent folder: image2label_train.json (image -> masks) and
 * label2image_test.json (mask -> image), paths opened as written, masks binary (0/1 or 0/255).
 * Per mask: its image, side, size, area, box, 8-connected component count, and its prompt entry;
 * per tree mask given in argv[3]: its component areas (for the instance count).
 */
const SAM_MED2D_READER = `
import sys, os, json
import numpy as np
from PIL import Image
os.chdir(sys.argv[1])
name = sys.argv[2]
def components(m):
    seen = np.zeros(m.shape, bool); areas = []
    for y, x in zip(*np.nonzero(m)):
        if seen[y, x]: continue
        stack = [(y, x)]; seen[y, x] = True; n = 0
        while stack:
            cy, cx = stack.pop(); n += 1
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    ny, nx = cy + dy, cx + dx
                    if 0 <= ny < m.shape[0] and 0 <= nx < m.shape[1] and m[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True; stack.append((ny, nx))
        areas.append(n)
    return areas
train = json.load(open(os.path.join(name, 'image2label_train.json')))
test = json.load(open(os.path.join(name, 'label2image_test.json')))
prompts = json.load(open(os.path.join(name, 'prompts.json')))
pairs = [(i, m, 'train') for i, ms in train.items() for m in ms] + [(i, m, 'test') for m, i in test.items()]
out = {'masks': {}, 'tree': {}}
for image_path, mask_path, side in pairs:
    image = np.array(Image.open(image_path).convert('RGB'))
    mask = np.array(Image.open(mask_path).convert('L'))
    values = sorted(int(v) for v in np.unique(mask))
    assert values in ([0, 255], [0, 1]), mask_path + ': not binary ' + str(values)
    fg = mask > 0
    ys, xs = np.nonzero(fg)
    p = prompts[mask_path.split('/')[-1]]
    px, py = p['point_coords'][0]
    out['masks'][mask_path] = {'image': image_path, 'side': side, 'size': [image.shape[:2], list(mask.shape)],
        'area': int(fg.sum()), 'box': [int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())],
        'components': len(components(fg)), 'prompt_box': p['boxes'][0], 'point_inside': bool(fg[py, px])}
for f in json.loads(sys.argv[3]):
    out['tree'][f] = components(np.array(Image.open(f).convert('L')) > 0)
print(json.dumps(out))
`;

interface Read {
  masks: Record<
    string,
    {
      image: string;
      side: string;
      size: number[][];
      area: number;
      box: number[];
      components: number;
      prompt_box: number[];
      point_inside: boolean;
    }
  >;
  tree: Record<string, number[]>;
}

for (const instances of [false, true]) {
  test(`sam-med2d export${instances ? ' --instances --min-area 3' : ''}: paths open, masks binary with prompts, one image per distinct image, counts and splits as the tree`, async (t) => {
    const { out: tree, record, rows } = await fixtureTree();
    const dir = await scratchDir('sam-med2d');
    const out = path.join(dir, 'smd');
    const r = await runCli([
      'export',
      tree,
      '--format',
      'sam-med2d',
      '--out',
      out,
      ...(instances ? ['--instances', '--min-area', '3'] : []),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assertCountsMatch(await readExportRecord(out), record);

    // One image file per distinct image and side: ACDC slices of three tasks share one.
    const distinct = new Set(rows.map((x) => `${x.split === 'test' ? 'test' : 'train'}:${x.sha256.image}`));
    assert.equal((await readdir(path.join(out, 'images'))).length, distinct.size);
    assert.ok(distinct.size < rows.length);

    const treeMasks = rows.map((x) => path.join(tree, x.mask));
    const read = python(t, SAM_MED2D_READER, [dir, 'smd', JSON.stringify(treeMasks)]) as Read | undefined;
    if (!read) return;
    // The image file of each row: the first row of its image hash and side in walk order (task, split, name).
    const order = { train: 0, val: 1, test: 2 };
    const walk = [...rows].sort((x, y) =>
      x.task < y.task ? -1 : x.task > y.task ? 1 : order[x.split] - order[y.split] || (x.name < y.name ? -1 : 1),
    );
    const stemOf = new Map<string, string>();
    const expected = new Map<string, { side: string; count: number; rows: string[] }>();
    for (const row of walk) {
      const side = row.split === 'test' ? 'test' : 'train';
      const key = `${side}:${row.sha256.image}`;
      if (!stemOf.has(key)) stemOf.set(key, row.name);
      const prefix = `${stemOf.get(key)}_${row.task}_`;
      const count = instances ? read.tree[path.join(tree, row.mask)].filter((a) => a >= 3).length : 1;
      const e = expected.get(prefix) ?? { side, count: 0, rows: [] };
      e.count += count;
      e.rows.push(`${row.task}/${row.name}`);
      expected.set(prefix, e);
    }
    const placed = new Map<string, string>();
    for (const [prefix, e] of expected) {
      const masks: [string, Read['masks'][string]][] = Object.entries(read.masks).filter(
        ([m]) => path.basename(m).startsWith(prefix) && /^\d{3}\.png$/.test(path.basename(m).slice(prefix.length)),
      );
      assert.equal(masks.length, e.count, `${prefix}: mask files`);
      assert.ok(
        masks.every(
          ([, v]) =>
            v.side === e.side && path.basename(v.image) === `${prefix.slice(0, prefix.length - e.rows[0].split('/')[0].length - 2)}.png`,
        ),
      );
      for (const key of e.rows) placed.set(key, e.side);
    }
    for (const [m, v] of Object.entries(read.masks)) {
      assert.deepEqual(v.size[0], v.size[1], `${m}: image and mask sizes differ`);
      assert.deepEqual(v.prompt_box, v.box, `${m}: prompt box is not the tight box`);
      assert.ok(v.point_inside, `${m}: prompt point outside the object`);
      if (instances) assert.equal(v.components, 1, `${m}: an instance mask holds ${v.components} components`);
      assert.ok(m.startsWith('smd/masks/') && v.image.startsWith('smd/images/'));
    }
    const instanceTotal = rows.reduce(
      (n, row) => n + (instances ? read.tree[path.join(tree, row.mask)].filter((a) => a >= 3).length : 1),
      0,
    );
    assert.equal(Object.keys(read.masks).length, instanceTotal, 'mask files = instances (or task masks) of the tree');
    assertNoGroupLeak(rows, placed);
    const testJson = JSON.parse(await readFile(path.join(out, 'label2image_test.json'), 'utf8')) as Record<string, string>;
    assert.equal(
      Object.keys(testJson).length,
      rows
        .filter((x) => x.split === 'test')
        .reduce((n, row) => n + (instances ? read.tree[path.join(tree, row.mask)].filter((a) => a >= 3).length : 1), 0),
    );
  });
}
