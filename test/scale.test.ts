// Scale and control: worker-count independence, sharded builds + merge, interrupted builds resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { CLI, runCli, tempDir, treeHashes } from './helpers.js';
import { writeCorpus, SHAPES } from '../bench/corpus.js';
import { fixtures } from '../src/fixtures/registry.js';
import { build as buildTree } from '../src/pipeline/build.js';

const SIZE = '96';
const notState = (rel: string) => rel === '.medbank';

async function fixtureRaw(dir: string): Promise<string> {
  const raw = path.join(dir, 'raw');
  for (const f of await fixtures()) await f.generate(raw);
  return raw;
}

async function build(raw: string, out: string, ...extra: string[]) {
  const r = await runCli(['build', '--raw', raw, '--out', out, '--quiet', ...(extra.includes('--size') ? [] : ['--size', SIZE]), ...extra]);
  assert.ok(r.code === 0 || r.code === 2, `build failed (${r.code}): ${r.stderr}`);
  return r;
}

test('a build with 1 worker and one with 2 workers are byte-identical', async (t) => {
  const dir = await tempDir(t);
  const raw = await fixtureRaw(dir);
  await build(raw, path.join(dir, 'w1'), '--workers', '1');
  await build(raw, path.join(dir, 'w2'), '--workers', '2');
  const [a, b] = await Promise.all([treeHashes(path.join(dir, 'w1'), notState), treeHashes(path.join(dir, 'w2'), notState)]);
  assert.ok(Object.keys(a).length > 40, 'the fixture build wrote files');
  assert.deepEqual(b, a);
});

test('three shards and a merge give the tree of an unsharded build; merge refuses while a shard is missing', async (t) => {
  const dir = await tempDir(t);
  const raw = await fixtureRaw(dir);
  await build(raw, path.join(dir, 'whole'));
  const sharded = path.join(dir, 'sharded');
  await build(raw, sharded, '--shard', '0/3');
  const early = await runCli(['merge', sharded]);
  assert.equal(early.code, 1);
  assert.match(early.stderr, /not every shard finished: missing 1\/3, 2\/3/);
  // The other two from the environment, as a Kubernetes Indexed Job and a Slurm array would.
  await runCli(['build', '--raw', raw, '--out', sharded, '--size', SIZE, '--quiet', '--shards', '3'], { JOB_COMPLETION_INDEX: '1' });
  await runCli(['build', '--raw', raw, '--out', sharded, '--size', SIZE, '--quiet', '--shard', 'auto'], {
    SLURM_ARRAY_TASK_ID: '3',
    SLURM_ARRAY_TASK_MIN: '1',
    SLURM_ARRAY_TASK_COUNT: '3',
  });
  const merged = await runCli(['merge', sharded]);
  assert.ok(merged.code === 0 || merged.code === 2, merged.stderr);
  assert.match(merged.stdout, /merged 3 shards/);
  const [a, b] = await Promise.all([treeHashes(path.join(dir, 'whole'), notState), treeHashes(sharded, notState)]);
  assert.deepEqual(b, a);
});

test('a sharded --keep-3d build merges into the tree of an unsharded one, NIfTI volumes included', async (t) => {
  const dir = await tempDir(t);
  const raw = await fixtureRaw(dir);
  const options = ['--sources', 'KiTS19', '--keep-3d'];
  await build(raw, path.join(dir, 'whole'), ...options);
  const sharded = path.join(dir, 'sharded');
  for (const shard of ['0/2', '1/2']) await build(raw, sharded, ...options, '--shard', shard);
  const merged = await runCli(['merge', sharded]);
  assert.equal(merged.code, 0, merged.stderr);
  const [a, b] = await Promise.all([treeHashes(path.join(dir, 'whole'), notState), treeHashes(sharded, notState)]);
  assert.ok(
    Object.keys(a).some((f) => f.endsWith('.nii.gz')),
    'the unsharded build kept NIfTI volumes',
  );
  assert.deepEqual(b, a);
});

test('shards split the jobs disjointly and completely', async (t) => {
  const dir = await tempDir(t);
  const raw = await fixtureRaw(dir);
  const out = path.join(dir, 'out');
  const counts: number[] = [];
  for (const i of [0, 1, 2]) {
    const r = await runCli(['build', '--raw', raw, '--out', out, '--size', '32', '--shard', `${i}/3`]);
    const m = [...r.stderr.matchAll(/^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$/gm)].map((x) => Number(x[2]));
    counts.push(m.reduce((a, b) => a + b, 0));
  }
  const whole = await runCli(['build', '--raw', raw, '--out', path.join(dir, 'whole'), '--size', '32']);
  const total = [...whole.stderr.matchAll(/^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$/gm)].reduce((a, x) => a + Number(x[2]), 0);
  assert.ok(total > 30);
  assert.equal(
    counts.reduce((a, b) => a + b, 0),
    total,
  );
  assert.ok(counts.every((c) => c > 0 && c < total));
});

/** Starts a build, waits until `recorded` jobs are recorded, then sends `signal`. */
async function interruptedBuild(raw: string, out: string, signal: NodeJS.Signals, recorded: number): Promise<number | null> {
  const child = spawn(process.execPath, [CLI, 'build', '--raw', raw, '--out', out, '--size', '512', '--workers', '2'], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, sig) => resolve(code ?? (sig ? -1 : null))));
  const jobsDir = path.join(out, '.medbank', 'jobs', 'CVC-ColonDB');
  for (;;) {
    const n = (await readdir(jobsDir).catch(() => [])).length;
    if (n >= recorded) break;
    if (child.exitCode !== null) throw new Error('the build finished before it could be interrupted');
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill(signal);
  return exited;
}

for (const signal of ['SIGINT', 'SIGKILL'] as const) {
  test(`a build stopped by ${signal} resumes to the tree of an uninterrupted build`, async (t) => {
    const dir = await tempDir(t);
    const corpus = await writeCorpus(dir, 40, 3, () => SHAPES[0]);
    const whole = path.join(dir, 'whole');
    await build(corpus.raw, whole, '--size', '512');
    const out = path.join(dir, 'out');
    const code = await interruptedBuild(corpus.raw, out, signal, 5);
    const left = Object.keys(await treeHashes(out));
    assert.ok(!left.includes('manifest.jsonl'), 'an interrupted build writes no manifest');
    if (signal === 'SIGINT') {
      assert.equal(code, 130);
      assert.deepEqual(
        left.filter((f) => f.includes('.partial-')),
        [],
        'a clean stop leaves no temp files',
      );
    }
    const rerun = await runCli(['build', '--raw', corpus.raw, '--out', out, '--size', '512']);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stderr, /kept from an earlier run/);
    const [a, b] = await Promise.all([treeHashes(whole, notState), treeHashes(out, notState)]);
    assert.deepEqual(b, a);
  });
}

test('a build aborted during its scan stops there, leaves no plan or temp file, and a rerun builds the tree', async (t) => {
  const dir = await tempDir(t);
  const raw = await fixtureRaw(dir);
  const out = path.join(dir, 'out');
  const stop = new AbortController();
  const scanned: string[] = [];
  const result = await buildTree({
    raw,
    out,
    size: 32,
    workers: 1,
    signal: stop.signal,
    onProgress: (e) => {
      if (e.kind !== 'scanned') return;
      scanned.push(e.source);
      stop.abort();
    },
  });
  assert.equal(result.interrupted, true);
  assert.equal(result.converted, 0);
  assert.ok(scanned.length < (await fixtures()).length, `the scan went on after the abort: ${scanned.join(', ')}`);
  assert.deepEqual(Object.keys(await treeHashes(out)), ['.medbank/options.json'], 'only the build options are left');

  const rerun = await buildTree({ raw, out, size: 32, workers: 1 });
  assert.equal(rerun.resumed, 0);
  assert.ok((rerun.record?.counts.samples ?? 0) > 40, 'the rerun built the tree');
});
