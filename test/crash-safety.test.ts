// Crash safety: kill -9 at seeded random points of builds (scan, conversion, record phase, --force
// emptying) always leaves a folder the same command finishes to the tree of an uninterrupted
// build, byte for byte; Ctrl-C in the record phase stops there (exit 130) and resumes.
// MEDBANK_KILL_ITERATIONS and MEDBANK_KILL_SEED run more or other kill points.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from '../src/pipeline/build.js';
import { prepareTree } from '../src/pipeline/plan/tree-state.js';
import { rng } from '../src/fixtures/draw.js';
import { CLI, REPO, runCli, tempDir, treeHashes, buildWhole } from './helpers.js';
import { fixtureRaw } from './tree.js';

const SEED = Number(process.env.MEDBANK_KILL_SEED ?? 16);
const ITERATIONS = Number(process.env.MEDBANK_KILL_ITERATIONS ?? 5);
const notState = (rel: string) => rel === '.medbank';

interface Run {
  /** Milliseconds from the first line on stdout to the exit, or to the kill. */
  ms: number;
  code: number | null;
}

/** Runs node with `args`; with `killAfterMs`, kill -9 that long after the child's first output line (or its start). */
function runNode(args: string[], killAfterMs?: number, waitForLine = false): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let start = waitForLine ? undefined : performance.now();
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      if (killAfterMs !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    };
    if (start !== undefined) arm();
    child.stdout.on('data', () => {
      if (start !== undefined) return;
      start = performance.now();
      arm();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - (start ?? performance.now()), code });
    });
  });
}

/** What a killed build left: how far it had come, judged from its state files. */
async function phaseLeft(out: string, options: string): Promise<string> {
  const state = path.join(out, '.medbank');
  const stored = await readFile(path.join(state, 'options.json'), 'utf8').catch(() => '');
  if (stored.trim() !== options) return 'startup or --force emptying';
  const entries = await readdir(state).catch(() => [] as string[]);
  if (!entries.includes('plan.jsonl')) return 'scan';
  if (!(await readdir(out)).includes('medbank.json')) return 'conversion or record phase';
  return 'record phase or done';
}

test('kill -9 at seeded random points of --force rebuilds: every rerun gives the uninterrupted tree', async (t) => {
  const { raw, dir } = await fixtureRaw(t, [['BUSI'], ['ACDC']]);
  const variants = [
    { name: 'a', args: ['--size', '64'] },
    { name: 'b', args: ['--size', '48', '--grey'] },
  ];
  // The tree under test is built as variant a, then rebuilt with --force as the other variant in
  // turn; the first two, uninterrupted, builds are the references (--force rebuilding as a fresh
  // build would is determinism.test.ts's).
  const out = path.join(dir, 'out');
  const command = (v: (typeof variants)[number]) => [
    CLI,
    'build',
    '--raw',
    raw,
    '--out',
    out,
    '--workers',
    '2',
    '--quiet',
    '--force',
    ...v.args,
  ];
  const reference: Record<string, Record<string, string>> = {};
  const options: Record<string, string> = {};
  let timed: Run | undefined;
  for (const v of variants) {
    timed = await runNode(command(v));
    assert.equal(timed.code, 0);
    reference[v.name] = await treeHashes(out, notState);
    options[v.name] = (await readFile(path.join(out, '.medbank', 'options.json'), 'utf8')).trim();
  }
  const next = rng(SEED);
  const phases: string[] = [];
  let current = 1;
  for (let i = 0; i < ITERATIONS; i++) {
    const v = variants[(current = 1 - current)];
    const at = Math.round(next() * timed!.ms);
    const killed = await runNode(command(v), at);
    const phase = killed.code === 0 ? 'finished before the kill' : await phaseLeft(out, options[v.name]);
    phases.push(`${at} ms: ${phase}`);
    const rerun = await runNode(command(v));
    assert.equal(rerun.code, 0, `the rerun after a kill at ${at} ms (seed ${SEED}, ${phase}) failed`);
    assert.deepEqual(await treeHashes(out, notState), reference[v.name], `kill at ${at} ms (seed ${SEED}, ${phase})`);
  }
  t.diagnostic(`a full --force rebuild took ${Math.round(timed!.ms)} ms; kills: ${phases.join('; ')}`);
});

test('kill -9 while --force empties a tree: 10 of 10 kills leave a folder that --force rebuilds', async (t) => {
  const dir = await tempDir(t);
  const out = path.join(dir, 'out');
  // A child that only empties the tree, so that the kills land inside the emptying.
  const script = path.join(dir, 'empty.mjs');
  const treeState = pathToFileURL(path.join(REPO, 'dist', 'src', 'pipeline', 'plan', 'tree-state.js')).href;
  await writeFile(
    script,
    `import { prepareTree } from ${JSON.stringify(treeState)};\nprocess.stdout.write('start\\n');\nawait prepareTree(process.argv[2], { v: 2 }, true);\n`,
  );
  /** A built-looking tree: many top-level entries (so the state folder is not first or last to go) of 20 files each. */
  const fill = async () => {
    await prepareTree(out, { v: 1 }, true);
    await mkdir(path.join(out, '.medbank', 'jobs'), { recursive: true });
    await writeFile(path.join(out, '.medbank', 'jobs', 'a.json'), '{}');
    for (let d = 0; d < 60; d++) {
      const task = path.join(out, `Task_${d}`);
      await mkdir(task, { recursive: true });
      await Promise.all(Array.from({ length: 20 }, (_, f) => writeFile(path.join(task, `${f}.png`), 'x')));
    }
    await writeFile(path.join(out, 'manifest.jsonl'), '{}\n');
  };
  // The faster of two timed emptyings, so that a slow first one on a busy machine does not put most kills after the end.
  const timings: number[] = [];
  for (let i = 0; i < 2; i++) {
    await fill();
    const run = await runNode([script, out], undefined, true);
    assert.equal(run.code, 0);
    timings.push(run.ms);
  }
  const timed = { ms: Math.min(...timings) };
  const next = rng(SEED + 1);
  let inside = 0;
  for (let i = 0; i < 10; i++) {
    await fill();
    const at = next() * timed.ms;
    const killed = await runNode([script, out], at, true);
    const left = (await readdir(out)).length;
    if (killed.code === null && left > 1 && left < 62) inside++;
    await prepareTree(out, { v: 2 }, true); // throws "not a MedBank build folder" if the marker went first
    assert.deepEqual(await readdir(out), ['.medbank'], `kill ${i} at ${at.toFixed(1)} ms`);
    assert.deepEqual(await readdir(path.join(out, '.medbank')), ['options.json']);
    assert.equal(await readFile(path.join(out, '.medbank', 'options.json'), 'utf8'), '{"v":2}\n');
  }
  t.diagnostic(`emptying took ${timed.ms.toFixed(1)} ms; ${inside} of 10 kills landed inside it`);
  assert.ok(inside >= 3, `only ${inside} of 10 kills landed while the tree was being emptied`);
});

test('Ctrl-C in the record phase stops it (interrupted, no record written), and a rerun gives the uninterrupted tree', async (t) => {
  const { raw, dir } = await fixtureRaw(t, [['BUSI'], ['CVC-ColonDB']]);
  const whole = path.join(dir, 'whole');
  await buildWhole({ raw, out: whole, size: 32, workers: 2 });
  const out = path.join(dir, 'out');
  const controller = new AbortController();
  const stopped = await build({
    raw,
    out,
    size: 32,
    workers: 2,
    signal: controller.signal,
    onProgress: (e) => e.kind === 'recording' && controller.abort(),
  });
  assert.equal(stopped.interrupted, true);
  assert.equal(stopped.record, undefined);
  const left = Object.keys(await treeHashes(out));
  assert.ok(!left.includes('medbank.json') && !left.includes('manifest.jsonl'), `the record phase went on: ${left.join(', ')}`);
  assert.deepEqual(
    left.filter((f) => f.includes('.partial-')),
    [],
  );
  const rerun = await runCli(['build', '--raw', raw, '--out', out, '--size', '32', '--workers', '2']);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stderr, /recording splits, manifest and medbank\.json/);
  assert.deepEqual(await treeHashes(out, notState), await treeHashes(whole, notState));
});
