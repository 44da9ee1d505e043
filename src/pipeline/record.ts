/**
 * The last build step (also `medbank merge`): from the job records, assign splits and write the
 * split files, manifest.jsonl, medbank.json, the README.md dataset card and CITATION.bib, and
 * remove outputs no row refers to. Everything is sorted and free of timestamps, so equal inputs
 * give equal bytes. Rows are read twice from the records instead of held in memory: the first pass
 * keeps what splits need of one source's rows at a time (compactly, splits.ts) and then one split
 * per row; the second streams each task's rows into the manifest and then writes its split files.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { SPLITS, type Problem, type SourceAdapter, type Split } from '../catalog/types.js';
import { layoutByName, splitFileName, type Layout } from '../contract/layout.js';
import { BUILD_RECORD_FORMAT, type BuildRecord, type TaskRecord } from '../contract/build-record.js';
import { writeAtomic, writeAtomicStream } from '../io/atomic.js';
import { pruneStore } from '../io/linked-write.js';
import { linkStoreDir } from './tree-state.js';
import { conflictNote, SourceSplitter, type Ratios, type SourceSplits } from './splits.js';
import type { JobOutcome } from './outcome.js';
import type { JobIdentity } from './shard.js';
import { renderCard } from './card.js';
import { renderCitations } from './citations.js';
import { toolVersions } from '../version.js';
import { compareText } from '../contract/order.js';

export interface FinishedJob {
  job: JobIdentity;
  outcome: JobOutcome;
}

export interface RecordInput {
  outDir: string;
  sources: SourceAdapter[];
  /**
   * The finished jobs that target `task`, with their outcomes, in plan order (names sorted within a
   * source). Called twice per task, and both calls must give the same rows.
   */
  finished: (task: string) => AsyncIterable<FinishedJob>;
  problems: (Problem & { source: string })[];
  notes: Record<string, string[]>;
  options: BuildRecord['options'];
  ratios: Ratios;
}

/**
 * Pass 1's result for one task: its rows, in the order `finished` gives them, are rows `start` to
 * `start + rows - 1` of its source's `splits`, whose conflicts start at `firstConflict`.
 */
interface TaskSplits {
  splits: SourceSplits;
  start: number;
  rows: number;
  firstConflict: number;
}

/** Identical images that official splits put in different splits; names are gathered in pass 2. */
interface OfficialConflict {
  source: string;
  official: Split[];
  names: Set<string>;
}

export async function writeRecords(input: RecordInput): Promise<BuildRecord> {
  const { outDir, sources, options } = input;
  const layout = layoutByName(options.layout);

  const { byTask, conflicts, skippedEmpty } = await assignTaskSplits(input);

  const tasks: TaskRecord[] = [];
  for (const source of sources) {
    for (const task of source.tasks) {
      const taskSplits = byTask.get(task.id);
      if (!taskSplits) continue;
      const counts = { train: 0, val: 0, test: 0, total: taskSplits.rows };
      for (let row = 0; row < taskSplits.rows; row++) counts[taskSplits.splits.split(taskSplits.start + row)]++;
      tasks.push({
        id: task.id,
        source: source.id,
        structure: task.structure,
        modality: source.modality,
        modalityCode: task.modality ?? source.modalityCode,
        anatomy: source.anatomy,
        labels: task.labels,
        rule: task.rule,
        multiClass: false,
        maskValues: [0, 255],
        annotation: task.annotation ?? 'pixel',
        license: source.license,
        citationKey: source.citation.key,
        counts,
        skippedEmpty: skippedEmpty[task.id] ?? 0,
      });
    }
  }

  // Pass 2, one task at a time in id order: manifest rows, then the task's split files.
  const taskIds = [...byTask.keys()].sort(compareText);
  async function* manifestLines(): AsyncGenerator<string> {
    for (const task of taskIds) {
      const { splits, start, rows, firstConflict } = byTask.get(task)!;
      const splitOf = (row: number) => splits.split(start + row);
      const names: string[] = [];
      for await (const { outcome } of input.finished(task)) {
        for (const r of outcome.rows) {
          if (r.task !== task) continue;
          const row = names.push(r.name) - 1;
          if (row >= rows) continue; // more rows than pass 1 saw: reported below
          const conflict = splits.conflict(start + row);
          if (conflict !== undefined) conflicts[firstConflict + conflict].names.add(r.name);
          const { splitHint: _hint, ...rest } = r;
          yield `${JSON.stringify({ ...rest, split: splitOf(row) })}\n`;
        }
      }
      if (names.length !== rows) throw new Error(`the job records of ${task} changed while the build was recording them; run it again`);
      await writeSplitFiles(outDir, task, layout, names, splitOf);
    }
  }
  await writeAtomicStream(path.join(outDir, 'manifest.jsonl'), manifestLines());

  const splitCounts: Record<Split, number> = { train: 0, val: 0, test: 0 };
  for (const t of tasks) for (const split of SPLITS) splitCounts[split] += t.counts[split];
  const included = sources.filter((s) => tasks.some((t) => t.source === s.id));
  const record: BuildRecord = {
    format: BUILD_RECORD_FORMAT,
    tool: await toolVersions(),
    options,
    sources: included.map((s) => ({
      id: s.id,
      name: s.name,
      link: s.link,
      license: s.license,
      access: s.access,
      citationKey: s.citation.key,
      notes: input.notes[s.id] ?? [],
    })),
    tasks,
    counts: {
      samples: tasks.reduce((a, t) => a + t.counts.total, 0),
      ...splitCounts,
      skippedEmpty: Object.values(skippedEmpty).reduce((a, b) => a + b, 0),
    },
    emptyMaskPolicy:
      options.keepEmpty > 0 ? `keep ${options.keepEmpty * 100}% of empty masks (seeded)` : 'samples with an empty mask are skipped',
    splitPolicy: `official splits where published; otherwise grouped, seeded ${input.ratios.train}/${input.ratios.val}/${input.ratios.test}; identical images share a split`,
    officialSplitConflicts: conflicts.map((c) => conflictNote(c.source, c.names, c.official)).sort(),
    problems: [...input.problems].sort((a, b) => compareText(a.file, b.file)),
  };
  await writeAtomic(path.join(outDir, 'medbank.json'), `${JSON.stringify(record, null, 2)}\n`);
  await writeAtomic(path.join(outDir, 'README.md'), renderCard(record, included));
  await writeAtomic(path.join(outDir, 'CITATION.bib'), renderCitations(included));
  const store = linkStoreDir(outDir, options.links);
  if (store) await pruneStore(store); // entries of outputs replaced or removed since they were linked
  return record;
}

/**
 * Pass 1, one source at a time: what splits need of each row, then each row's split. A function of
 * its own, so that the last source's rows are garbage once it returns.
 */
async function assignTaskSplits(input: RecordInput): Promise<{
  byTask: Map<string, TaskSplits>;
  conflicts: OfficialConflict[];
  skippedEmpty: Record<string, number>;
}> {
  const { sources, options } = input;
  const byTask = new Map<string, TaskSplits>();
  const conflicts: OfficialConflict[] = [];
  const skippedEmpty: Record<string, number> = {};
  for (const source of sources) {
    const splitter = new SourceSplitter();
    const ranges: { task: string; start: number; rows: number }[] = [];
    for (const task of source.tasks) {
      const start = splitter.size;
      for await (const { outcome } of input.finished(task.id)) {
        for (const r of outcome.rows)
          if (r.task === task.id) splitter.add({ group: r.group, imageHash: r.sha256.image, splitHint: r.splitHint });
        skippedEmpty[task.id] = (skippedEmpty[task.id] ?? 0) + (outcome.skippedByTask[task.id] ?? 0);
      }
      if (splitter.size > start) ranges.push({ task: task.id, start, rows: splitter.size - start });
    }
    const assigned = splitter.assign(options.seed, source.id, input.ratios);
    const firstConflict = conflicts.length;
    for (const official of assigned.conflicts) conflicts.push({ source: source.id, official, names: new Set() });
    for (const { task, start, rows } of ranges) byTask.set(task, { splits: assigned, start, rows, firstConflict });
  }

  return { byTask, conflicts, skippedEmpty };
}

/** A task's train/val/test files, names sorted, and the removal of outputs no row refers to. */
async function writeSplitFiles(
  outDir: string,
  task: string,
  layout: Layout,
  names: string[],
  splitOf: (row: number) => Split,
): Promise<void> {
  const order = Uint32Array.from(names, (_, i) => i).sort((a, b) => compareText(names[a], names[b]));
  for (const split of SPLITS) {
    let text = '';
    for (const i of order) if (splitOf(i) === split) text += `${layout.splitLine(`${names[i]}.png`)}\n`;
    await writeAtomic(path.join(outDir, task, splitFileName(split)), text);
  }
  await removeOrphans(outDir, task, [layout.imageDir, layout.maskDir], new Set(names));
}

/** Deletes files left in a task folder by an earlier run whose inputs have since gone (`names` lack `.png`). */
async function removeOrphans(outDir: string, task: string, dirs: string[], names: Set<string>): Promise<void> {
  for (const dir of dirs) {
    const full = path.join(outDir, task, dir);
    for (const f of await readdir(full).catch(() => [] as string[])) {
      if (!(f.endsWith('.png') && names.has(f.slice(0, -4)))) await rm(path.join(full, f), { force: true });
    }
  }
}
