// The record phase on given job outcomes: manifest order and splits, sorted split files, counts, conflicts, orphans.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SplitHint } from '../src/catalog/types.js';
import type { ConvertedRow } from '../src/contract/manifest.js';
import { selectSources } from '../src/catalog/registry.js';
import { writeRecords, type FinishedJob } from '../src/pipeline/record/record.js';
import { convertedRow, tempDir } from './helpers.js';

const TASK = 'BreastTumor_UT_0';

function row(name: string, group: string, image: string, hint?: SplitHint): ConvertedRow {
  return convertedRow(TASK, name, { source: 'BUSI', group, image, hint });
}

// Plan order is by job name; "b" and "a2" share an image across official splits, "c" has none.
const OUTCOMES: FinishedJob[] = [
  { rows: [row('a1', 'p1', 'image a1', 'train'), row('a2', 'p1', 'same image', 'train')], skipped: 1 },
  { rows: [row('b', 'p2', 'same image', 'test')], skipped: 0 },
  { rows: [row('c', 'p3', 'image c')], skipped: 2 },
].map(({ rows, skipped }) => ({
  job: { source: 'BUSI', name: rows[0].name, targets: [{ task: TASK }] },
  outcome: { rows, skippedByTask: { [TASK]: skipped } },
}));

test('records: manifest rows in plan order with their splits, split files sorted by name, counts, conflicts and orphans', async (t) => {
  const out = await tempDir(t);
  // An output of an earlier run that no row refers to any more.
  await mkdir(path.join(out, TASK, 'images'), { recursive: true });
  await writeFile(path.join(out, TASK, 'images', 'gone.png'), 'x');
  await writeFile(path.join(out, TASK, 'images', 'c.png'), 'x');
  let calls = 0;
  const record = await writeRecords({
    outDir: out,
    sources: await selectSources(['BUSI']),
    finished: async function* (task) {
      calls++;
      if (task === TASK) yield* OUTCOMES;
    },
    problems: [],
    notes: {},
    options: {
      size: 8,
      layout: 'medbank',
      resize: 'stretch',
      seed: 0,
      ratios: '0,0,100',
      keepEmpty: 0,
      minArea: 0,
      grey: false,
      sources: ['BUSI'],
      sourceOptions: {},
      license: 'any',
    },
    ratios: { train: 0, val: 0, test: 100 },
  });
  assert.equal(calls, 2, 'each task is read twice: splits, then manifest');

  const manifest = (await readFile(path.join(out, 'manifest.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { name: string; split: string; splitHint?: string });
  assert.deepEqual(
    manifest.map((r) => [r.name, r.split]),
    [
      ['a1', 'train'],
      ['a2', 'train'],
      ['b', 'test'],
      ['c', 'test'],
    ],
  );
  assert.ok(manifest.every((r) => !('splitHint' in r)));
  assert.equal(await readFile(path.join(out, TASK, 'train.txt'), 'utf8'), 'a1.png\na2.png\n');
  assert.equal(await readFile(path.join(out, TASK, 'val.txt'), 'utf8'), '');
  assert.equal(await readFile(path.join(out, TASK, 'test.txt'), 'utf8'), 'b.png\nc.png\n');
  assert.deepEqual(await readdir(path.join(out, TASK, 'images')), ['c.png']);

  assert.deepEqual(record.counts, { samples: 4, train: 2, val: 0, test: 2, skippedEmpty: 3 });
  assert.deepEqual(record.tasks[0].counts, { train: 2, val: 0, test: 2, total: 4 });
  assert.deepEqual(record.officialSplitConflicts, ['BUSI: a1, a2, b (test / train)']);
  const written = JSON.parse(await readFile(path.join(out, 'medbank.json'), 'utf8')) as typeof record;
  assert.deepEqual(written.officialSplitConflicts, record.officialSplitConflicts);
});
