// `medbank export --format samed2` and what every export shares: links, resume, refusals, failed inputs, either layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { python, runCli } from './helpers.js';
import { exportTree, type ExportProgress } from '../src/index.js';
import { addedShare, assertCountsMatch, assertNoGroupLeak, fixtureTree, readExportRecord, scratchDir } from './export-helpers.js';

/** SAMed-2's GeneralData: data_path + case[2:], mask path = image path with /image/ -> /mask/, RGB and L > 0.5. */
const SAMED2_LOADER = `
import sys, os, json
from PIL import Image
import numpy as np
data_path = sys.argv[1]
out = {}
for split in ('train', 'val', 'test'):
    for case in open(os.path.join(data_path, split + '.txt')).read().splitlines():
        img_path = os.path.join(data_path, case[2:])
        mask_path = img_path.replace('/image/', '/mask/')
        image = np.array(Image.open(img_path).convert('RGB'))
        mask = np.array(Image.open(mask_path).convert('L'))
        out[case] = {'split': split, 'image': list(image.shape), 'values': sorted(int(v) for v in np.unique(mask)),
                     'foreground': int((mask / 255.0 > 0.5).sum())}
print(json.dumps(out))
`;

test('samed2 export: the loader path rule opens every image and mask, masks 0/255 with the tree foreground, counts per split equal the tree', async (t) => {
  const { out: tree, record, rows } = await fixtureTree();
  const out = path.join(await scratchDir('samed2'), 'export');
  const r = await runCli(['export', tree, '--format', 'samed2', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /exported 145 samples as samed2/);
  const exported = await readExportRecord(out);
  assert.equal(exported.complete, true);
  assert.equal(exported.source.record, path.join(tree, 'medbank.json'));
  assert.match(exported.source.recordSha256 ?? '', /^[0-9a-f]{64}$/);
  assert.equal(exported.files.linked, 290);
  assertCountsMatch(exported, record);

  // Per-task lists read from the same root give the same lines as the root lists.
  const perTask = await readFile(path.join(out, 'Myocardium_MR_14', 'test.txt'), 'utf8');
  assert.match(perTask.split('\n')[0], /^\.\/Myocardium_MR_14\/image\/acdc_patient\d+_frame\d+_slice_\d{4}\.png$/);
  // Files are hard links of the tree's.
  const a = await stat(path.join(out, 'BreastTumor_UT_0', 'image', 'busi_benign_1.png'));
  const b = await stat(path.join(tree, 'BreastTumor_UT_0', 'images', 'busi_benign_1.png'));
  assert.equal(a.ino, b.ino);
  const added = await addedShare(tree, out);
  assert.ok(added < 0.05, `the export adds ${(added * 100).toFixed(1)}% of the tree's bytes`);

  type Loaded = { split: string; image: number[]; values: number[]; foreground: number };
  const loaded = python(t, SAMED2_LOADER, [out]) as Record<string, Loaded> | undefined;
  if (!loaded) return;
  assert.equal(Object.keys(loaded).length, rows.length);
  const placed = new Map<string, string>();
  for (const row of rows) {
    const got: Loaded | undefined = loaded[`./${row.task}/image/${row.name}.png`];
    assert.ok(got, `${row.task}/${row.name} not in the root lists`);
    assert.equal(got.split, row.split);
    assert.deepEqual(got.image, [64, 64, 3]);
    assert.deepEqual(got.values, [0, 255]);
    assert.equal(got.foreground, row.foreground);
    placed.set(`${row.task}/${row.name}`, got.split);
  }
  assertNoGroupLeak(rows, placed);
});

test('export resumes, refuses other settings and foreign folders (exit 1), copies with --copy, and lists a missing file (exit 2)', async () => {
  const { out: tree } = await fixtureTree();
  const dir = await scratchDir('resume');
  const out = path.join(dir, 'export');
  const args = ['export', tree, '--format', 'samed2', '--out', out, '--tasks', 'BreastTumor_UT_0'];
  assert.equal((await runCli(args)).code, 0);
  await rm(path.join(out, 'BreastTumor_UT_0', 'mask', 'busi_benign_1.png'));
  const again = await runCli([...args, '--copy']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /0 linked, 1 copied, 0 written, 17 kept/);

  const other = await runCli(['export', tree, '--format', 'samed2', '--out', out, '--splits', 'test']);
  assert.equal(other.code, 1);
  assert.match(other.stderr, /holds an export made with other settings/);
  assert.doesNotMatch(other.stderr, /\n\s+at /);
  await writeFile(path.join(dir, 'stray.txt'), 'x');
  const foreign = await runCli(['export', tree, '--format', 'samed2', '--out', dir]);
  assert.equal(foreign.code, 1);
  assert.match(foreign.stderr, /is not empty and holds no medbank-export\.json/);
  assert.equal((await runCli(['export', tree, '--format', 'nope', '--out', path.join(dir, 'x')])).code, 1);
  const unused = await runCli(['export', tree, '--format', 'samed2', '--out', path.join(dir, 'x'), '--instances', '--shard-size', '1GB']);
  assert.equal(unused.code, 1);
  assert.match(unused.stderr, /--format samed2 does not use --instances, --shard-size/);
  assert.equal((await runCli(['export', tree, '--format', 'samed2', '--out', path.join(tree, 'inside')])).code, 1);

  // A tree with a missing image: every other sample exported, the missing one listed, exit 2.
  const broken = path.join(dir, 'broken');
  await cp(tree, broken, { recursive: true });
  await rm(path.join(broken, 'BreastTumor_UT_0', 'images', 'busi_benign_2.png'));
  const out2 = path.join(dir, 'export2');
  const r = await runCli(['export', broken, '--format', 'samed2', '--out', out2, '--tasks', 'BreastTumor_UT_0']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /busi_benign_2\.png/);
  const rec = await readExportRecord(out2);
  assert.equal(rec.problems.length, 1);
  assert.equal(rec.counts.total, 8);
  assert.doesNotMatch(await readFile(path.join(out2, 'train.txt'), 'utf8'), /busi_benign_2/);
});

test('export reads a samed2-layout tree without manifest or build record', async () => {
  const { out: tree, record } = await fixtureTree('samed2', ['BUSI']);
  const dir = await scratchDir('bare');
  const bare = path.join(dir, 'tree');
  await cp(tree, bare, { recursive: true });
  await rm(path.join(bare, 'manifest.jsonl'));
  await rm(path.join(bare, 'medbank.json'));
  const out = path.join(dir, 'export');
  const r = await runCli(['export', bare, '--format', 'samed2', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const exported = await readExportRecord(out);
  assert.equal(exported.source.record, null);
  assert.equal(exported.source.manifest, false);
  assertCountsMatch(exported, record);
  const lines = (await readFile(path.join(out, 'train.txt'), 'utf8')).trim().split('\n');
  assert.equal(lines.length, record.tasks[0].counts.train);
  assert.ok(lines.every((l) => /^\.\/BreastTumor_UT_0\/image\/busi_\w+\.png$/.test(l)));
});

test('exportTree (library): the same export in-process, with progress events up to the total', async () => {
  const { out: tree, record } = await fixtureTree();
  const out = path.join(await scratchDir('library'), 'export');
  const events: ExportProgress[] = [];
  const { record: exported } = await exportTree({ tree, format: 'samed2', out, splits: ['test'], onProgress: (e) => events.push(e) });
  const tests = record.tasks.reduce((n, t) => n + t.counts.test, 0);
  assert.equal(exported.counts.total, tests);
  assert.deepEqual(exported.options.splits, ['test']);
  const last = events.filter((e) => e.kind === 'exported').at(-1);
  assert.deepEqual(last, { kind: 'exported', done: tests, total: tests });
  assert.equal((await readFile(path.join(out, 'test.txt'), 'utf8')).trim().split('\n').length, tests);
  await assert.rejects(
    exportTree({ tree, format: 'samed2', out: path.join(out, 'x'), splits: ['nope' as 'test'] }),
    /unknown split "nope"/,
  );
});

test('export copies where the file system refuses hard links (another device), and says so once', async (t) => {
  const { out: tree } = await fixtureTree();
  const shm = await stat('/dev/shm').catch(() => undefined);
  if (!shm?.isDirectory() || shm.dev === (await stat(tree)).dev) {
    t.skip('no second file system (/dev/shm) on this machine: link fallback not exercised');
    return;
  }
  const out = await mkdtemp('/dev/shm/medbank-export-test-');
  t.after(() => rm(out, { recursive: true, force: true }));
  const r = await runCli(['export', tree, '--format', 'samed2', '--out', out, '--tasks', 'BreastTumor_UT_0']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /0 linked, 18 copied/);
  assert.equal(r.stderr.match(/are refused \(EXDEV\): copying files instead/g)?.length, 1);
});
