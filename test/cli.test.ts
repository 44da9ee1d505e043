// The command line: `medbank sources` in its forms, usage errors without stack traces, and `medbank demo`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { catalog } from '../src/catalog/registry.js';
import type { BuildRecord } from '../src/contract/build-record.js';
import { REPO, runCli, tempDir } from './helpers.js';

const NO_STACK = /\n\s+at /;

test('medbank sources prints all 17 sources with license, commercial use and access', async () => {
  const r = await runCli(['sources']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  for (const id of ['BUSI', 'REFUGE', 'ISIC2018', 'Kvasir-SEG', 'CVC-ClinicDB', 'CVC-ColonDB', 'AMOS', 'MSD_Lung']) {
    assert.ok(
      lines.some((l) => l.startsWith(`${id} `)),
      `no row for ${id}`,
    );
  }
  const busi = lines.find((l) => l.startsWith('BUSI '))!;
  assert.match(busi, /ultrasound .*DbCL-1\.0 .*unclear .*open download +1$/);
  assert.match(
    lines.find((l) => l.startsWith('ACDC '))!,
    /CC-BY-NC-SA-4\.0 .*no .* 3$/,
  );
  assert.match(
    lines.find((l) => l.startsWith('AMOS '))!,
    / 28$/,
  );
  assert.equal(lines.filter((l) => /\s\d+$/.test(l)).length, 17);
});

test('medbank sources --json is the full catalog', async () => {
  const r = await runCli(['sources', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const entries = JSON.parse(r.stdout) as {
    id: string;
    tasks: unknown[];
    citations: { bibtex: string }[];
    citation: unknown;
    download: string[];
  }[];
  assert.equal(entries.length, 17);
  assert.equal(
    entries.reduce((n, e) => n + e.tasks.length, 0),
    65,
  );
  assert.ok(entries.every((e) => e.citations.every((c) => c.bibtex.startsWith('@')) && e.download.length > 0));
  for (const e of entries) assert.deepEqual(e.citation, e.citations[0], `${e.id}: the primary citation keeps its old field`);
});

test('medbank sources --raw says which source folders are present', async (t) => {
  const raw = await tempDir(t);
  await mkdir(path.join(raw, 'BUSI'));
  await mkdir(path.join(raw, 'KiTS19'));
  await mkdir(path.join(raw, 'unrelated'));
  const r = await runCli(['sources', '--raw', raw]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(
    lines.find((l) => l.startsWith('BUSI '))!,
    /present$/,
  );
  assert.match(
    lines.find((l) => l.startsWith('KiTS19 '))!,
    /present$/,
  );
  assert.match(
    lines.find((l) => l.startsWith('ISIC2018 '))!,
    /-$/,
  );
  assert.match(r.stdout, /2 of 17 sources present/);
  const json = JSON.parse((await runCli(['sources', '--raw', raw, '--json'])).stdout) as { id: string; present: boolean }[];
  assert.deepEqual(
    json.filter((e) => e.present).map((e) => e.id),
    ['BUSI', 'KiTS19'],
  );
});

test('medbank sources --details prints download steps and the expected layout (case-insensitive id)', async () => {
  const r = await runCli(['sources', '--details', 'kvasir-seg']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Kvasir-SEG \(Kvasir-SEG\)/);
  assert.match(
    r.stdout,
    /License: Research and education use only, .*commercial use is forbidden without written permission.*, commercial use: no\n/,
  );
  assert.doesNotMatch(r.stdout, /Laterality/);
  assert.match(r.stdout, /Download:\n {2}1\. .+\n {2}2\. /);
  assert.match(r.stdout, /Expected layout:\nKvasir-SEG\/\n/);
  const bad = await runCli(['sources', '--details', 'nope']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /unknown source "nope"/);
});

test('usage errors exit 1 with a message and no stack trace', async (t) => {
  const dir = await tempDir(t);
  const raw = path.join(dir, 'raw');
  await mkdir(path.join(raw, 'BUSI'), { recursive: true });
  const out = path.join(dir, 'out');
  const aFile = path.join(dir, 'a-file');
  await writeFile(aFile, 'not a folder');
  const cases: [string[], RegExp][] = [
    [['build', '--raw', raw, '--out', aFile], /--out .*a-file exists and is not a folder/],
    [['build', '--raw', raw, '--out', path.join(raw, 'BUSI', 'out')], /--out .* is inside --raw/],
    [['build', '--raw', raw, '--out', out, '--sources', 'Nope'], /unknown source "Nope"; known: BUSI, REFUGE/],
    [['build', '--raw', raw, '--out', out, '--size', '5'], /--size must be an integer from 16 to 8192, got "5"/],
    [['build', '--raw', raw, '--out', out, '--size', 'big'], /--size must be an integer/],
    [['build', '--out', out], /required option '--raw <dir>' not specified/],
    [['build', '--raw', path.join(dir, 'absent'), '--out', out], /raw folder .*absent does not exist/],
    [['build', '--raw', raw, '--out', out, '--sources', 'ISIC2018'], /requested source folder\(s\) missing: ISIC2018/],
    [['build', '--raw', raw, '--out', out, '--layout', 'coco'], /--layout must be one of medbank, samed2/],
    [['build', '--raw', raw, '--out', out, '--ratios', '70,30'], /ratios must be three non-negative numbers/],
    [['preprocess', path.join(dir, 'absent'), out], /input tree .*absent does not exist/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ];
  const results = await Promise.all(cases.map(([args]) => runCli(args)));
  for (const [i, [args, message]] of cases.entries()) {
    const r = results[i];
    assert.equal(r.code, 1, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.doesNotMatch(r.stderr, NO_STACK, args.join(' '));
  }
});

test('medbank demo builds all 17 sources from generated raw data, validates the tree and prints the table', async (t) => {
  const dir = await tempDir(t);
  const r = await runCli(['demo', '--out', dir, '--size', '128', '--workers', '2']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^task\s+source\s+train\s+val\s+test\s+total$/m);
  for (const [task, source, total] of [
    ['BreastTumor_UT_0', 'BUSI', 9],
    ['SkinLesion_DS_5', 'ISIC2018', 8],
    ['Polyp_EN_7', 'CVC-ClinicDB', 12],
    ['OpticCup_OC_2', 'REFUGE', 7],
  ] as const)
    assert.match(r.stdout, new RegExp(`^${task}\\s+${source}\\s+\\d+\\s+\\d+\\s+\\d+\\s+${total}$`, 'm'));
  assert.match(r.stdout, /^clean: \d+ samples passed every check/m);
  const record = JSON.parse(await readFile(path.join(dir, 'medbank', 'medbank.json'), 'utf8')) as BuildRecord;
  assert.deepEqual(
    record.options.sources,
    (await catalog()).map((s) => s.id),
  );
  for (const modality of ['UT', 'OC', 'DS', 'EN', 'XR', 'MI', 'PH', 'MR', 'CT', 'EC']) {
    assert.ok(
      record.tasks.some((x) => x.modalityCode === modality && x.counts.total > 0),
      `no ${modality} task with samples`,
    );
  }
});

/**
 * Packages loaded when `file` is: static imports followed through the tree, and top-level
 * `createRequire(import.meta.url)('package')` calls (dynamic `import()` calls are not followed).
 */
async function staticPackages(file: string, seen = new Set<string>(), packages = new Set<string>()): Promise<Set<string>> {
  if (seen.has(file)) return packages;
  seen.add(file);
  const text = await readFile(file, 'utf8');
  for (const [, spec] of text.matchAll(/^import\s+(?:[^'"]*?\sfrom\s+)?'([^']+)';$/gm)) {
    if (spec.startsWith('.')) await staticPackages(path.resolve(path.dirname(file), spec), seen, packages);
    else if (!spec.startsWith('node:')) packages.add(spec);
  }
  for (const [, spec] of text.matchAll(/^const \w+ = createRequire\(import\.meta\.url\)\('([^']+)'\)/gm)) packages.add(spec);
  return packages;
}

test('the CLI starts without loading libvips: commands import sharp when they run', async () => {
  const packages = await staticPackages(path.join(REPO, 'dist', 'src', 'cli', 'main.js'));
  assert.ok(packages.has('commander'), 'the import walk found no packages at all');
  assert.ok(!packages.has('sharp'), `sharp is imported when the CLI starts: ${[...packages].join(', ')}`);
});
