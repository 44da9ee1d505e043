// Builds are reproducible: twice, with other worker counts, and after being killed mid-way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CLI, runCli, treeHashes, buildWhole } from './helpers.js';
import { buildTree, fixtureRaw } from './tree.js';

const ALL: [string, string?][] = [['BUSI'], ['ISIC2018'], ['Kvasir-SEG'], ['CVC-ClinicDB'], ['CVC-ColonDB']];

test('building twice, with 1 or 2 workers, or from a moved raw folder gives identical sha256 for every output file', async (t) => {
  const { raw, dir } = await fixtureRaw(t, ALL);
  await buildTree({ raw, out: path.join(dir, 'a'), size: 96, workers: 2 });
  await buildTree({ raw, out: path.join(dir, 'b'), size: 96, workers: 2 });
  const moved = path.join(dir, 'elsewhere', 'raw');
  await cp(raw, moved, { recursive: true });
  await buildTree({ raw: moved, out: path.join(dir, 'c'), size: 96, workers: 1 });
  const a = await treeHashes(path.join(dir, 'a'));
  assert.ok(Object.keys(a).filter((f) => f.endsWith('.png')).length >= 2 * 43, 'every sample written');
  assert.deepEqual(await treeHashes(path.join(dir, 'b')), a);
  assert.deepEqual(await treeHashes(path.join(dir, 'c')), a);
});

test('a rerun replaces an output that was damaged or deleted since, and ends with the same tree', async (t) => {
  const { raw, dir } = await fixtureRaw(t, [['BUSI']]);
  const out = path.join(dir, 'out');
  const { rows } = await buildTree({ raw, out, size: 64 });
  const before = await treeHashes(out);
  await writeFile(path.join(out, rows[0].image), 'damaged');
  await rm(path.join(out, rows[1].mask));
  const { resumed, converted } = await buildWhole({ raw, out, size: 64, workers: 2 });
  // Writing into a file changes every name hard-linked to it (identical images): their jobs are damaged too.
  const damaged = new Set(rows.filter((r) => r.sha256.image === rows[0].sha256.image).map((r) => r.name)).add(rows[1].name);
  // BUSI has one job more than rows: the normal image whose empty mask is skipped.
  assert.deepEqual([resumed, converted], [rows.length + 1 - damaged.size, damaged.size], 'only the damaged jobs are converted again');
  assert.deepEqual(await treeHashes(out), before);
});

async function countPngs(dir: string): Promise<number> {
  let n = 0;
  async function visit(d: string): Promise<void> {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await visit(path.join(d, e.name));
      else if (e.name.endsWith('.png') && !e.name.startsWith('.')) n++;
    }
  }
  await visit(dir);
  return n;
}

test('a build killed mid-way and rerun ends with the same tree as an uninterrupted one', async (t) => {
  const { raw, dir } = await fixtureRaw(t, ALL);
  const killed = path.join(dir, 'killed');
  const args = ['build', '--raw', raw, '--out', killed, '--size', '512', '--workers', '1'];
  const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let finished = false;
  void exited.then(() => (finished = true));
  // Poll until some outputs exist, then kill without warning.
  while (!finished && (await countPngs(killed)) < 10) await new Promise((r) => setTimeout(r, 20));
  assert.ok(!finished, 'the build ended before it could be killed; make the input larger');
  child.kill('SIGKILL');
  await exited;
  assert.ok(!(await readdir(killed)).includes('medbank.json'), 'killed before the record was written');

  const rerun = await runCli(args);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stderr, /kept from an earlier run/, 'the rerun resumes');
  const whole = await runCli(['build', '--raw', raw, '--out', path.join(dir, 'whole'), '--size', '512', '--workers', '2']);
  assert.equal(whole.code, 0, whole.stderr);
  assert.deepEqual(await treeHashes(killed), await treeHashes(path.join(dir, 'whole')));
});

test('a rerun with other options refuses (exit 1) unless --force; --force rebuilds as a fresh build would', async (t) => {
  const { raw, dir } = await fixtureRaw(t, [['CVC-ColonDB']]);
  const out = path.join(dir, 'out');
  assert.equal((await runCli(['build', '--raw', raw, '--out', out, '--size', '64'])).code, 0);
  const before = await treeHashes(out);
  const again = await runCli(['build', '--raw', raw, '--out', out, '--size', '64']);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(await treeHashes(out), before, 'the same command is a no-op rerun');

  const other = await runCli(['build', '--raw', raw, '--out', out, '--size', '80']);
  assert.equal(other.code, 1);
  assert.match(other.stderr, /built with different options.*--force/);
  assert.doesNotMatch(other.stderr, /\n\s+at /, 'no stack trace');
  assert.deepEqual(await treeHashes(out), before, 'a refused rerun leaves the tree alone');

  const forced = await runCli(['build', '--raw', raw, '--out', out, '--size', '80', '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  const fresh = path.join(dir, 'fresh');
  assert.equal((await runCli(['build', '--raw', raw, '--out', fresh, '--size', '80'])).code, 0);
  assert.deepEqual(await treeHashes(out), await treeHashes(fresh));
});

test('a non-empty folder that is not a MedBank tree is refused, even with --force, and left untouched', async (t) => {
  const { raw, dir } = await fixtureRaw(t, [['CVC-ColonDB']]);
  const out = path.join(dir, 'mine');
  await mkdir(out);
  await writeFile(path.join(out, 'thesis.tex'), 'precious');
  for (const extra of [[], ['--force']]) {
    const r = await runCli(['build', '--raw', raw, '--out', out, '--size', '64', ...extra]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not empty and is not a MedBank build folder/);
    assert.deepEqual(await readdir(out), ['thesis.tex']);
    assert.equal(await readFile(path.join(out, 'thesis.tex'), 'utf8'), 'precious');
  }
});
