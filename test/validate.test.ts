// `medbank validate`: every check fires on a tree broken in exactly its way, naming the file; clean trees pass.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, readFile, rm, symlink, truncate, writeFile, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { validateTree, type ValidateReport } from '../src/dataset/validate.js';
import { inspectImage } from '../src/dataset/inspect.js';
import { CHECKS, type CheckCode } from '../src/dataset/check-codes.js';
import { hammingDistance, nearPairs } from '../src/io/image/perceptual-hash.js';
import { preprocess } from '../src/pipeline/preprocess/preprocess.js';
import type { BuildRecord } from '../src/contract/build-record.js';
import { runCli, tempDir } from './helpers.js';
import { lyingPng } from '../src/fixtures/faults.js';
import { readManifest } from '../src/dataset/open.js';
import {
  buildFixtureTree,
  copyTree,
  readPixels,
  splitLines,
  writeGrey,
  writeManifestRows,
  writeRgb,
  writeSplitLines,
} from './tree-fixtures.js';

let template = '';
let cleanup = async () => {};
before(async () => {
  ({ tree: template, cleanup } = await buildFixtureTree());
});
after(() => cleanup());

const POLYP = 'Polyp_EN_7'; // CVC-ClinicDB: sequences, several frames per group
const BUSI = 'BreastTumor_UT_0';

async function broken(t: TestContext, breakIt: (tree: string) => Promise<void>, deep = false): Promise<ValidateReport> {
  const tree = await copyTree(t, template);
  await breakIt(tree);
  return validateTree(tree, { deep });
}

function assertFires(report: ValidateReport, code: CheckCode, file: string, line?: number): void {
  const hit = report.findings.find((f) => f.code === code && f.file === file && (line === undefined || f.line === line));
  assert.ok(
    hit,
    `expected ${code} on ${file}${line ? `:${line}` : ''}; got ${JSON.stringify(report.findings.map((f) => `${f.code} ${f.file}:${f.line ?? ''}`))}`,
  );
}

function codes(report: ValidateReport): string[] {
  return [...new Set(report.findings.map((f) => f.code))].sort();
}

const image = (task: string, file: string) => `${task}/images/${file}`;
const mask = (task: string, file: string) => `${task}/masks/${file}`;

async function firstLine(tree: string, task: string, split: string): Promise<string> {
  const [line] = await splitLines(tree, task, split);
  assert.ok(line, `${task}/${split}.txt is empty`);
  return line;
}

test('a freshly built tree is clean: validate exits 0 (in the worker pool), --json has no findings, --deep agrees', async () => {
  const r = await runCli(['validate', template, '--json', '--workers', '2']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as ValidateReport;
  assert.deepEqual(report.findings, []);
  assert.equal(report.tasks.length, 4);
  assert.equal(report.samples, (await readManifest(template)).length);
  const deep = await runCli(['validate', template, '--deep']);
  assert.equal(deep.code, 0, deep.stdout);
  assert.match(deep.stdout, /clean: 37 samples passed every check/);
});

test('validate exits 2 with findings (one line per finding naming the file) and 1 for a folder that does not exist', async (t) => {
  const tree = await copyTree(t, template);
  const line = await firstLine(tree, BUSI, 'train');
  await rm(path.join(tree, BUSI, 'masks', line));
  const r = await runCli(['validate', tree]);
  assert.equal(r.code, 2);
  assert.match(r.stdout, new RegExp(`^pair\\.mask-missing  ${BUSI}/images/${line}: no mask`, 'm'));
  const missing = await runCli(['validate', path.join(tree, 'nope')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /is not a folder/);
  const list = await runCli(['validate', tree, '--list-checks']);
  for (const code of Object.keys(CHECKS)) assert.ok(list.stdout.includes(code), code);
});

test('the samed2 layout validates clean, and a medbank-style line in it is malformed', async (t) => {
  const { tree, cleanup: done } = await buildFixtureTree(['Kvasir-SEG', 'CVC-ClinicDB'], { layout: 'samed2' });
  t.after(done);
  const clean = await validateTree(tree, {});
  assert.deepEqual(clean.findings, []);
  assert.deepEqual(
    clean.tasks.map((x) => x.layout),
    ['samed2', 'samed2'],
  );
  const [first] = await splitLines(tree, POLYP, 'train');
  await appendFile(path.join(tree, POLYP, 'test.txt'), `${first.slice('./image/'.length)}\n`);
  const report = await validateTree(tree, {});
  assertFires(report, 'split.malformed', `${POLYP}/test.txt`);
});

test('a tree without medbank.json and manifest (the README script / medbank preprocess) is clean, with a note', async (t) => {
  const out = path.join(await tempDir(t), 'pre');
  const input = await copyTree(t, template);
  await rm(path.join(input, 'medbank.json'));
  await rm(path.join(input, 'manifest.jsonl'));
  await preprocess({ input, output: out, size: 64 });
  const report = await validateTree(out, {});
  assert.deepEqual(report.findings, []);
  assert.equal(report.samples, (await readManifest(template)).length);
  assert.match(report.notes.join('\n'), /no medbank\.json and no manifest\.jsonl/);
});

test('record.missing: medbank.json deleted while the manifest stays', async (t) => {
  const report = await broken(t, (tree) => rm(path.join(tree, 'medbank.json')));
  assertFires(report, 'record.missing', 'medbank.json');
});

test('record.malformed: medbank.json cut short', async (t) => {
  const report = await broken(t, (tree) => writeFile(path.join(tree, 'medbank.json'), '{"format": "medbank-build/1", "tasks": ['));
  assertFires(report, 'record.malformed', 'medbank.json');
  assert.match(report.findings[0].message, /not valid JSON/);
});

test('record.counts, record.task-unlisted, record.task-missing: medbank.json disagrees with the folders', async (t) => {
  const report = await broken(t, async (tree) => {
    const record = JSON.parse(await readFile(path.join(tree, 'medbank.json'), 'utf8')) as BuildRecord;
    record.tasks.find((x) => x.id === BUSI)!.counts.train += 1;
    record.tasks = record.tasks.filter((x) => x.id !== 'Polyp_EN_6');
    record.tasks.push({ ...record.tasks[0], id: 'Ghost_UT_99' });
    await writeFile(path.join(tree, 'medbank.json'), JSON.stringify(record));
  });
  assertFires(report, 'record.counts', 'medbank.json');
  assert.match(
    report.findings.find((f) => f.code === 'record.counts')!.message,
    /BreastTumor_UT_0: train 7 in medbank.json, 6 in train.txt/,
  );
  assertFires(report, 'record.task-unlisted', 'Polyp_EN_6');
  assertFires(report, 'record.task-missing', 'Ghost_UT_99');
});

test('manifest.missing: manifest.jsonl deleted while medbank.json stays', async (t) => {
  const report = await broken(t, (tree) => rm(path.join(tree, 'manifest.jsonl')));
  assertFires(report, 'manifest.missing', 'manifest.jsonl');
});

test('manifest.malformed: a line that is not JSON and a row without its hashes, by line number', async (t) => {
  const rows = await readManifest(template);
  const report = await broken(t, async (tree) => {
    await appendFile(path.join(tree, 'manifest.jsonl'), 'not json\n{"task": "x", "name": "y", "split": "train", "group": "g"}\n');
  });
  assertFires(report, 'manifest.malformed', 'manifest.jsonl', rows.length + 1);
  assertFires(report, 'manifest.malformed', 'manifest.jsonl', rows.length + 2);
});

test('manifest.row-missing, manifest.orphan, manifest.split: rows that disagree with the tree', async (t) => {
  const rows = await readManifest(template);
  const dropped = rows.find((r) => r.task === BUSI)!;
  const moved = rows.find((r) => r.task === 'SkinLesion_DS_5' && r.split === 'test')!;
  const report = await broken(t, async (tree) => {
    const edited = rows.filter((r) => r !== dropped).map((r) => (r === moved ? { ...r, split: 'train' as const } : r));
    edited.push({ ...dropped, name: 'busi_ghost' });
    await writeManifestRows(tree, edited);
  });
  assertFires(report, 'manifest.row-missing', image(BUSI, `${dropped.name}.png`));
  assertFires(report, 'manifest.orphan', 'manifest.jsonl');
  assertFires(report, 'manifest.split', image('SkinLesion_DS_5', `${moved.name}.png`));
});

test('manifest.hash fires only with --deep: one mask pixel changed within the allowed values', async (t) => {
  const tree = await copyTree(t, template);
  const line = await firstLine(tree, BUSI, 'train');
  const file = path.join(tree, BUSI, 'masks', line);
  const m = await readPixels(file);
  m.data[0] = m.data[0] === 0 ? 255 : 0;
  await writeGrey(file, m.data, m.width, m.height);
  const quick = await validateTree(tree, {});
  assert.deepEqual(codes(quick), []);
  const deep = await validateTree(tree, { deep: true });
  assert.deepEqual(codes(deep), ['manifest.hash']);
  assertFires(deep, 'manifest.hash', mask(BUSI, line));
});

test('file.not-png: a JPEG in an image folder', async (t) => {
  const report = await broken(t, async (tree) => {
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
      .jpeg()
      .toFile(path.join(tree, BUSI, 'images', 'stray.jpg'));
  });
  assertFires(report, 'file.not-png', image(BUSI, 'stray.jpg'));
});

test('pair.mask-missing: a mask deleted', async (t) => {
  let line = '';
  const report = await broken(t, async (tree) => {
    line = await firstLine(tree, BUSI, 'val');
    await rm(path.join(tree, BUSI, 'masks', line));
  });
  assertFires(report, 'pair.mask-missing', image(BUSI, line));
});

test('pair.image-missing: an image deleted, its mask kept', async (t) => {
  let line = '';
  const report = await broken(t, async (tree) => {
    line = await firstLine(tree, POLYP, 'train');
    await rm(path.join(tree, POLYP, 'images', line));
  });
  assertFires(report, 'pair.image-missing', mask(POLYP, line));
  assertFires(report, 'split.unknown-file', `${POLYP}/train.txt`, 1);
});

test('pair.size-mismatch: a mask resized by one pixel', async (t) => {
  let line = '';
  const report = await broken(t, async (tree) => {
    line = await firstLine(tree, BUSI, 'train');
    const file = path.join(tree, BUSI, 'masks', line);
    const resized = await sharp(file).resize(63, 64, { fit: 'fill', kernel: 'nearest' }).toColourspace('b-w').png().toBuffer();
    await writeFile(file, resized);
  });
  assertFires(report, 'pair.size-mismatch', mask(BUSI, line));
  assert.match(report.findings.find((f) => f.code === 'pair.size-mismatch')!.message, /mask is 63×64, its image 64×64/);
});

test('png.corrupt: a truncated image, and a PNG without its IEND chunk (which libpng accepts)', async (t) => {
  let cut = '';
  let noEnd = '';
  const report = await broken(t, async (tree) => {
    [cut, noEnd] = await splitLines(tree, POLYP, 'train');
    const file = path.join(tree, POLYP, 'images', cut);
    await truncate(file, Math.floor((await stat(file)).size / 2));
    const maskFile = path.join(tree, POLYP, 'masks', noEnd);
    await truncate(maskFile, (await stat(maskFile)).size - 12);
  });
  assertFires(report, 'png.corrupt', image(POLYP, cut));
  assertFires(report, 'png.corrupt', mask(POLYP, noEnd));
  assert.match(report.findings.find((f) => f.file === mask(POLYP, noEnd))!.message, /before the IEND chunk/);
});

test('png.corrupt: bytes hidden after the IEND chunk, a mask declaring 10^10 pixels; file.unreadable: an image that is a symbolic link loop', async (t) => {
  let padded = '';
  let looped = '';
  const report = await broken(t, async (tree) => {
    [padded, looped] = await splitLines(tree, POLYP, 'train');
    await appendFile(path.join(tree, POLYP, 'images', padded), 'hidden payload after the image');
    await writeFile(path.join(tree, POLYP, 'masks', padded), lyingPng(100000, 100000));
    const file = path.join(tree, POLYP, 'images', looped);
    await rm(file);
    await symlink(looped, file);
  });
  assertFires(report, 'png.corrupt', image(POLYP, padded));
  assert.match(report.findings.find((f) => f.file === image(POLYP, padded))!.message, /30 bytes after the IEND chunk/);
  assert.match(
    report.findings.find((f) => f.file === mask(POLYP, padded) && f.code === 'png.corrupt')!.message,
    /IHDR declares 100000x100000 pixels, above the bound/,
  );
  assertFires(report, 'file.unreadable', image(POLYP, looped));
  assert.match(report.findings.find((f) => f.file === image(POLYP, looped))!.message, /symbolic link loop/);
  assert.ok(!report.findings.some((f) => f.file === image(POLYP, looped) && f.code === 'png.corrupt'), 'a loop is not a decoding error');
});

test('image.format: an image saved as RGBA', async (t) => {
  let line = '';
  const report = await broken(t, async (tree) => {
    line = await firstLine(tree, 'Polyp_EN_6', 'train');
    const file = path.join(tree, 'Polyp_EN_6', 'images', line);
    await writeFile(
      file,
      await sharp(await readFile(file))
        .ensureAlpha()
        .png()
        .toBuffer(),
    );
  });
  assertFires(report, 'image.format', image('Polyp_EN_6', line));
  assert.match(report.findings.find((f) => f.code === 'image.format')!.message, /8-bit RGBA, expected 8-bit RGB/);
});

test('image.size: an image and its mask both one pixel larger than the build size', async (t) => {
  let line = '';
  const report = await broken(t, async (tree) => {
    line = await firstLine(tree, BUSI, 'test');
    for (const [dir, grey] of [
      ['images', false],
      ['masks', true],
    ] as const) {
      const file = path.join(tree, BUSI, dir, line);
      let img = sharp(await readFile(file)).resize(65, 65, { fit: 'fill', kernel: 'nearest' });
      if (grey) img = img.toColourspace('b-w');
      await writeFile(file, await img.png().toBuffer());
    }
  });
  assertFires(report, 'image.size', image(BUSI, line));
  assert.ok(!report.findings.some((f) => f.code === 'pair.size-mismatch'));
});

test('image.looks-like-mask: an image replaced by its own mask in RGB', async (t) => {
  let line = '';
  const report = await broken(t, async (tree) => {
    line = await firstLine(tree, 'SkinLesion_DS_5', 'train');
    const m = await readPixels(path.join(tree, 'SkinLesion_DS_5', 'masks', line));
    const rgb = new Uint8Array(m.width * m.height * 3);
    for (let i = 0; i < m.width * m.height; i++) rgb.fill(m.data[i], i * 3, i * 3 + 3);
    await writeRgb(path.join(tree, 'SkinLesion_DS_5', 'images', line), rgb, m.width, m.height);
  });
  assertFires(report, 'image.looks-like-mask', image('SkinLesion_DS_5', line));
});

test('mask.format: a mask saved as RGB', async (t) => {
  let line = '';
  const report = await broken(t, async (tree) => {
    line = await firstLine(tree, BUSI, 'train');
    const m = await readPixels(path.join(tree, BUSI, 'masks', line));
    const rgb = new Uint8Array(m.width * m.height * 3);
    for (let i = 0; i < m.width * m.height; i++) rgb.fill(m.data[i], i * 3, i * 3 + 3);
    await writeRgb(path.join(tree, BUSI, 'masks', line), rgb, m.width, m.height);
  });
  assertFires(report, 'mask.format', mask(BUSI, line));
  assert.match(report.findings.find((f) => f.code === 'mask.format')!.message, /8-bit RGB, expected 8-bit grey/);
});

test('mask.values: one mask pixel set to 7', async (t) => {
  let line = '';
  const report = await broken(t, async (tree) => {
    line = await firstLine(tree, POLYP, 'test');
    const file = path.join(tree, POLYP, 'masks', line);
    const m = await readPixels(file);
    m.data[5] = 7;
    await writeGrey(file, m.data, m.width, m.height);
  });
  assertFires(report, 'mask.values', mask(POLYP, line));
  assert.match(report.findings.find((f) => f.code === 'mask.values')!.message, /values 7 outside \{0, 255\}/);
});

test('mask.empty and mask.empty-rate: masks emptied in a build that skipped empty masks', async (t) => {
  const lines: string[] = [];
  const report = await broken(t, async (tree) => {
    for (const split of ['train', 'val', 'test']) lines.push(...(await splitLines(tree, BUSI, split)));
    for (const line of lines) await writeGrey(path.join(tree, BUSI, 'masks', line), new Uint8Array(64 * 64), 64, 64);
  });
  for (const line of lines) assertFires(report, 'mask.empty', mask(BUSI, line));
  assertFires(report, 'mask.empty-rate', BUSI);
  assert.equal(report.tasks.find((x) => x.task === BUSI)!.emptyRate, 1);
});

test('split.file-missing: val.txt deleted', async (t) => {
  const report = await broken(t, (tree) => rm(path.join(tree, BUSI, 'val.txt')));
  assertFires(report, 'split.file-missing', `${BUSI}/val.txt`);
  assert.ok(report.findings.some((f) => f.code === 'split.uncovered'));
});

test('split.blank-line and split.duplicate: a blank line and a repeated line, by line number', async (t) => {
  const report = await broken(t, async (tree) => {
    const lines = await splitLines(tree, POLYP, 'train');
    await writeSplitLines(tree, POLYP, 'train', [lines[0], '', ...lines.slice(1), lines[1]]);
  });
  const lines = await splitLines(template, POLYP, 'train');
  assertFires(report, 'split.blank-line', `${POLYP}/train.txt`, 2);
  assertFires(report, 'split.duplicate', `${POLYP}/train.txt`, lines.length + 2);
  assert.match(report.findings.find((f) => f.code === 'split.duplicate')!.message, /repeats line 3/);
});

test('split.malformed and split.unknown-file: a samed2 line in a medbank tree and a name that does not exist', async (t) => {
  const report = await broken(t, (tree) => appendFile(path.join(tree, BUSI, 'test.txt'), './image/busi_benign_1.png\nno_such_file.png\n'));
  const n = (await splitLines(template, BUSI, 'test')).length;
  assertFires(report, 'split.malformed', `${BUSI}/test.txt`, n + 1);
  assertFires(report, 'split.unknown-file', `${BUSI}/test.txt`, n + 2);
});

test('split.overlap: a training image also listed in test.txt', async (t) => {
  let line = '';
  const report = await broken(t, async (tree) => {
    line = await firstLine(tree, 'Polyp_EN_6', 'train');
    await appendFile(path.join(tree, 'Polyp_EN_6', 'test.txt'), `${line}\n`);
  });
  assertFires(report, 'split.overlap', image('Polyp_EN_6', line));
  assert.match(report.findings.find((f) => f.code === 'split.overlap')!.message, /listed in train\.txt and test\.txt/);
});

test('split.uncovered: a line removed from train.txt', async (t) => {
  let line = '';
  const report = await broken(t, async (tree) => {
    const lines = await splitLines(tree, BUSI, 'train');
    line = lines[0];
    await writeSplitLines(tree, BUSI, 'train', lines.slice(1));
  });
  assertFires(report, 'split.uncovered', image(BUSI, line));
});

test('group.leak: one frame of a CVC-ClinicDB sequence moved from train to test', async (t) => {
  const rows = await readManifest(template);
  const groups = new Map<string, typeof rows>();
  for (const r of rows.filter((x) => x.task === POLYP && x.split === 'train')) groups.set(r.group, [...(groups.get(r.group) ?? []), r]);
  const [, members] = [...groups].find(([, m]) => m.length >= 2)!;
  const moved = members[0];
  const report = await broken(t, async (tree) => {
    const train = await splitLines(tree, POLYP, 'train');
    await writeSplitLines(
      tree,
      POLYP,
      'train',
      train.filter((l) => l !== `${moved.name}.png`),
    );
    await appendFile(path.join(tree, POLYP, 'test.txt'), `${moved.name}.png\n`);
    await writeManifestRows(
      tree,
      rows.map((r) => (r === moved ? { ...r, split: 'test' as const } : r)),
    );
  });
  assertFires(report, 'group.leak', image(POLYP, `${moved.name}.png`));
  assert.match(report.findings.find((f) => f.code === 'group.leak')!.message, new RegExp(`group "${moved.group}" is in test here`));
});

test('leak.identical: a training image copied over a test image', async (t) => {
  let target = '';
  let source = '';
  const report = await broken(t, async (tree) => {
    source = await firstLine(tree, POLYP, 'train');
    target = await firstLine(tree, POLYP, 'test');
    await writeFile(path.join(tree, POLYP, 'images', target), await readFile(path.join(tree, POLYP, 'images', source)));
  });
  assertFires(report, 'leak.identical', image(POLYP, target));
  assert.match(
    report.findings.find((f) => f.code === 'leak.identical')!.message,
    new RegExp(`byte-identical to ${POLYP}/images/${source} \\(train\\)`),
  );
  assert.ok(!report.findings.some((f) => f.code === 'leak.near-identical'));
});

test('leak.identical: files with the same content key but other bytes are told apart by sha256', async (t) => {
  let target = '';
  const report = await broken(t, async (tree) => {
    const source = await firstLine(tree, POLYP, 'train');
    target = await firstLine(tree, POLYP, 'test');
    const bytes = await readFile(path.join(tree, POLYP, 'images', source));
    // One byte of image data changed, the stored CRCs kept: a broken PNG with the same content key.
    const forged = Buffer.from(bytes);
    forged[Math.floor(bytes.length / 2)] ^= 1;
    await writeFile(path.join(tree, POLYP, 'images', target), forged);
    const wants = { imagePixels: true, imageHash: false, maskPixels: false, maskHash: false };
    const [a, b] = [source, target].map((n) => inspectImage(path.join(tree, POLYP, 'images', n), wants));
    assert.equal(a.contentKey, b.contentKey, 'same content key');
    assert.notEqual(Buffer.compare(bytes, forged), 0);
  });
  assert.ok(!report.findings.some((f) => f.code === 'leak.identical'), 'no identical-copy finding');
  assert.ok(
    report.findings.some((f) => f.file === image(POLYP, target) && f.code === 'png.corrupt'),
    'the forged file is corrupt',
  );
});

test('leak.near-identical: a training image, 3 grey levels brighter with light noise, written over a test image', async (t) => {
  let target = '';
  const report = await broken(t, async (tree) => {
    const source = await firstLine(tree, 'SkinLesion_DS_5', 'train');
    target = await firstLine(tree, 'SkinLesion_DS_5', 'test');
    const img = await readPixels(path.join(tree, 'SkinLesion_DS_5', 'images', source));
    for (let i = 0; i < img.data.length; i++) img.data[i] = Math.min(255, img.data[i] + 3 + (i % 3));
    await writeRgb(path.join(tree, 'SkinLesion_DS_5', 'images', target), img.data, img.width, img.height);
  });
  assertFires(report, 'leak.near-identical', image('SkinLesion_DS_5', target));
  assert.ok(!report.findings.some((f) => f.code === 'leak.identical'));
  assert.deepEqual(codes(report), ['leak.near-identical']);
});

test('perceptual hash search: finds pairs within the threshold through shared bands, and only those', () => {
  const base = 'f0e1d2c3b4a5968778695a4b3c2d1e0f'.repeat(2);
  const flip = (hex: string, digits: number[]) =>
    hex
      .split('')
      .map((c, i) => (digits.includes(i) ? (parseInt(c, 16) ^ 1).toString(16) : c))
      .join('');
  const near = flip(base, [0, 10, 20, 30, 40, 50, 60]); // 7 bits
  const far = flip(
    base,
    Array.from({ length: 20 }, (_, i) => i * 3),
  ); // 20 bits
  assert.equal(hammingDistance(base, near), 7);
  assert.equal(hammingDistance(base, far), 20);
  const items = [
    { hash: base, id: 'a' },
    { hash: near, id: 'b' },
    { hash: far, id: 'c' },
  ];
  const pairs = nearPairs(items, () => true);
  assert.deepEqual(
    pairs.map((p) => [p.a.id, p.b.id, p.bits]),
    [['a', 'b', 7]],
  );
});
