// `medbank preprocess` against a Python re-implementation of the MedBank README's preprocess_medbank.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { ellipse, greyTo, texture, writeImage } from '../src/fixtures/draw.js';
import { python, runCli, treeHashes } from './helpers.js';
import { buildTree, fixtureRaw, leftoverTemps } from './tree.js';

/**
 * The script's semantics: for every task folder with an image folder, each image is
 * `Image.open().convert('RGB').resize((size, size), BILINEAR)` and its mask (same file name)
 * `.convert('L').resize((size, size), NEAREST)`. Compared with our output (PNG, same stem):
 * the mean absolute image difference and the number of differing mask pixels.
 */
const README_SCRIPT = `
import sys, os, json
from PIL import Image
import numpy as np
src, dst, size, image_dir, mask_dir = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
out = {}
for task in sorted(os.listdir(src)):
    if not os.path.isdir(os.path.join(src, task, image_dir)):
        continue
    for f in sorted(os.listdir(os.path.join(src, task, image_dir))):
        if not f.lower().endswith(('.png', '.jpg', '.jpeg')) or not os.path.exists(os.path.join(src, task, mask_dir, f)):
            continue
        img = Image.open(os.path.join(src, task, image_dir, f)).convert('RGB').resize((size, size), Image.BILINEAR)
        mask = Image.open(os.path.join(src, task, mask_dir, f)).convert('L').resize((size, size), Image.NEAREST)
        png = os.path.splitext(f)[0] + '.png'
        ours_img = np.array(Image.open(os.path.join(dst, task, image_dir, png)))
        ours_mask = np.array(Image.open(os.path.join(dst, task, mask_dir, png)))
        out[task + '/' + f] = {
            'imageShape': list(ours_img.shape),
            'maskShape': list(ours_mask.shape),
            'meanDiff': float(np.abs(ours_img.astype(int) - np.array(img).astype(int)).mean()),
            'maskDiff': int((ours_mask != np.array(mask)).sum()),
        }
print(json.dumps(out))
`;

type Compared = Record<string, { imageShape: number[]; maskShape: number[]; meanDiff: number; maskDiff: number }>;

async function files(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

test('medbank layout: same results as the README script, junk skipped, JPEG pairs become PNG, missing mask reported, 1 vs 2 workers identical', async (t) => {
  const { raw, dir } = await fixtureRaw(t, [['BUSI'], ['CVC-ClinicDB']]);
  const input = path.join(dir, 'in');
  await buildTree({ raw, out: input, size: 128 });
  // A hand-made task with JPEG-named pairs (the script would save its masks as lossy JPEG).
  const extra = path.join(input, 'Extra_XX_99');
  for (const [i, name] of ['a', 'b'].entries()) {
    await writeImage(path.join(extra, 'images', `${name}.jpg`), texture(90, 70, i), 90, 70, 3, 'jpg');
    await writeImage(path.join(extra, 'masks', `${name}.jpg`), greyTo(ellipse(90, 70, 45, 35, 20, 15), 3), 90, 70, 3, 'jpg');
  }
  await writeFile(path.join(extra, 'train.txt'), 'a.jpg\n');
  await writeFile(path.join(extra, 'val.txt'), 'b.jpg\n');
  // Junk the script trips over: non-image files, macOS debris, a folder that is not a task.
  await writeFile(path.join(input, 'BreastTumor_UT_0', 'images', '.DS_Store'), 'junk');
  await writeFile(path.join(input, 'BreastTumor_UT_0', 'images', 'notes.txt'), 'junk');
  await mkdir(path.join(input, 'docs'));
  await writeFile(path.join(input, 'docs', 'readme.txt'), 'not a task');
  await rm(path.join(input, 'Polyp_EN_7', 'masks', 'cvcclinicdb_0002.png'));

  const out2 = path.join(dir, 'out2');
  const r = await runCli(['preprocess', input, out2, '--size', '200', '--workers', '2']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /problem: Polyp_EN_7\/images\/cvcclinicdb_0002\.png: no mask with the same name in masks\//);
  assert.doesNotMatch(r.stderr, /\n\s+at /);

  assert.deepEqual(await files(out2), ['BreastTumor_UT_0', 'CITATION.bib', 'Extra_XX_99', 'Polyp_EN_7', 'README.md']);
  assert.deepEqual(await files(path.join(out2, 'Extra_XX_99', 'masks')), ['a.png', 'b.png']);
  const meta = await sharp(path.join(out2, 'Extra_XX_99', 'masks', 'a.png')).metadata();
  assert.equal(meta.format, 'png');
  assert.equal(await readFile(path.join(out2, 'Extra_XX_99', 'train.txt'), 'utf8'), 'a.png\n');
  assert.equal(await readFile(path.join(out2, 'Extra_XX_99', 'val.txt'), 'utf8'), 'b.png\n');
  for (const split of ['train', 'val', 'test'])
    assert.equal(
      await readFile(path.join(out2, 'BreastTumor_UT_0', `${split}.txt`), 'utf8'),
      await readFile(path.join(input, 'BreastTumor_UT_0', `${split}.txt`), 'utf8'),
    );
  assert.deepEqual(await files(path.join(out2, 'BreastTumor_UT_0', 'images')), await files(path.join(input, 'BreastTumor_UT_0', 'masks')));
  assert.equal((await files(path.join(out2, 'Polyp_EN_7', 'images'))).length, 11);
  // The unwritten pair leaves the split files too: every line names a file that exists.
  const polypLines = (
    await Promise.all(['train', 'val', 'test'].map((s) => readFile(path.join(out2, 'Polyp_EN_7', `${s}.txt`), 'utf8')))
  ).flatMap((text) => text.split('\n').filter(Boolean));
  assert.deepEqual(polypLines.sort(), await files(path.join(out2, 'Polyp_EN_7', 'images')));
  assert.deepEqual(await leftoverTemps(out2), []);

  const compared = python(t, README_SCRIPT, [input, out2, '200', 'images', 'masks']) as Compared | undefined;
  if (compared) {
    assert.equal(Object.keys(compared).length, 9 + 11 + 2);
    for (const [file, c] of Object.entries(compared)) {
      assert.deepEqual(c.imageShape, [200, 200, 3], file);
      assert.deepEqual(c.maskShape, [200, 200], file);
      assert.ok(c.meanDiff < 1, `${file}: mean image difference ${c.meanDiff}`);
      // JPEG masks decode slightly differently in libjpeg builds; PNG masks must match exactly.
      if (file.endsWith('.png')) assert.equal(c.maskDiff, 0, `${file}: ${c.maskDiff} mask pixels differ`);
      else assert.ok(c.maskDiff < 200, `${file}: ${c.maskDiff} mask pixels differ`);
    }
  }

  const out1 = path.join(dir, 'out1');
  assert.equal((await runCli(['preprocess', input, out1, '--size', '200', '--workers', '1'])).code, 2);
  assert.deepEqual(await treeHashes(out1), await treeHashes(out2));
});

test('samed2 layout: image/ and mask/ resized like the README script, ./image/ split lines copied', async (t) => {
  const { raw, dir } = await fixtureRaw(t, [['ISIC2018'], ['CVC-ColonDB', 'bmp300']]);
  const input = path.join(dir, 'in');
  await buildTree({ raw, out: input, size: 128, layout: 'samed2' });
  const out = path.join(dir, 'out');
  const r = await runCli(['preprocess', input, out, '--size', '48']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /SkinLesion_DS_5\s+samed2\s+8/);
  for (const task of ['SkinLesion_DS_5', 'Polyp_EN_8']) {
    assert.deepEqual(await files(path.join(out, task)), ['image', 'mask', 'test.txt', 'train.txt', 'val.txt']);
    for (const split of ['train', 'val', 'test']) {
      const text = await readFile(path.join(out, task, `${split}.txt`), 'utf8');
      assert.equal(text, await readFile(path.join(input, task, `${split}.txt`), 'utf8'));
      for (const line of text.split('\n').filter(Boolean)) assert.match(line, /^\.\/image\/[a-z0-9_]+\.png$/);
    }
  }
  const compared = python(t, README_SCRIPT, [input, out, '48', 'image', 'mask']) as Compared | undefined;
  if (!compared) return;
  assert.equal(Object.keys(compared).length, 14);
  for (const [file, c] of Object.entries(compared)) {
    assert.deepEqual(
      [c.imageShape, c.maskShape],
      [
        [48, 48, 3],
        [48, 48],
      ],
    );
    assert.ok(c.meanDiff < 1.5, `${file}: mean image difference ${c.meanDiff}`);
    assert.equal(c.maskDiff, 0, `${file}: ${c.maskDiff} mask pixels differ`);
  }
});
