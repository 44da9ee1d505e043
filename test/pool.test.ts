// The worker pool: several jobs per worker even when the run can be aborted, an abort that stops it, and failing tasks and threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createPool } from '../src/pipeline/pool/pool.js';
import { tempDir } from './helpers.js';

/** A worker whose task waits `ms` and returns how many of its tasks were running at once, at most. */
const WORKER = `
let running = 0;
export default async function ({ ms }) {
  running++;
  const seen = running;
  await new Promise((resolve) => setTimeout(resolve, ms));
  running--;
  return Math.max(seen, running + 1);
}
`;

async function workerFile(t: Parameters<typeof tempDir>[0]): Promise<URL> {
  const file = path.join(await tempDir(t), 'sleep-worker.mjs');
  await writeFile(file, WORKER);
  return pathToFileURL(file);
}

test('a run that can be aborted still gives each worker two jobs at once', async (t) => {
  const pool = createPool<{ ms: number }, number>(await workerFile(t), 1, 2);
  const overlap: number[] = [];
  try {
    await pool.run(
      Array.from({ length: 6 }, () => ({ ms: 150 })),
      (item) => item,
      (_item, seen) => void overlap.push(seen),
      new AbortController().signal,
    );
  } finally {
    await pool.close();
  }
  assert.equal(overlap.length, 6);
  assert.equal(Math.max(...overlap), 2, `jobs running together on the one worker: ${overlap.join(', ')}`);
});

test('aborting a run stops it: running jobs are dropped and no new one starts', async (t) => {
  const pool = createPool<{ ms: number }, number>(await workerFile(t), 1, 2);
  const controller = new AbortController();
  let finished = 0;
  let abortedAt = 0;
  try {
    await pool.run(
      Array.from({ length: 20 }, () => ({ ms: 300 })),
      (item) => item,
      () => {
        // The second result arrives while a third job runs: abort then.
        if (++finished === 2) {
          abortedAt = Date.now();
          controller.abort();
        }
      },
      controller.signal,
    );
  } finally {
    await pool.close();
  }
  assert.equal(finished, 2, 'jobs finished after the abort');
  assert.ok(Date.now() - abortedAt < 250, `the run went on for ${Date.now() - abortedAt} ms after the abort`);
});

/** A worker whose task fails as asked: by throwing, or by ending its thread. */
const FAILING_WORKER = `
export default async function ({ fail }) {
  if (fail === 'throw') throw new Error('bad pixels in x.png');
  if (fail === 'exit') process.exit(3);
  return 'ok';
}
`;

async function failingWorkerFile(t: Parameters<typeof tempDir>[0]): Promise<URL> {
  const file = path.join(await tempDir(t), 'failing-worker.mjs');
  await writeFile(file, FAILING_WORKER);
  return pathToFileURL(file);
}

test("an error thrown by a task fails the run with the task's message", async (t) => {
  const pool = createPool<{ fail?: string }, string>(await failingWorkerFile(t), 1, 1);
  try {
    await assert.rejects(
      pool.run(
        [{}, { fail: 'throw' }],
        (item) => item,
        () => undefined,
      ),
      { message: 'bad pixels in x.png' },
    );
  } finally {
    await pool.close();
  }
});

test('a worker thread that dies fails its task, and the next task gets a new thread', async (t) => {
  const pool = createPool<{ fail?: string }, string>(await failingWorkerFile(t), 1, 1);
  const results: string[] = [];
  try {
    await assert.rejects(
      pool.run(
        [{ fail: 'exit' }],
        (item) => item,
        () => undefined,
      ),
      { message: 'a worker thread stopped (exit code 3)' },
    );
    await pool.run(
      [{}, {}],
      (item) => item,
      (_item, res) => void results.push(res),
    );
  } finally {
    await pool.close();
  }
  assert.deepEqual(results, ['ok', 'ok']);
});

test('a task module that cannot load fails the run instead of restarting threads', async (t) => {
  const missing = pathToFileURL(path.join(await tempDir(t), 'no-such-worker.mjs'));
  const pool = createPool<object, string>(missing, 2, 1);
  try {
    await assert.rejects(
      pool.run(
        [{}, {}, {}],
        (item) => item,
        () => undefined,
      ),
      (e: Error) => e.message.includes('no-such-worker.mjs'),
    );
  } finally {
    await pool.close();
  }
});

test('a closed pool runs nothing and starts no thread', async (t) => {
  const pool = createPool<{ ms: number }, number>(await workerFile(t), 1, 1);
  await pool.close();
  let finished = 0;
  await pool.run(
    [{ ms: 10 }],
    (item) => item,
    () => void finished++,
  );
  assert.equal(finished, 0);
});
