/**
 * The last build step (also `medbank merge`): from the job records, assign splits and write the
 * split files, manifest.jsonl, medbank.json, the README.md dataset card and CITATION.bib, and
 * remove outputs no row refers to. Everything is sorted and free of timestamps, so equal inputs
 * give equal bytes. Rows are read twice from the records instead of held in memory: the first pass
 * keeps only what splits need, the second streams each task's rows into the manifest.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { SPLITS, type Problem, type SourceAdapter, type Split } from '../catalog/types.js';
import { layoutByName, splitFileName } from '../contract/layout.js';
import { BUILD_RECORD_FORMAT, type BuildRecord, type TaskRecord } from '../contract/build-record.js';
import { writeAtomic, writeAtomicStream } from '../io/atomic.js';
import { assignSplits, type Ratios, type SplitInput } from './splits.js';
import type { JobOutcome } from './outcome.js';
import type { JobIdentity } from './shard.js';
import { renderCard } from './card.js';
import { renderCitations } from './citations.js';
import { toolVersions } from '../version.js';

export interface FinishedJob {
  job: JobIdentity;
  outcome: JobOutcome;
}

export interface RecordInput {
  outDir: string;
  sources: SourceAdapter[];
  /**
   * Every finished job with its outcome, in plan order (names sorted within a source); with a
   * task, only the jobs that target it. Called once for all jobs and once per task.
   */
  finished: (task?: string) => AsyncIterable<FinishedJob>;
  problems: (Problem & { source: string })[];
  notes: Record<string, string[]>;
  options: BuildRecord['options'];
  ratios: Ratios;
}

export async function writeRecords(input: RecordInput): Promise<BuildRecord> {
  const { outDir, sources, options } = input;
  const layout = layoutByName(options.layout);
  const keys: SplitInput[] = [];
  const skippedEmpty: Record<string, number> = {};
  for await (const { outcome } of input.finished()) {
    for (const r of outcome.rows) {
      keys.push({
        task: r.task,
        name: r.name,
        source: r.source,
        group: r.group,
        sha256: { image: r.sha256.image },
        splitHint: r.splitHint,
      });
    }
    for (const [task, n] of Object.entries(outcome.skippedByTask)) skippedEmpty[task] = (skippedEmpty[task] ?? 0) + n;
  }
  const { rows, officialConflicts } = assignSplits(keys, options.seed, input.ratios);
  keys.length = 0;
  const splitOf = new Map(rows.map((r) => [`${r.task}/${r.name}`, r.split]));

  const byTask = new Map<string, typeof rows>();
  for (const r of rows) {
    const list = byTask.get(r.task) ?? [];
    list.push(r);
    byTask.set(r.task, list);
  }

  const tasks: TaskRecord[] = [];
  for (const source of sources) {
    for (const task of source.tasks) {
      const list = byTask.get(task.id);
      if (!list) continue;
      const counts = { train: 0, val: 0, test: 0, total: list.length };
      for (const split of SPLITS) {
        const names = list.filter((r) => r.split === split).map((r) => `${r.name}.png`);
        counts[split] = names.length;
        await writeAtomic(path.join(outDir, task.id, splitFileName(split)), names.map((n) => `${layout.splitLine(n)}\n`).join(''));
      }
      await removeOrphans(outDir, task.id, [layout.imageDir, layout.maskDir], new Set(list.map((r) => `${r.name}.png`)));
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

  const splitCounts: Record<Split, number> = { train: 0, val: 0, test: 0 };
  for (const r of rows) splitCounts[r.split]++;
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
    counts: { samples: rows.length, ...splitCounts, skippedEmpty: Object.values(skippedEmpty).reduce((a, b) => a + b, 0) },
    emptyMaskPolicy:
      options.keepEmpty > 0 ? `keep ${options.keepEmpty * 100}% of empty masks (seeded)` : 'samples with an empty mask are skipped',
    splitPolicy: `official splits where published; otherwise grouped, seeded ${input.ratios.train}/${input.ratios.val}/${input.ratios.test}; identical images share a split`,
    officialSplitConflicts: officialConflicts,
    problems: [...input.problems].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)),
  };

  const taskIds = [...byTask.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  async function* manifestLines(): AsyncGenerator<string> {
    for (const task of taskIds) {
      for await (const { outcome } of input.finished(task)) {
        for (const r of outcome.rows) {
          if (r.task !== task) continue;
          const { splitHint: _hint, ...rest } = r;
          yield `${JSON.stringify({ ...rest, split: splitOf.get(`${task}/${r.name}`) })}\n`;
        }
      }
    }
  }
  await writeAtomicStream(path.join(outDir, 'manifest.jsonl'), manifestLines());
  await writeAtomic(path.join(outDir, 'medbank.json'), `${JSON.stringify(record, null, 2)}\n`);
  await writeAtomic(path.join(outDir, 'README.md'), renderCard(record, included));
  await writeAtomic(path.join(outDir, 'CITATION.bib'), renderCitations(included));
  return record;
}

/** Deletes PNGs left in a task folder by an earlier run whose inputs have since gone. */
async function removeOrphans(outDir: string, task: string, dirs: string[], keep: Set<string>): Promise<void> {
  for (const dir of dirs) {
    const full = path.join(outDir, task, dir);
    for (const f of await readdir(full).catch(() => [] as string[])) {
      if (!keep.has(f)) await rm(path.join(full, f), { force: true });
    }
  }
}
