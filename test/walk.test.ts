// The walk of a source folder: links to files and folders followed alike, only inside the source,
// cycles and outside targets reported by name, unreadable folders reported as such.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, rename, symlink } from 'node:fs/promises';
import path from 'node:path';
import { catalog } from '../src/catalog/registry.js';
import { scanSource } from '../src/catalog/scan-source.js';
import { walkSource, type WalkIo } from '../src/catalog/walk.js';
import type { BuildRecord } from '../src/contract/build-record.js';
import { readManifest } from '../src/dataset/open.js';
import { runCli } from './helpers.js';
import { fixtureRaw } from './tree.js';

const BUSI = 'BUSI/Dataset_BUSI_with_GT';

test('links: folders and files inside the source are followed, outside targets, cycles and repeats reported; exit 2', async (t) => {
  const { raw, dir } = await fixtureRaw(t, [['BUSI']]);
  const at = (rel: string) => path.join(raw, rel);
  // A linked folder whose target the walk would not reach otherwise (a hidden store).
  await mkdir(at('BUSI/.store'));
  await rename(at(`${BUSI}/malignant`), at('BUSI/.store/malignant'));
  await symlink('../.store/malignant', at(`${BUSI}/malignant`));
  // A linked file inside the source, with its own mask.
  await symlink('benign (1).png', at(`${BUSI}/benign/benign (6).png`));
  await copyFile(at(`${BUSI}/benign/benign (1)_mask.png`), at(`${BUSI}/benign/benign (6)_mask.png`));
  // Links out of the source: a folder of samples and a file.
  const outside = path.join(dir, 'outside');
  await mkdir(path.join(outside, 'extra'), { recursive: true });
  await copyFile(at(`${BUSI}/benign/benign (1).png`), path.join(outside, 'extra', 'extra (1).png'));
  await copyFile(at(`${BUSI}/benign/benign (1)_mask.png`), path.join(outside, 'extra', 'extra (1)_mask.png'));
  await symlink(path.join(outside, 'extra'), at(`${BUSI}/extra`));
  await symlink(path.join(outside, 'extra', 'extra (1).png'), at(`${BUSI}/benign/benign (9).png`));
  await copyFile(at(`${BUSI}/benign/benign (1)_mask.png`), at(`${BUSI}/benign/benign (9)_mask.png`));
  // A cycle, a link to itself and a second way into a folder walked already.
  await symlink('..', at(`${BUSI}/loop`));
  await symlink('self', at(`${BUSI}/self`));
  await symlink('Dataset_BUSI_with_GT/benign', at('BUSI/again'));

  const out = path.join(dir, 'out');
  const r = await runCli(['build', '--raw', raw, '--out', out, '--size', '32', '--workers', '1']);
  assert.equal(r.code, 2, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');

  const record = JSON.parse(await readFile(path.join(out, 'medbank.json'), 'utf8')) as BuildRecord;
  const expected: [string, RegExp][] = [
    [`${BUSI}/extra`, /^link to .*outside.*, outside the source folder: not followed/],
    [`${BUSI}/benign/benign (9).png`, /^link to .*extra \(1\)\.png, outside the source folder: not followed/],
    [`${BUSI}/benign/benign (9)_mask.png`, /mask without its image/],
    [`${BUSI}/loop`, /^link cycle: points to the enclosing folder BUSI; not followed/],
    [`${BUSI}/self`, /^link cycle: not followed/],
    ['BUSI/again', /^link to a folder walked already \(BUSI\/Dataset_BUSI_with_GT\/benign\): not followed/],
  ];
  assert.deepEqual(record.problems.map((p) => p.file).sort(), expected.map(([f]) => f).sort(), JSON.stringify(record.problems));
  for (const [file, reason] of expected) {
    const p = record.problems.find((x) => x.file === file)!;
    assert.match(p.reason, reason, `${file}: ${p.reason}`);
    assert.ok(r.stderr.includes(`problem: ${file}: ${p.reason}`), `stderr lacks ${file}`);
  }

  const names = (await readManifest(out)).map((row) => row.name);
  for (const n of ['busi_malignant_1', 'busi_malignant_2', 'busi_malignant_3', 'busi_malignant_4', 'busi_benign_6'])
    assert.ok(names.includes(n), `${n} is built through its link`);
  assert.ok(!names.some((n) => n.includes('extra') || n === 'busi_benign_9'), 'nothing from outside the source');
  assert.equal(new Set(names).size, names.length, 'no sample twice');
  const rows = (await readManifest(out)).filter((row) => row.name === 'busi_malignant_1');
  assert.deepEqual(rows[0].raw, [`${BUSI}/malignant/malignant (1).png`, `${BUSI}/malignant/malignant (1)_mask.png`]);

  const files = record.sources[0].files!;
  assert.equal(files.problems, 6, 'five links not followed and the mask left without its image');
  assert.equal(files.total, files.used + files.problems + Object.values(files.ignored).reduce((a, b) => a + b, 0));
});

test('an unreadable folder is reported as "permission denied" naming it, not as missing masks', async (t) => {
  const { raw } = await fixtureRaw(t, [['BUSI']]);
  const locked = path.join(raw, BUSI, 'malignant');
  // Tests run as root, where chmod 000 does not stop readdir: the error is injected.
  const { readdir, realpath, stat } = await import('node:fs/promises');
  const io: WalkIo = {
    readdir: (d) => {
      if (d === locked) return Promise.reject(Object.assign(new Error(`EACCES: permission denied, scandir '${d}'`), { code: 'EACCES' }));
      return readdir(d, { withFileTypes: true });
    },
    realpath: (f) => realpath(f),
    stat: (f) => stat(f),
  };
  const walk = await walkSource(path.join(raw, 'BUSI'), raw, io);
  assert.deepEqual(walk.problems, [
    { file: `${BUSI}/malignant`, reason: 'permission denied: the folder cannot be listed, so none of its files are used' },
  ]);
  assert.ok(!walk.files.some((f) => f.includes('malignant')));

  const busi = (await catalog()).find((s) => s.id === 'BUSI')!;
  const scan = await scanSource(busi, { rawRoot: raw, options: {}, io });
  assert.deepEqual(
    scan.problems.map((p) => p.file),
    [`${BUSI}/malignant`],
  );
  assert.match(scan.problems[0].reason, /^permission denied/);
});

test('an unreadable mask folder: its folder is reported, and each image without a mask points to it', async (t) => {
  const { raw } = await fixtureRaw(t, [['Kvasir-SEG', 'no-lists']]);
  const masks = path.join(raw, 'Kvasir-SEG', 'Kvasir-SEG', 'masks');
  const { readdir, realpath, stat } = await import('node:fs/promises');
  const io: WalkIo = {
    readdir: (d) =>
      d === masks ? Promise.reject(Object.assign(new Error('EACCES'), { code: 'EACCES' })) : readdir(d, { withFileTypes: true }),
    realpath: (f) => realpath(f),
    stat: (f) => stat(f),
  };
  const kvasir = (await catalog()).find((s) => s.id === 'Kvasir-SEG')!;
  const scan = await scanSource(kvasir, { rawRoot: raw, options: {}, io });
  assert.deepEqual(scan.problems[0], {
    file: 'Kvasir-SEG/Kvasir-SEG/masks',
    reason: 'permission denied: the folder cannot be listed, so none of its files are used',
  });
  const rest = scan.problems.slice(1);
  assert.equal(rest.length, 8, 'each of the 8 images');
  for (const p of rest) assert.match(p.reason, /no mask .* \(perhaps because Kvasir-SEG\/Kvasir-SEG\/masks could not be listed\)$/);
  assert.equal(scan.jobs.length, 0);
});
