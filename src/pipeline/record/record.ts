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
import { SPLITS, type FileAccount, type Problem, type SourceAdapter, type Split } from '../../catalog/types.js';
import { layoutByName, splitFileName, type Layout } from '../../contract/layout.js';
import { BUILD_RECORD_FORMAT, type BuildRecord, type Leak, type MinAreaRecord, type TaskRecord } from '../../contract/build-record.js';
import { HASH_BITS, NEAR_DUPLICATE_BITS, nearPairs } from '../../io/image/perceptual-hash.js';
import { writeAtomic, writeAtomicStream } from '../../io/files/atomic.js';
import { pruneStore } from '../../io/files/linked-write.js';
import { linkStoreDir } from '../plan/tree-state.js';
import { conflictNote, SourceSplitter, type Ratios, type SourceSplits, type SplitOrigin } from '../plan/splits.js';
import type { JobOutcome } from '../convert/outcome.js';
import type { JobIdentity } from '../plan/shard.js';
import { renderCard } from './card.js';
import { renderCitations } from './citations.js';
import { toolVersions } from '../../version.js';
import { compareText } from '../../contract/order.js';

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
  /** What became of each source's files (medbank.json `sources[].files`). */
  files?: Record<string, FileAccount>;
  /** Per source, the unpacked raw digest from the raw lock (absent without one, and in a merge). */
  rawDigests?: Record<string, { digest: string; files: number; bytes: number }>;
  options: BuildRecord['options'];
  ratios: Ratios;
  /**
   * Aborting stops the recording between two jobs by throwing the signal's reason; the files
   * written so far are complete but may mix this run and an earlier one until a rerun records
   * them all again.
   */
  signal?: AbortSignal;
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
  samples: Set<string>;
}

/** A 2D sample with its image's difference hash, for the search of copies across sources. */
interface HashedSample {
  hash: string;
  source: string;
  sample: string;
  split: Split;
}

export async function writeRecords(input: RecordInput): Promise<BuildRecord> {
  const { outDir, sources, options } = input;
  const layout = layoutByName(options.layout);

  const { byTask, conflicts, skippedEmpty, grouping, crossSourceLeaks, smallObjects } = await assignTaskSplits(input);

  const tasks: TaskRecord[] = [];
  for (const source of sources) {
    for (const task of source.tasks) {
      const taskSplits = byTask.get(task.id);
      if (!taskSplits) continue;
      const counts = { train: 0, val: 0, test: 0, total: taskSplits.rows };
      const splitOrigins: TaskRecord['splitOrigins'] = { train: {}, val: {}, test: {} };
      for (let row = 0; row < taskSplits.rows; row++) {
        const split = taskSplits.splits.split(taskSplits.start + row);
        const origin: SplitOrigin = taskSplits.splits.origin(taskSplits.start + row);
        counts[split]++;
        splitOrigins[split][origin] = (splitOrigins[split][origin] ?? 0) + 1;
      }
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
        citationKey: source.citations[0].key,
        citationKeys: source.citations.map((c) => c.key),
        ...(task.side ? { side: task.side, mirror: task.mirror } : {}),
        counts,
        splitOrigins,
        skippedEmpty: skippedEmpty[task.id] ?? 0,
        minArea: { px: options.minArea, ...(smallObjects[task.id] ?? { removedComponents: 0, removedPixels: 0, emptiedMasks: 0 }) },
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
        input.signal?.throwIfAborted();
        for (const r of outcome.rows) {
          if (r.task !== task) continue;
          const row = names.push(r.name) - 1;
          if (row >= rows) continue; // more rows than pass 1 saw: reported below
          const conflict = splits.conflict(start + row);
          if (conflict !== undefined) {
            conflicts[firstConflict + conflict].names.add(r.name);
            conflicts[firstConflict + conflict].samples.add(`${task}/${r.name}`);
          }
          const { splitHint: _hint, dhash: _dhash, videoFrame: _frame, ...rest } = r;
          const group = splits.group(start + row);
          yield `${JSON.stringify({ ...rest, group, ...(group !== r.group ? { originalGroup: r.group } : {}), split: splitOf(row) })}\n`;
        }
      }
      if (names.length !== rows) throw new Error(`the job records of ${task} changed while the build was recording them; run it again`);
      await writeSplitFiles(outDir, task, layout, names, splitOf);
    }
  }
  await writeAtomicStream(path.join(outDir, 'manifest.jsonl'), manifestLines());
  input.signal?.throwIfAborted();

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
      citationKey: s.citations[0].key,
      citationKeys: s.citations.map((c) => c.key),
      notes: input.notes[s.id] ?? [],
      ...(input.files?.[s.id] ? { files: input.files[s.id] } : {}),
      grouping: grouping.get(s.id) ?? [],
      ...(input.rawDigests?.[s.id] ? { raw: input.rawDigests[s.id] } : {}),
    })),
    tasks,
    counts: {
      samples: tasks.reduce((a, t) => a + t.counts.total, 0),
      ...splitCounts,
      skippedEmpty: Object.values(skippedEmpty).reduce((a, b) => a + b, 0),
    },
    emptyMaskPolicy:
      options.keepEmpty > 0 ? `keep ${options.keepEmpty * 100}% of empty masks (seeded)` : 'samples with an empty mask are skipped',
    splitPolicy: splitPolicy(input.ratios),
    officialSplitConflicts: conflicts.map((c) => conflictNote(c.source, c.names, c.official)).sort(),
    leaks: [...conflicts.map(conflictLeak), ...crossSourceLeaks].sort((a, b) => compareText(a.samples.join(' '), b.samples.join(' '))),
    problems: [...input.problems].sort((a, b) => compareText(a.file, b.file)),
  };
  await writeAtomic(path.join(outDir, 'medbank.json'), `${JSON.stringify(record, null, 2)}\n`);
  await writeAtomic(path.join(outDir, 'README.md'), renderCard(record, included));
  await writeAtomic(path.join(outDir, 'CITATION.bib'), renderCitations(included));
  const store = linkStoreDir(outDir, options.links);
  if (store) await pruneStore(store); // entries of outputs replaced or removed since they were linked
  return record;
}

function splitPolicy({ train, val, test }: Ratios): string {
  const share = Math.round((test / (train + val + test)) * 1000) / 10;
  return (
    `official splits where published; where a source (per modality) has no labelled test part, ${share}% of its train groups ` +
    `(seeded; at least one of two or more) are carved out as test and official val stays val; otherwise grouped, seeded ` +
    `${train}/${val}/${test}; identical images share a split`
  );
}

/**
 * Pass 1, one source at a time: what splits need of each row, then each row's split. A function of
 * its own, so that the last source's rows are garbage once it returns.
 */
async function assignTaskSplits(input: RecordInput): Promise<{
  byTask: Map<string, TaskSplits>;
  conflicts: OfficialConflict[];
  skippedEmpty: Record<string, number>;
  grouping: Map<string, string[]>;
  crossSourceLeaks: Leak[];
  smallObjects: Record<string, Omit<MinAreaRecord, 'px'>>;
}> {
  const { sources, options } = input;
  const byTask = new Map<string, TaskSplits>();
  const conflicts: OfficialConflict[] = [];
  const skippedEmpty: Record<string, number> = {};
  const grouping = new Map<string, string[]>();
  const hashed: HashedSample[] = [];
  const smallObjects: Record<string, Omit<MinAreaRecord, 'px'>> = {};
  for (const source of sources) {
    const splitter = new SourceSplitter();
    const ranges: { task: string; start: number; rows: number }[] = [];
    const mine: { row: number; hash: string; sample: string }[] = [];
    for (const task of source.tasks) {
      const start = splitter.size;
      const stratum = task.modality ?? source.modalityCode;
      for await (const { outcome } of input.finished(task.id)) {
        input.signal?.throwIfAborted();
        for (const r of outcome.rows) {
          if (r.task !== task.id) continue;
          if (r.dhash) mine.push({ row: splitter.size, hash: r.dhash, sample: `${task.id}/${r.name}` });
          splitter.add({
            group: r.group,
            imageHash: r.sha256.image,
            splitHint: r.splitHint,
            dhash: r.dhash,
            videoFrame: r.videoFrame,
            stratum,
          });
        }
        skippedEmpty[task.id] = (skippedEmpty[task.id] ?? 0) + (outcome.skippedByTask[task.id] ?? 0);
        const removed = outcome.smallObjects?.[task.id];
        if (removed) {
          const sum = (smallObjects[task.id] ??= { removedComponents: 0, removedPixels: 0, emptiedMasks: 0 });
          sum.removedComponents += removed.components;
          sum.removedPixels += removed.pixels;
          sum.emptiedMasks += removed.emptied;
        }
      }
      if (splitter.size > start) ranges.push({ task: task.id, start, rows: splitter.size - start });
    }
    const assigned = splitter.assign(options.seed, source.id, input.ratios);
    const firstConflict = conflicts.length;
    for (const official of assigned.conflicts) conflicts.push({ source: source.id, official, names: new Set(), samples: new Set() });
    for (const { task, start, rows } of ranges) byTask.set(task, { splits: assigned, start, rows, firstConflict });
    if (assigned.grouping.length) grouping.set(source.id, assigned.grouping);
    for (const { row, hash, sample } of mine) hashed.push({ hash, source: source.id, sample, split: assigned.split(row) });
  }

  return { byTask, conflicts, skippedEmpty, grouping, crossSourceLeaks: crossSourceLeaks(hashed), smallObjects };
}

/** Within a source, splits disagree only where official splits do: a group or copies of one image in two of them. */
function conflictLeak(c: OfficialConflict): Leak {
  return {
    samples: [...c.samples].sort(compareText),
    sources: [c.source],
    splits: c.official,
    reason: `${c.source}'s official splits put one group or copies of one image (difference hash within ${NEAR_DUPLICATE_BITS} bits) in ${c.official.join(' and ')}`,
  };
}

/** Near-identical 2D images of two sources in different splits (validate's threshold and search). */
function crossSourceLeaks(hashed: HashedSample[]): Leak[] {
  return nearPairs(hashed, (a, b) => a.source !== b.source && a.split !== b.split).map(({ a, b, bits }) => {
    const [first, second] = compareText(a.sample, b.sample) <= 0 ? [a, b] : [b, a];
    return {
      samples: [first.sample, second.sample],
      sources: [first.source, second.source].sort(compareText),
      splits: [first.split, second.split].sort() as Split[],
      reason: `the same image in ${first.source} (${first.split}) and ${second.source} (${second.split}): ${bits} of ${HASH_BITS} difference-hash bits differ`,
    };
  });
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
