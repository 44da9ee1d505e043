// The library API: openMedBank on both layouts and on a tree without manifest or build record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { openMedBank, type MedBank } from '../src/index.js';
import type { LayoutName } from '../src/contract/layout.js';
import { buildTree, fixtureRaw, histogram } from './tree.js';

async function splitLines(bank: MedBank, task: string, split: string): Promise<string[]> {
  return (await readFile(path.join(bank.root, task, `${split}.txt`), 'utf8')).split('\n').filter(Boolean);
}

for (const layout of ['medbank', 'samed2'] as LayoutName[]) {
  test(`openMedBank (${layout} layout): tasks with metadata, a split's samples, typed pixels, manifest rows`, async (t) => {
    const { raw, dir } = await fixtureRaw(t, [['BUSI'], ['CVC-ColonDB']]);
    const { rows, out } = await buildTree({ raw, out: path.join(dir, 'out'), size: 64, layout });
    const bank = await openMedBank(out);
    assert.deepEqual(
      bank.tasks.map((x) => x.id),
      ['BreastTumor_UT_0', 'Polyp_EN_8'],
    );
    assert.equal(bank.record?.options.layout, layout);
    const busi = bank.task('BreastTumor_UT_0');
    assert.equal(busi.layout.name, layout);
    assert.equal(busi.metadata?.source, 'BUSI');
    assert.equal(busi.metadata?.modalityCode, 'UT');
    assert.equal(busi.metadata?.license.spdx, 'DbCL-1.0');
    assert.equal(busi.metadata?.counts.total, 9);
    assert.throws(() => bank.task('Nope_XX_99'), /no task Nope_XX_99/);

    const lines = await splitLines(bank, 'BreastTumor_UT_0', 'train');
    const train = [];
    for await (const s of busi.samples('train')) train.push(s);
    assert.deepEqual(
      train.map((s) => (layout === 'samed2' ? `./image/${s.name}.png` : `${s.name}.png`)),
      lines,
    );
    assert.ok(train.every((s) => s.split === 'train' && s.task === 'BreastTumor_UT_0'));

    let all = 0;
    for await (const s of busi.samples()) {
      all++;
      const row = rows.find((r) => r.task === s.task && r.name === s.name)!;
      assert.deepEqual(s.manifest, row);
      const image = await s.readImage();
      assert.ok(image.data instanceof Uint8Array);
      assert.deepEqual([image.width, image.height, image.channels, image.data.length], [64, 64, 3, 64 * 64 * 3]);
      const mask = await s.readMask();
      assert.deepEqual([mask.width, mask.height, mask.channels, mask.data.length], [64, 64, 1, 64 * 64]);
      const h = histogram(mask.data);
      assert.deepEqual(
        [...h.keys()].sort((a, b) => a - b),
        [0, 255],
      );
      assert.equal(h.get(255), row.foreground);
      assert.equal(s.imagePath, path.join(out, row.image));
      assert.equal(s.maskPath, path.join(out, row.mask));
    }
    assert.equal(all, 9);
    assert.equal((await busi.manifest()).size, 9);
  });
}

test('openMedBank on a tree without manifest.jsonl and medbank.json still lists tasks and reads samples', async (t) => {
  const { raw, dir } = await fixtureRaw(t, [['CVC-ColonDB']]);
  const { out } = await buildTree({ raw, out: path.join(dir, 'out'), size: 64, grey: true });
  await rm(path.join(out, 'manifest.jsonl'));
  await rm(path.join(out, 'medbank.json'));
  const bank = await openMedBank(out);
  assert.equal(bank.record, undefined);
  const task = bank.task('Polyp_EN_8');
  assert.equal(task.metadata, undefined);
  assert.equal((await task.manifest()).size, 0);
  const samples = [];
  for await (const s of task.samples()) samples.push(s);
  assert.equal(samples.length, 6);
  assert.ok(samples.every((s) => s.manifest === undefined));
  const image = await samples[0].readImage();
  assert.equal(image.channels, 1, '--grey images are read as stored: one channel');
  assert.equal(image.data.length, 64 * 64);
});

test("the package entry point exports openMedBank ('medbank' resolves to the built library)", async () => {
  const name = 'medbank';
  const mod = (await import(name)) as { openMedBank?: unknown; build?: unknown; preprocess?: unknown };
  assert.equal(typeof mod.openMedBank, 'function');
  assert.equal(mod.openMedBank, openMedBank);
});

test('openMedBank on a missing folder is a clear error', async () => {
  await assert.rejects(openMedBank('/nonexistent/medbank-tree'), /is not a folder/);
});
