// The build plan file and its index: jobs read back by number, per task, after the file is replaced, and from disk for a merge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Job } from '../src/catalog/types.js';
import { sha256 } from '../src/io/files/atomic.js';
import { planPath, PlanWriter, readPlanIndex } from '../src/pipeline/plan/plan-file.js';
import { tempDir } from './helpers.js';

function job(source: string, name: string, tasks: string[]): Job {
  return {
    kind: '2d',
    source,
    name,
    group: name,
    image: `${source}/images/${name} ü.png`, // a multi-byte character: offsets are bytes
    targets: tasks.map((task) => ({ task, mask: { kind: 'luma-above', files: [`${source}/masks/${name}.png`], above: 127 } })),
    meta: {},
  };
}

const A = [job('A', 'a1', ['TA_XX_0']), job('A', 'a2', ['TA_XX_0', 'TB_XX_1'])];
const B = [job('B', 'b1', ['TC_XX_2'])];

test('a written plan reads back job by job, by task, with the hash of its bytes', async (t) => {
  const dir = await tempDir(t);
  const writer = await PlanWriter.create(dir);
  await writer.append(A);
  await writer.append(B);
  const hash = await writer.finish();
  const index = writer.index;
  t.after(() => index.close());
  assert.equal(hash, sha256(await readFile(planPath(dir))));
  assert.equal(index.size, 3);
  assert.deepEqual(
    [0, 1, 2].map((i) => index.entry(i).job),
    [...A, ...B],
  );
  assert.deepEqual([index.source(0), index.source(1), index.source(2)], ['A', 'A', 'B']);
  assert.deepEqual([...index.jobsOf('TA_XX_0')], [0, 1]);
  assert.deepEqual([...index.jobsOf('TB_XX_1')], [1]);
  assert.deepEqual([...index.jobsOf('TC_XX_2')], [2]);
  assert.deepEqual([...index.jobsOf('Unknown_XX_9')], []);

  // A shard started later over a changed raw folder replaces the file (atomically, by rename);
  // this build keeps reading its own jobs.
  await writeFile(`${planPath(dir)}.other`, `${JSON.stringify(job('Z', 'zzzzzzzzzzzzzzz', ['TZ_XX_9']))}\n`);
  await rename(`${planPath(dir)}.other`, planPath(dir));
  assert.deepEqual(index.entry(2).job, B[0]);
  assert.equal(index.entry(2).line.toString('utf8'), JSON.stringify(B[0]), 'a line is the JSON of its job, without the newline');
});

test('the index of a plan on disk matches the writer’s, and an absent plan is undefined', async (t) => {
  const dir = await tempDir(t);
  assert.equal(await readPlanIndex(dir), undefined);
  const many = Array.from({ length: 3000 }, (_, i) => job('A', `case_${i}`, i % 3 ? ['TA_XX_0'] : ['TA_XX_0', 'TB_XX_1']));
  const writer = await PlanWriter.create(dir);
  await writer.append(many); // over 64 KiB: written and read in several chunks
  const hash = await writer.finish();
  await writer.index.close();
  const read = await readPlanIndex(dir);
  assert.ok(read);
  t.after(() => read.index.close());
  assert.equal(read.hash, hash);
  assert.equal(read.index.size, many.length);
  assert.deepEqual(read.index.entry(2999).job, many[2999]);
  assert.deepEqual(read.index.entry(1234).job, many[1234]);
  assert.equal(read.index.jobsOf('TB_XX_1').length, 1000);
  assert.equal(path.basename(planPath(dir)), 'plan.jsonl');
});

test('a plan that is not finished leaves no file', async (t) => {
  const dir = await tempDir(t);
  const writer = await PlanWriter.create(dir);
  await writer.append(A);
  await writer.abort();
  await assert.rejects(readFile(planPath(dir)), /ENOENT/);
});
