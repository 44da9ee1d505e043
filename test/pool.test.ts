// The worker pool: several jobs per worker even when the run can be aborted, and an abort that stops it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createPool } from '../src/pipeline/pool.js';
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
