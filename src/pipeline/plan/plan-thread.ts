/**
 * Entry of the plan thread (started by plan-phase.ts): scans the sources, writes the plan file,
 * picks this shard's jobs and checks which of them a previous run finished. Everything this
 * allocates (a source of 30,000 raw files makes a heap of 60 MiB) goes away with the thread, so
 * the build's main thread starts converting as small as it started.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { FileAccount, Problem, SourceAdapter } from '../../catalog/types.js';
import { scanSource } from '../../catalog/scan-source.js';
import { selectSources } from '../../catalog/registry.js';
import { InputError } from '../../errors.js';
import type { ProgressEvent, SourceCounts } from '../build.js';
import { planNames } from './plan.js';
import { PlanWriter, type PlanIndex } from './plan-file.js';
import type { PlanMessage, PlanRequest, ThreadError } from './plan-phase.js';
import { inShard } from './shard.js';
import { jobFingerprinter, readFinishedJob, STATE_DIR } from './tree-state.js';

const port = parentPort!;
const request = workerData as PlanRequest;
const post = (message: PlanMessage): void => port.postMessage(message);

let plan: { index: PlanIndex; hash: string } | undefined;
try {
  const sources = await selectSources(request.sources);
  const written = await writePlan(sources, (event) => post({ kind: 'event', event }));
  plan = written.plan;
  const { pending, perSource } = await unfinishedLargestFirst(plan.index, written.mine);
  const done: PlanMessage = {
    kind: 'done',
    index: plan.index.snapshot,
    file: plan.index.file,
    hash: plan.hash,
    jobs: written.mine.length,
    pending,
    perSource,
    problems: written.problems,
    notes: written.notes,
    files: written.files,
  };
  port.postMessage(done, [plan.index.file]);
} catch (e) {
  await plan?.index.close();
  post({ kind: 'failed', error: threadError(e) });
}

/**
 * Scans each source and appends its named jobs to the plan file; keeps the plan's index and the
 * numbers of this shard's jobs.
 */
async function writePlan(
  sources: SourceAdapter[],
  onProgress: (event: ProgressEvent) => void,
): Promise<{
  plan: { index: PlanIndex; hash: string };
  mine: number[];
  problems: (Problem & { source: string })[];
  notes: Record<string, string[]>;
  files: Record<string, FileAccount>;
}> {
  const { rawRoot, outDir, shard } = request;
  const problems: (Problem & { source: string })[] = [];
  const notes: Record<string, string[]> = {};
  const files: Record<string, FileAccount> = {};
  const mine: number[] = [];
  const writer = await PlanWriter.create(path.join(outDir, STATE_DIR));
  try {
    for (const source of sources) {
      const result = await scanSource(source, { rawRoot, options: request.sourceOptions });
      notes[source.id] = result.notes;
      files[source.id] = result.files;
      for (const p of result.problems) {
        problems.push({ ...p, source: source.id });
        onProgress({ kind: 'problem', source: source.id, ...p });
      }
      const first = writer.index.size;
      const planned = planNames(result.jobs);
      await writer.append(planned);
      planned.forEach((job, i) => inShard(job, shard) && mine.push(first + i));
      onProgress({ kind: 'scanned', source: source.id, jobs: result.jobs.length, notes: result.notes, problems: result.problems.length });
    }
    return { plan: { index: writer.index, hash: await writer.finish() }, mine, problems, notes, files };
  } catch (e) {
    await writer.abort();
    throw e;
  }
}

/**
 * The resume check: counts the jobs a previous run finished and returns the others, largest raw
 * file first, so that no big image or volume is left to run alone at the end while the other
 * workers idle. Outputs do not depend on the order.
 */
async function unfinishedLargestFirst(
  plan: PlanIndex,
  mine: number[],
): Promise<{ pending: number[]; perSource: Record<string, SourceCounts> }> {
  const { convertOpts: opts } = request;
  const fingerprint = jobFingerprinter(opts);
  const perSource: Record<string, SourceCounts> = {};
  const pending: { number: number; rawBytes: number }[] = [];
  const check = async (number: number): Promise<void> => {
    const { line, job } = plan.entry(number);
    const counts = (perSource[job.source] ??= { jobs: 0, resumed: 0, converted: 0, failed: 0, samples: 0 });
    counts.jobs++;
    const finished = await readFinishedJob(opts.outDir, job, fingerprint(line));
    if (finished) {
      counts.resumed++;
      counts.samples += finished.rows.length;
    } else {
      const rawBytes = (await stat(path.join(opts.rawRoot, job.image)).catch(() => undefined))?.size ?? 0;
      pending.push({ number, rawBytes });
    }
  };
  // A few checks at a time, as each waits on small file reads: 30,000 new jobs took 6.5-7.3 s one
  // at a time, 2.8-4.1 s eight at a time.
  let next = 0;
  const lane = async () => {
    while (next < mine.length) await check(mine[next++]);
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  return { pending: pending.sort((a, b) => b.rawBytes - a.rawBytes).map((p) => p.number), perSource };
}

function threadError(e: unknown): ThreadError {
  const error = e instanceof Error ? e : new Error(String(e));
  return { name: error.name, message: error.message, stack: error.stack, ...(e instanceof InputError ? { file: e.file } : {}) };
}
