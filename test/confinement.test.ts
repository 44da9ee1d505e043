// A built tree is data too: split lines and links that lead out of it are refused by the library
// and by `medbank preprocess`, and preprocess checks headers before decoding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openMedBank } from '../src/index.js';
import { preprocess } from '../src/pipeline/preprocess/preprocess.js';
import { lyingPng } from '../src/fixtures/faults.js';
import { encodePng, IMAGE_PNG } from '../src/io/image/png-write.js';
import { buildTree, fixtureRaw } from './tree.js';
import { splitLines } from './tree-fixtures.js';

const TASK = 'BreastTumor_UT_0';

test('library and preprocess: a ../ split line and a link out of the tree are refused, a mask declaring 10^10 pixels is refused unread', async (t) => {
  const { raw, dir } = await fixtureRaw(t, [['BUSI']]);
  const { out } = await buildTree({ raw, out: path.join(dir, 'tree'), size: 32 });
  const outside = path.join(dir, 'outside.png');
  await writeFile(outside, await encodePng(new Uint8Array(32 * 32 * 3).fill(200), 32, 32, 3, IMAGE_PNG));
  const [linked, bombed] = await splitLines(out, TASK, 'train');
  await rm(path.join(out, TASK, 'images', linked));
  await symlink(outside, path.join(out, TASK, 'images', linked));
  await writeFile(path.join(out, TASK, 'masks', bombed), lyingPng(100000, 100000));

  // The library: the linked image is refused when read.
  const bank = await openMedBank(out);
  const samples = [];
  for await (const s of bank.task(TASK).samples('train')) samples.push(s);
  const sample = samples.find((s) => `${s.name}.png` === linked)!;
  await assert.rejects(sample.readImage(), /refused: .*symbolic link to .*outside\.png, outside/);
  assert.equal((await samples.find((s) => s !== sample)!.readImage()).width, 32, 'other samples read as before');

  // A split line climbing out of the tree stops the iteration with the split file named.
  await appendFile(path.join(out, TASK, 'val.txt'), '../../outside.png\n');
  const iterate = async () => {
    for await (const s of bank.task(TASK).samples('val')) await s.readImage();
  };
  await assert.rejects(iterate(), (e: Error & { file?: string }) => {
    assert.equal(e.file, path.join(out, TASK, 'val.txt'));
    assert.match(e.message, /line "\.\.\/\.\.\/outside\.png" is not a file name in images\//);
    return true;
  });

  const resized = path.join(dir, 'resized');
  const result = await preprocess({ input: out, output: resized, size: 16, workers: 1 });
  const reasons = Object.fromEntries(result.problems.map((p) => [p.file, p.reason]));
  assert.match(reasons[`${TASK}/images/${linked}`], /refused: .*symbolic link to .*outside\.png, outside/);
  assert.match(
    reasons[`${TASK}/masks/${bombed}`],
    /header declares 100000x100000 pixels \(10000000000\), above the bound of 268435456 pixels/,
  );
  assert.match(reasons[`${TASK}/val.txt`], /line "\.\.\/\.\.\/outside\.png" is not a file name in images\/: left out/);
  const val = await readFile(path.join(resized, TASK, 'val.txt'), 'utf8');
  assert.doesNotMatch(val, /outside/);
  const train = await readFile(path.join(resized, TASK, 'train.txt'), 'utf8');
  assert.ok(!train.includes(linked) && !train.includes(bombed), 'refused pairs are not listed');
});
