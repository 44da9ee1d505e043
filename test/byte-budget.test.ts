// The volume byte budget shared by worker threads: a reservation waits while others hold the bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { createByteBudget, reserveBytes, reservedMiB } from '../src/io/volume/byte-budget.js';

const MIB = 1024 * 1024;

test('two threads never hold more than the budget at once; a job above the whole budget runs alone', async () => {
  const budget = createByteBudget(10 * MIB);
  const release = await reserveBytes(budget, 8 * MIB);
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     import(workerData.module).then(async ({ reserveBytes }) => {
       const release = await reserveBytes(workerData.budget, 8 * 1024 * 1024);
       parentPort.postMessage('reserved');
       parentPort.once('message', () => { release(); parentPort.postMessage('released'); });
     });`,
    { eval: true, workerData: { budget, module: new URL('../src/io/volume/byte-budget.js', import.meta.url).href } },
  );
  try {
    const reserved = once(worker, 'message');
    await sleep(300);
    assert.equal(reservedMiB(budget), 8, 'the second 8 MiB waits while the first are held');
    release();
    assert.deepEqual(await reserved, ['reserved']);
    assert.equal(reservedMiB(budget), 8);

    // 30 MiB is more than the whole budget: it waits for the worker's 8 MiB, then holds all 10.
    let bigHeld = false;
    const big = reserveBytes(budget, 30 * MIB).then((r) => {
      bigHeld = true;
      return r;
    });
    await sleep(200);
    assert.equal(bigHeld, false);
    const released = once(worker, 'message');
    worker.postMessage('release');
    await released;
    const releaseBig = await big;
    assert.equal(reservedMiB(budget), 10);
    releaseBig();
    releaseBig();
    assert.equal(reservedMiB(budget), 0, 'a release counts once');
  } finally {
    await worker.terminate();
  }
});
