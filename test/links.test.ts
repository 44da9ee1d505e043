// Identical outputs are one file: hard links by default, kept across resume, shards and preprocess;
// copies with --no-links or where the file system cannot link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { runCli, treeHashes } from './helpers.js';
import { buildTree, fixtureRaw } from './tree.js';
import { build } from '../src/pipeline/build.js';
import { readManifest } from '../src/dataset/open.js';
import { LINK_FAILURE_ENV } from '../src/io/files/linked-write.js';
import { uniqueFiles } from '../src/dataset/inspect-pool.js';
import { validateTree } from '../src/dataset/validate.js';

const SIZE = 48;
const SOURCES: [string, string?][] = [['BTCV'], ['REFUGE']];
const notState = (rel: string) => rel === '.medbank';

interface TreeFile {
  rel: string;
  inode: string;
  links: number;
  hash: string;
}

/** Every file of the tree outside `.medbank/`, with its inode, link count and sha256. */
async function treeFiles(dir: string): Promise<TreeFile[]> {
  const out: TreeFile[] = [];
  for (const rel of (await readdir(dir, { recursive: true })).sort()) {
    if (rel.split(path.sep)[0] === '.medbank') continue;
    const file = path.join(dir, rel);
    const s = await stat(file);
    if (!s.isFile()) continue;
    const hash = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
    out.push({ rel, inode: `${s.dev}:${s.ino}`, links: s.nlink, hash });
  }
  return out;
}

/** The link structure: the names of each inode, as sorted lists (inode numbers themselves differ between trees). */
function inodeGroups(files: TreeFile[]): string[][] {
  const groups = new Map<string, string[]>();
  for (const f of files) groups.set(f.inode, [...(groups.get(f.inode) ?? []), f.rel]);
  return [...groups.values()].map((g) => g.sort()).sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** Asserts that image files share an inode exactly when they share their bytes (text files are small copies). */
function assertOneFilePerContent(files: TreeFile[]): void {
  const images = files.filter((f) => f.rel.endsWith('.png'));
  assert.ok(images.length > 0);
  const inodesOf = new Map<string, Set<string>>();
  for (const f of images) inodesOf.set(f.hash, (inodesOf.get(f.hash) ?? new Set()).add(f.inode));
  for (const [hash, inodes] of inodesOf) assert.equal(inodes.size, 1, `content ${hash.slice(0, 12)} is stored ${inodes.size} times`);
  assert.equal(new Set(images.map((f) => f.inode)).size, inodesOf.size, 'different contents never share an inode');
}

test('identical outputs are hard links to one file, kept by a resume, rebuilt after an in-place edit; --no-links writes copies', async (t) => {
  const { raw, dir } = await fixtureRaw(t, SOURCES);
  const out = path.join(dir, 'linked');
  await buildTree({ raw, out, size: SIZE });
  const files = await treeFiles(out);
  assertOneFilePerContent(files);
  const pngs = files.filter((f) => f.rel.endsWith('.png'));
  assert.ok(new Set(pngs.map((f) => f.inode)).size < pngs.length / 2, 'a slice under several tasks is stored once');
  const slice = pngs.find((f) => f.rel.includes('btcv_') && f.rel.includes('/images/') && f.links >= 4);
  assert.ok(slice, 'a BTCV slice with four or more organs is one file under each of their tasks');
  // validate decodes each file once, whatever its names, and finds the linked tree clean.
  const rows = await readManifest(out);
  const { unique } = uniqueFiles(rows.map((r) => ({ image: path.join(out, r.image), mask: path.join(out, r.mask) })));
  const inodes = (dir: string) => new Set(pngs.filter((f) => f.rel.includes(dir)).map((f) => f.inode)).size;
  assert.equal(unique.filter((u) => u.image).length, inodes('/images/'));
  assert.equal(unique.filter((u) => u.mask).length, inodes('/masks/'));
  assert.deepEqual((await validateTree(out, { deep: true, workers: 2 })).findings, []);
  const disc = pngs.find((f) => f.rel.startsWith('OpticDisc_OC_1/images/'))!;
  const cup = pngs.find((f) => f.rel === disc.rel.replace('OpticDisc_OC_1', 'OpticCup_OC_2'));
  assert.equal(cup?.inode, disc.inode, 'the same fundus picture in two REFUGE tasks is one file');

  // A rerun keeps every image, with its inode (the record phase rewrites the text files).
  const rerun = await build({ raw, out, size: SIZE, workers: 2 });
  assert.equal(rerun.converted, 0);
  assert.deepEqual(
    (await treeFiles(out)).filter((f) => f.rel.endsWith('.png')),
    pngs,
  );

  // A user overwrites one name in place: every name of that inode changes. The rerun converts the
  // jobs again and links them to a fresh copy, not to the edited one.
  await writeFile(path.join(out, slice.rel), 'edited in place');
  const repaired = await build({ raw, out, size: SIZE, workers: 2 });
  assert.ok(repaired.converted >= 1);
  const after = await treeFiles(out);
  assert.deepEqual(
    after.map((f) => [f.rel, f.hash]),
    files.map((f) => [f.rel, f.hash]),
  );
  assertOneFilePerContent(after);
  assert.deepEqual(inodeGroups(after), inodeGroups(files));
  for (const row of await readManifest(out)) {
    assert.equal(after.find((f) => f.rel === row.image)?.hash, row.sha256.image, row.image);
  }

  const copies = path.join(dir, 'copies');
  const { record } = await buildTree({ raw, out: copies, size: SIZE, links: false });
  assert.equal(record.options.links, false, 'medbank.json records --no-links');
  const copied = await treeFiles(copies);
  assert.deepEqual(
    copied.filter((f) => f.links !== 1).map((f) => f.rel),
    [],
  );
  assert.deepEqual(
    copied.filter((f) => f.rel !== 'medbank.json').map((f) => [f.rel, f.hash]),
    files.filter((f) => f.rel !== 'medbank.json').map((f) => [f.rel, f.hash]),
  );
  await assert.rejects(build({ raw, out: copies, size: SIZE, workers: 2 }), /built with different options.*--force/);
});

test('shards and a merge give the bytes and the link structure of an unsharded build', async (t) => {
  const { raw, dir } = await fixtureRaw(t, SOURCES);
  const whole = path.join(dir, 'whole');
  const sharded = path.join(dir, 'sharded');
  const args = ['--raw', raw, '--size', String(SIZE), '--quiet', '--workers', '2'];
  assert.equal((await runCli(['build', ...args, '--out', whole])).code, 0);
  assert.equal((await runCli(['build', ...args, '--out', sharded, '--shard', '0/2'])).code, 0);
  assert.equal((await runCli(['build', ...args, '--out', sharded, '--shard', '1/2'])).code, 0);
  assert.equal((await runCli(['merge', sharded])).code, 0);
  assert.deepEqual(await treeHashes(sharded, notState), await treeHashes(whole, notState));
  const [a, b] = [await treeFiles(whole), await treeFiles(sharded)];
  assertOneFilePerContent(b);
  assert.deepEqual(inodeGroups(b), inodeGroups(a));
});

test('where links fail, the build writes copies of the same bytes and says so once', async (t) => {
  const { raw, dir } = await fixtureRaw(t, SOURCES);
  const args = ['--raw', raw, '--size', String(SIZE), '--workers', '2'];
  const linked = path.join(dir, 'linked');
  const fallback = path.join(dir, 'fallback');
  assert.equal((await runCli(['build', ...args, '--quiet', '--out', linked])).code, 0);
  const r = await runCli(['build', ...args, '--out', fallback], { [LINK_FAILURE_ENV]: 'EXDEV' });
  assert.equal(r.code, 0, r.stderr);
  const notes = r.stderr.split('\n').filter((l) => l.includes('hard-link'));
  assert.deepEqual(notes, [`note: cannot hard-link files in ${fallback} (EXDEV): identical files are written as copies`]);
  const files = await treeFiles(fallback);
  assert.deepEqual(
    files.filter((f) => f.links !== 1).map((f) => f.rel),
    [],
  );
  assert.deepEqual(await treeHashes(fallback, notState), await treeHashes(linked, notState));
});

test('preprocess links identical outputs and leaves no store behind; --no-links writes copies', async (t) => {
  const { raw, dir } = await fixtureRaw(t, [['REFUGE']]);
  const tree = path.join(dir, 'tree');
  await buildTree({ raw, out: tree, size: SIZE });
  const linked = path.join(dir, 'pre-linked');
  const copies = path.join(dir, 'pre-copies');
  assert.equal((await runCli(['preprocess', tree, linked, '--size', '32', '--quiet'])).code, 0);
  assert.equal((await runCli(['preprocess', tree, copies, '--size', '32', '--quiet', '--no-links'])).code, 0);
  const files = await treeFiles(linked);
  assertOneFilePerContent(files);
  assert.ok(
    files.some((f) => f.links > 1),
    'the picture of two tasks is one file',
  );
  assert.deepEqual(await readdir(linked).then((names) => names.filter((n) => n.startsWith('.'))), []);
  const copied = await treeFiles(copies);
  assert.deepEqual(
    copied.filter((f) => f.links !== 1).map((f) => f.rel),
    [],
  );
  assert.deepEqual(
    copied.map((f) => [f.rel, f.hash]),
    files.map((f) => [f.rel, f.hash]),
  );
});
