/**
 * `medbank build`: scan the selected sources, plan unique names, convert every job in the worker
 * pool (skipping jobs a previous run finished), then record splits, manifest, card and citations.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Job, Problem, SourceAdapter } from '../catalog/types.js';
import { selectSources } from '../catalog/registry.js';
import { selectByLicense, type LicenseUse } from '../catalog/license-policy.js';
import { UsageError } from '../errors.js';
import type { ConvertedRow } from '../contract/manifest.js';
import type { BuildRecord } from '../contract/build-record.js';
import type { LayoutName } from '../contract/layout.js';
import type { ResizeMode } from '../io/resize.js';
import { removeStaleTemps } from '../io/atomic.js';
import { createPool, defaultWorkers } from './pool.js';
import type { ConvertOptions } from './outcome.js';
import { DEFAULT_RATIOS, parseRatios } from './splits.js';
import { planNames } from './plan.js';
import { jobFingerprint, prepareTree, readFinishedJob, writeJobRecord } from './tree-state.js';
import { writeRecords } from './record.js';
import type { WorkerReply, WorkerRequest } from './worker.js';

export interface BuildOptions {
  raw: string;
  out: string;
  sources?: string[];
  size?: number;
  layout?: LayoutName;
  resize?: ResizeMode;
  seed?: number;
  workers?: number;
  keepEmpty?: number;
  ratios?: string;
  grey?: boolean;
  keep3d?: boolean;
  force?: boolean;
  sourceOptions?: Record<string, string>;
  /** Leave out sources whose terms do not allow this use (license-policy.ts); default any. */
  license?: LicenseUse;
  onProgress?: (event: ProgressEvent) => void;
}

export type ProgressEvent =
  | { kind: 'scanned'; source: string; jobs: number; notes: string[]; problems: number }
  | { kind: 'absent'; source: string }
  | { kind: 'excluded'; source: string; reason: string }
  | { kind: 'converted'; done: number; total: number; resumed: number }
  | { kind: 'problem'; source: string; file: string; reason: string };

export interface BuildResult {
  record: BuildRecord;
  resumed: number;
  converted: number;
  /** Sources present in the raw folder but left out by `license`, with the reason. */
  excluded: { source: string; reason: string }[];
}

export async function build(options: BuildOptions): Promise<BuildResult> {
  const rawRoot = path.resolve(options.raw);
  const outDir = path.resolve(options.out);
  const size = options.size ?? 1024;
  if (!Number.isInteger(size) || size < 16 || size > 8192)
    throw new UsageError(`--size must be an integer from 16 to 8192, got ${options.size}`);
  const keepEmpty = options.keepEmpty ?? 0;
  if (!(keepEmpty >= 0 && keepEmpty <= 1)) throw new UsageError(`--keep-empty must be a share from 0 to 1, got ${options.keepEmpty}`);
  const workers = options.workers ?? defaultWorkers();
  if (!Number.isInteger(workers) || workers < 1) throw new UsageError(`--workers must be a positive integer, got ${options.workers}`);
  let ratios = DEFAULT_RATIOS;
  try {
    if (options.ratios) ratios = parseRatios(options.ratios);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (!(await stat(rawRoot).catch(() => undefined))?.isDirectory()) throw new UsageError(`raw folder ${rawRoot} does not exist`);

  const requested = await selectSources(options.sources);
  const unconverted = requested.filter((s) => !s.scan);
  if (options.sources?.length && unconverted.length) {
    throw new UsageError(`no converter yet for: ${unconverted.map((s) => s.id).join(', ')}`);
  }
  let present: SourceAdapter[] = [];
  for (const s of requested) {
    if (!s.scan) continue;
    if ((await stat(path.join(rawRoot, s.id)).catch(() => undefined))?.isDirectory()) present.push(s);
    else options.onProgress?.({ kind: 'absent', source: s.id });
  }
  if (options.sources?.length && present.length < requested.length) {
    const missing = requested.filter((s) => !present.includes(s)).map((s) => `${s.id} (expected ${path.join(rawRoot, s.id)})`);
    throw new UsageError(`requested source folder(s) missing: ${missing.join(', ')}`);
  }
  const licensed = selectByLicense(present, options.license ?? 'any');
  const excluded = licensed.excluded.map((x) => ({ source: x.source.id, reason: x.reason }));
  for (const x of excluded) options.onProgress?.({ kind: 'excluded', ...x });
  if (present.length > 0 && licensed.allowed.length === 0)
    throw new UsageError(
      `--license ${options.license} leaves out every source present: ${excluded.map((x) => `${x.source} (${x.reason})`).join('; ')}`,
    );
  present = licensed.allowed;
  if (present.length === 0)
    throw new UsageError(`no source folders found in ${rawRoot}; run "medbank sources" for the expected folder names`);

  const convertOpts: ConvertOptions = {
    rawRoot,
    outDir,
    size,
    resize: options.resize ?? 'stretch',
    layout: options.layout ?? 'medbank',
    keepEmpty,
    seed: options.seed ?? 0,
    grey: options.grey ?? false,
    ...(options.keep3d ? { keep3d: true } : {}),
  };
  const recordOptions: BuildRecord['options'] = {
    size,
    layout: convertOpts.layout,
    resize: convertOpts.resize,
    seed: convertOpts.seed,
    ratios: `${ratios.train},${ratios.val},${ratios.test}`,
    keepEmpty,
    grey: convertOpts.grey,
    ...(options.keep3d ? { keep3d: true } : {}),
    sources: present.map((s) => s.id),
    sourceOptions: options.sourceOptions ?? {},
  };
  await prepareTree(outDir, recordOptions, options.force ?? false);
  await removeStaleTemps(outDir);

  const problems: (Problem & { source: string })[] = [];
  const notes: Record<string, string[]> = {};
  const jobs: Job[] = [];
  for (const source of present) {
    if (!source.scan) continue;
    const result = await source.scan({ sourceDir: path.join(rawRoot, source.id), rawRoot, options: options.sourceOptions ?? {} });
    notes[source.id] = result.notes;
    for (const p of result.problems) {
      problems.push({ ...p, source: source.id });
      options.onProgress?.({ kind: 'problem', source: source.id, ...p });
    }
    jobs.push(...planNames(result.jobs));
    options.onProgress?.({
      kind: 'scanned',
      source: source.id,
      jobs: result.jobs.length,
      notes: result.notes,
      problems: result.problems.length,
    });
  }

  // Where the tree lives does not change its pixels: moving raw or out folders keeps the records valid.
  const { rawRoot: _raw, outDir: _out, ...pixelOptions } = convertOpts;
  const rows: ConvertedRow[] = [];
  const skippedEmpty: Record<string, number> = {};
  let resumed = 0;
  let done = 0;
  const pending: Job[] = [];
  for (const job of jobs) {
    const finished = await readFinishedJob(outDir, job, jobFingerprint(job, pixelOptions));
    if (!finished) {
      pending.push(job);
      continue;
    }
    collect(job, finished.rows, finished.skippedEmpty, finished.skippedByTask);
    resumed++;
    done++;
  }
  function collect(job: Job, jobRows: ConvertedRow[], skipped: number, skippedByTask?: Record<string, number>): void {
    rows.push(...jobRows);
    if (skippedByTask) for (const [task, n] of Object.entries(skippedByTask)) skippedEmpty[task] = (skippedEmpty[task] ?? 0) + n;
    else if (skipped)
      for (const t of job.targets) if (!jobRows.some((r) => r.task === t.task)) skippedEmpty[t.task] = (skippedEmpty[t.task] ?? 0) + 1;
  }
  options.onProgress?.({ kind: 'converted', done, total: jobs.length, resumed });

  if (pending.length > 0) {
    const pool = createPool<WorkerRequest, WorkerReply>(new URL('./worker.js', import.meta.url), workers);
    try {
      await pool.run(
        pending,
        (job) => ({ job, opts: convertOpts }),
        async (job, reply) => {
          done++;
          if (reply.ok) {
            await writeJobRecord(outDir, job, { fingerprint: jobFingerprint(job, pixelOptions), outcome: reply.outcome });
            collect(job, reply.outcome.rows, reply.outcome.skippedEmpty, reply.outcome.skippedByTask);
          } else {
            problems.push({ source: job.source, file: reply.file, reason: reply.reason });
            options.onProgress?.({ kind: 'problem', source: job.source, file: reply.file, reason: reply.reason });
          }
          options.onProgress?.({ kind: 'converted', done, total: jobs.length, resumed });
        },
      );
    } finally {
      await pool.close();
    }
  }

  const record = await writeRecords({ outDir, sources: present, rows, problems, notes, skippedEmpty, options: recordOptions, ratios });
  return { record, resumed, converted: pending.length, excluded };
}
