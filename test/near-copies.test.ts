// Leak-proof groups: near-identical copies merged before dealing, video frames linked into sequences, leaks reported at build time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { ManifestRow } from '../src/contract/manifest.js';
import type { BuildRecord } from '../src/contract/build-record.js';
import { BUSI_COPIES, BUSI_DISTINCT } from '../src/fixtures/sources/busi.js';
import { COLONDB_SEQUENCES } from '../src/fixtures/sources/cvc-colondb.js';
import { ellipse, greyTo, writeImage } from '../src/fixtures/draw.js';
import { COPY_BITS, DEFAULT_RATIOS, SEQUENCE_BITS, SourceSplitter, type SplitKey } from '../src/pipeline/plan/splits.js';
import { NEAR_DUPLICATE_BITS } from '../src/io/image/perceptual-hash.js';
import { sha256 } from '../src/io/files/atomic.js';
import { rng } from '../src/fixtures/draw.js';
import { runCli, treeHashes } from './helpers.js';
import { fixtureRaw } from './tree.js';

const SIZE = '128';

async function readTree(out: string): Promise<{ record: BuildRecord; rows: ManifestRow[] }> {
  const record = JSON.parse(await readFile(path.join(out, 'medbank.json'), 'utf8')) as BuildRecord;
  const lines = (await readFile(path.join(out, 'manifest.jsonl'), 'utf8')).trim().split('\n');
  return { record, rows: lines.map((l) => JSON.parse(l) as ManifestRow) };
}

function build(raw: string, out: string, ...extra: string[]) {
  return runCli(['build', '--raw', raw, '--out', out, '--size', SIZE, '--quiet', ...extra]);
}

/** A random 256-bit hash, and the same with its first `bits` bits flipped. */
function hashPair(seed: number, bits: number): [string, string] {
  const rand = rng(seed);
  const a = Buffer.from(Array.from({ length: 32 }, () => Math.floor(rand() * 256)));
  const b = Buffer.from(a);
  for (let i = 0; i < bits; i++) b[i >> 3] ^= 0x80 >> (i & 7);
  return [a.toString('hex'), b.toString('hex')];
}

test('the thresholds: dealt rows merge within COPY_BITS, official rows only within NEAR_DUPLICATE_BITS, frames link within SEQUENCE_BITS', () => {
  assert.ok(NEAR_DUPLICATE_BITS < COPY_BITS && COPY_BITS < SEQUENCE_BITS);
  const splitter = new SourceSplitter();
  const add = (group: string, dhash: string, extra: Partial<SplitKey> = {}) =>
    splitter.add({ group, imageHash: sha256(group), dhash, ...extra });
  const [a, b] = hashPair(1, COPY_BITS);
  const [c, d] = hashPair(2, NEAR_DUPLICATE_BITS + 1);
  const [e, f] = hashPair(3, NEAR_DUPLICATE_BITS);
  const [g, h] = hashPair(4, COPY_BITS + 1);
  add('a', a);
  add('b', b);
  add('c', c, { splitHint: 'train' });
  add('d', d, { splitHint: 'test' });
  add('e', e, { splitHint: 'train' });
  add('f', f, { splitHint: 'test' });
  add('g', g);
  add('h', h);
  const [f1, f2] = hashPair(5, SEQUENCE_BITS);
  const [f3, f4] = hashPair(6, SEQUENCE_BITS + 1);
  add('frame1', f1, { videoFrame: 1 });
  add('frame2', f2, { videoFrame: 2 });
  add('frame3', f3, { videoFrame: 3 });
  add('frame4', f4, { videoFrame: 4 });
  const out = splitter.assign(0, 'S', DEFAULT_RATIOS);
  assert.deepEqual(
    Array.from({ length: splitter.size }, (_, r) => out.group(r)),
    ['a', 'a', 'c', 'd', 'e', 'e', 'g', 'h', 'frame1', 'frame1', 'frame3', 'frame4'],
  );
  assert.deepEqual(out.conflicts, [['test', 'train']], 'only e and f, in train and test, conflict');
  assert.equal(out.split(4), 'train');
  assert.equal(out.split(5), 'test');
  assert.match(out.grouping[0], /^3 video sequence\(s\) found/);
  assert.throws(() => splitter.add({ group: 'x', imageHash: sha256('x'), dhash: 'abc' }), /difference hash "abc" is not 64 hex digits/);
});

test('BUSI copies (JPEG re-save, re-scaled, cropped) share one merged group and split; distinct images stay apart; shards merge to the same tree', async (t) => {
  const { raw, dir } = await fixtureRaw(t, [
    ['BUSI', 'copies'],
    ['CVC-ColonDB', 'png380'],
  ]);
  const out = path.join(dir, 'whole');
  const r = await build(raw, out);
  assert.equal(r.code, 0, r.stderr);
  const { record, rows } = await readTree(out);
  const byName = new Map(rows.filter((x) => x.source === 'BUSI').map((x) => [x.name, x]));
  const copies = BUSI_COPIES.map((n) => byName.get(n)!);
  assert.deepEqual(
    copies.map((c) => c.group),
    BUSI_COPIES.map(() => 'busi_benign_6'),
    'every copy is in the group of the first',
  );
  assert.deepEqual(
    copies.map((c) => c.originalGroup),
    [undefined, 'busi_benign_7', 'busi_benign_8', 'busi_malignant_5'],
  );
  assert.equal(new Set(copies.map((c) => c.split)).size, 1, 'the copies share a split');
  for (const name of BUSI_DISTINCT) {
    const row = byName.get(name)!;
    assert.equal(row.group, name, `${name} is not merged`);
    assert.equal(row.originalGroup, undefined);
  }
  const grouping = record.sources.find((s) => s.id === 'BUSI')!.grouping;
  assert.ok(
    grouping.some((g) => /^\d+ group\(s\) merged into another for an identical or near-identical image/.test(g)),
    grouping.join('; '),
  );
  assert.deepEqual(record.leaks, []);
  assert.ok(!rows.some((x) => 'dhash' in x || 'videoFrame' in x), 'split inputs stay out of the manifest');

  // The hashes travel in the job records: three shards and a merge give the same bytes.
  const sharded = path.join(dir, 'sharded');
  for (const shard of ['0/3', '1/3', '2/3']) assert.equal((await build(raw, sharded, '--shard', shard)).code, 0);
  assert.equal((await runCli(['merge', sharded])).code, 0);
  const notState = (rel: string) => rel === '.medbank';
  assert.deepEqual(await treeHashes(sharded, notState), await treeHashes(out, notState));
});

test('CVC-ColonDB frames are linked into video sequences: one group each, counted in the summary and medbank.json', async (t) => {
  const { raw, dir } = await fixtureRaw(t, [['CVC-ColonDB', 'png380']]);
  const out = path.join(dir, 'out');
  const r = await runCli(['build', '--raw', raw, '--out', out, '--size', SIZE]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /CVC-ColonDB: 3 video sequence\(s\) found: consecutive frames within 64 of 256 difference-hash bits/);
  const { record, rows } = await readTree(out);
  assert.match(record.sources[0].grouping[0], /^3 video sequence\(s\) found/);
  assert.match(await readFile(path.join(out, 'README.md'), 'utf8'), /- CVC-ColonDB: 3 video sequence\(s\) found/, 'the card says it too');
  for (const frames of COLONDB_SEQUENCES) {
    const names = frames.map((f) => `cvccolondb_${String(f).padStart(4, '0')}`);
    const members = rows.filter((x) => names.includes(x.name));
    assert.equal(members.length, frames.length);
    assert.deepEqual(new Set(members.map((m) => m.group)), new Set([names[0]]), `frames ${frames.join(', ')} form one group`);
    assert.equal(new Set(members.map((m) => m.split)).size, 1);
  }
});

test('copies in two official splits, within a source or across two, are leaks: stderr, medbank.json "leaks" and exit 2', async (t) => {
  const { raw, dir } = await fixtureRaw(t, [['ISIC2018'], ['Kvasir-SEG', 'with-lists']]);
  const isic = path.join(raw, 'ISIC2018');
  // A re-saved copy of a training image filed as a validation image.
  const train = path.join(isic, 'ISIC2018_Task1-2_Training_Input', 'ISIC_0000000.jpg');
  await sharp(await sharp(train).jpeg({ quality: 70 }).toBuffer()).toFile(
    path.join(isic, 'ISIC2018_Task1-2_Validation_Input', 'ISIC_0099999.jpg'),
  );
  await copyFile(
    path.join(isic, 'ISIC2018_Task1_Training_GroundTruth', 'ISIC_0000000_segmentation.png'),
    path.join(isic, 'ISIC2018_Task1_Validation_GroundTruth', 'ISIC_0099999_segmentation.png'),
  );
  // An ISIC test image in Kvasir-SEG's official train list.
  const kvasir = path.join(raw, 'Kvasir-SEG', 'Kvasir-SEG');
  const id = 'cju0qkwl35piu0993l0dewei2';
  const testImage = path.join(isic, 'ISIC2018_Task1-2_Test_Input', 'ISIC_0012169.jpg');
  await copyFile(testImage, path.join(kvasir, 'images', `${id}.jpg`));
  const { width, height } = await sharp(testImage).metadata();
  await writeImage(path.join(kvasir, 'masks', `${id}.jpg`), greyTo(ellipse(width!, height!, 50, 50, 20, 20), 3), width!, height!, 3, 'jpg');

  const out = path.join(dir, 'out');
  const r = await build(raw, out);
  assert.equal(r.code, 2, r.stderr);
  const { record, rows } = await readTree(out);
  assert.deepEqual(
    record.leaks.map((l) => [l.samples, l.sources, l.splits]),
    [
      [
        [`Polyp_EN_6/kvasir_${id}`, 'SkinLesion_DS_5/isic2018_0012169'],
        ['ISIC2018', 'Kvasir-SEG'],
        ['test', 'train'],
      ],
      [['SkinLesion_DS_5/isic2018_0000000', 'SkinLesion_DS_5/isic2018_0099999'], ['ISIC2018'], ['train', 'val']],
    ],
  );
  for (const leak of record.leaks) assert.ok(r.stderr.includes(`leak: ${leak.reason}: ${leak.samples.join(', ')}`), r.stderr);
  assert.match(r.stderr, /2 leak\(s\) between splits/);
  assert.match(
    await readFile(path.join(out, 'README.md'), 'utf8'),
    /- 2 leak\(s\): official splits put identical or near-identical images in two splits/,
  );
  // Official splits stay as published; the copy is in the group of its original.
  const copy = rows.find((x) => x.name === 'isic2018_0099999')!;
  assert.equal(copy.split, 'val');
  assert.equal(copy.group, 'isic2018_0000000');
});
