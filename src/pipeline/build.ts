/**
 * `medbank build` in three phases: (1) in a thread of its own (plan-phase.ts), scan the selected
 * sources, plan unique names and find the jobs a previous run finished; (2) convert the other jobs
 * of this shard in the worker pool; (3) record splits, manifest, card and citations from the job
 * records (a sharded build leaves phase 3 to `medbank merge`). Phases 2 and 3 see jobs only
 * through their identity fields and the worker, so they do not depend on the job kind.
 */
import { stat } from 'node:fs/promises';
import { setImmediate } from 'node:timers/promises';
import path from 'node:path';
import type { SourceAdapter } from '../catalog/types.js';
import { selectSources } from '../catalog/registry.js';
import { selectByLicense, type LicenseUse } from '../catalog/license-policy.js';
import { UsageError } from '../errors.js';
import type { BuildRecord } from '../contract/build-record.js';
import type { LayoutName } from '../contract/layout.js';
import type { ResizeMode } from '../io/image/resize.js';
import { removeStaleTemps } from '../io/files/atomic.js';
import { DEFAULT_LIMITS, type InputLimits } from '../io/input-limits.js';
import { createByteBudget } from '../io/volume/byte-budget.js';
import { nativeEncoder } from '../io/image/png-write.js';
import { createPool, defaultWorkers, type Pool } from './pool/pool.js';
import type { ConvertOptions } from './convert/outcome.js';
import { DEFAULT_RATIOS, parseRatios, type Ratios } from './plan/splits.js';
import type { PlanIndex } from './plan/plan-file.js';
import { planInThread, type Planned } from './plan/plan-phase.js';
import { clearShardDones, jobFingerprinter, prepareTree, readJobRecord, writeShardDone } from './plan/tree-state.js';
import { writeRecords, type FinishedJob } from './record/record.js';
import { rawDigests } from '../acquire/lock.js';
import type { Shard } from './plan/shard.js';
import type { WorkerReply, WorkerRequest } from './convert/worker.js';

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
  /** Remove mask components under this many raw pixels (8-connected, per slice); 0 (default) keeps all. */
  minArea?: number;
  ratios?: string;
  grey?: boolean;
  keep3d?: boolean;
  /** False (`--no-links`): identical outputs are separate copies instead of hard links to one file. */
  links?: boolean;
  force?: boolean;
  sourceOptions?: Record<string, string>;
  /** Header bounds on raw files (input-limits.ts); absent means the defaults. */
  limits?: InputLimits;
  /** Leave out sources whose terms do not allow this use (license-policy.ts); default any. */
  license?: LicenseUse;
  /** Convert only this share of the jobs and leave the record phase to `medbank merge`. */
  shard?: Shard;
  /** Aborting stops the build cleanly: running workers are terminated, finished jobs stay recorded. */
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

export type ProgressEvent =
  | { kind: 'scanned'; source: string; jobs: number; notes: string[]; problems: number }
  | { kind: 'absent'; source: string }
  | { kind: 'excluded'; source: string; reason: string }
  | { kind: 'converted'; done: number; total: number; resumed: number }
  /** Phase 3 starts: splits, manifest and build record. */
  | { kind: 'recording' }
  | { kind: 'problem'; source: string; file: string; reason: string }
  /** Said once per build: the file system refused a hard link, so identical files are copies. */
  | { kind: 'links-unavailable'; reason: string };

export interface SourceCounts {
  /** Jobs (raw images or volumes) of this shard. */
  jobs: number;
  /** Jobs kept from an earlier run. */
  resumed: number;
  converted: number;
  failed: number;
  /** Samples written by the finished jobs (after the empty-mask policy). */
  samples: number;
}

export interface BuildResult {
  /** Absent when the build was interrupted or is one shard of several. */
  record?: BuildRecord;
  resumed: number;
  converted: number;
  perSource: Record<string, SourceCounts>;
  shard: Shard;
  interrupted: boolean;
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
  const minArea = options.minArea ?? 0;
  if (!Number.isInteger(minArea) || minArea < 0) throw new UsageError(`--min-area must be a non-negative integer, got ${options.minArea}`);
  const workers = options.workers ?? defaultWorkers();
  if (!Number.isInteger(workers) || workers < 1) throw new UsageError(`--workers must be a positive integer, got ${options.workers}`);
  nativeEncoder(); // a bad MEDBANK_PNG_ENCODER fails here, not in every worker
  let ratios = DEFAULT_RATIOS;
  try {
    if (options.ratios) ratios = parseRatios(options.ratios);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (!(await stat(rawRoot).catch(() => undefined))?.isDirectory()) throw new UsageError(`raw folder ${rawRoot} does not exist`);
  const outInRaw = path.relative(rawRoot, outDir);
  if (!outInRaw.startsWith('..') && !path.isAbsolute(outInRaw)) {
    throw new UsageError(`--out ${outDir} is inside --raw ${rawRoot}: a rerun would read the outputs as raw files`);
  }

  const requested = await selectSources(options.sources);
  let present: SourceAdapter[] = [];
  for (const s of requested) {
    if ((await stat(path.join(rawRoot, s.id)).catch(() => undefined))?.isDirectory()) present.push(s);
    else options.onProgress?.({ kind: 'absent', source: s.id });
  }
  if (options.sources?.length && present.length < requested.length) {
    const missing = requested.filter((s) => !present.includes(s)).map((s) => `${s.id} (expected ${path.join(rawRoot, s.id)})`);
    throw new UsageError(`requested source folder(s) missing: ${missing.join(', ')}`);
  }
  const license = options.license ?? 'any';
  const licensed = selectByLicense(present, license);
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
    ...(options.limits ? { limits: options.limits } : {}),
    // Absent at 0, so job records of builds without it stay valid.
    ...(minArea ? { minArea } : {}),
    links: options.links ?? true,
  };
  const recordOptions: BuildRecord['options'] = {
    size,
    layout: convertOpts.layout,
    resize: convertOpts.resize,
    seed: convertOpts.seed,
    ratios: `${ratios.train},${ratios.val},${ratios.test}`,
    keepEmpty,
    minArea,
    grey: convertOpts.grey,
    ...(options.keep3d ? { keep3d: true } : {}),
    // Recorded only when off, so trees built before links existed resume without --force.
    ...(options.links === false ? { links: false as const } : {}),
    sources: present.map((s) => s.id),
    sourceOptions: options.sourceOptions ?? {},
    license,
  };
  if (options.shard && options.shard.count > 1 && options.force) {
    throw new UsageError('--force would let one shard empty the folder under the others; clear the output folder first instead');
  }
  await prepareTree(outDir, recordOptions, options.force ?? false);
  // Concurrent shards own their temp files: only a single build (or the merge) sweeps stale ones.
  if (!options.shard || options.shard.count === 1) await removeStaleTemps(outDir);

  // A worker holds one volume at a time, or two 2D jobs so that it decodes one while the other
  // encodes. The workers start with the first job to convert, after phase 1 (see scanAndConvert).
  const tasksPerWorker = present.some((s) => s.jobKind === 'volume') ? 1 : 2;
  const pool = createPool<WorkerRequest, WorkerReply>(new URL('./convert/worker.js', import.meta.url), workers, tasksPerWorker);
  try {
    return await scanAndConvert(present, pool, { rawRoot, outDir, options, convertOpts, recordOptions, ratios, excluded });
  } finally {
    await pool.close();
  }
}

/** Phases 1 to 3 of one build; the workers start with the first job to convert, after phase 1. */
async function scanAndConvert(
  present: SourceAdapter[],
  pool: Pool<WorkerRequest, WorkerReply>,
  ctx: {
    rawRoot: string;
    outDir: string;
    options: BuildOptions;
    convertOpts: ConvertOptions;
    recordOptions: BuildRecord['options'];
    ratios: Ratios;
    excluded: BuildResult['excluded'];
  },
): Promise<BuildResult> {
  const { rawRoot, outDir, options, convertOpts, recordOptions, ratios, excluded } = ctx;
  const shard = options.shard ?? { index: 0, count: 1 };

  const planned = await planInThread(
    { sources: present.map((s) => s.id), rawRoot, outDir, shard, sourceOptions: options.sourceOptions ?? {}, convertOpts },
    options,
  );
  if (!planned) {
    if (shard.count === 1) await removeStaleTemps(outDir);
    return { perSource: {}, resumed: 0, converted: 0, shard, excluded, interrupted: true };
  }
  const { plan, jobs, problems, notes, files } = planned;
  try {
    await clearShardDones(outDir, shard.count > 1 ? shard.count : undefined);
    const counts = await convertPhase(plan.index, planned, convertOpts, pool, options);
    await pool.close();
    const result = { ...counts, shard, excluded };
    if (options.signal?.aborted) {
      // Terminated workers may have left temp files; a shard leaves them to its rerun or the merge.
      if (shard.count === 1) await removeStaleTemps(outDir);
      return { ...result, interrupted: true };
    }
    if (shard.count > 1) {
      await writeShardDone(outDir, { shard, plan: plan.hash, jobs, problems, notes, files });
      return { ...result, interrupted: false };
    }

    const fingerprint = jobFingerprinter(convertOpts);
    options.onProgress?.({ kind: 'recording' });
    let record: BuildRecord;
    try {
      record = await writeRecords({
        outDir,
        sources: present,
        finished: (task) => finishedJobs(outDir, plan.index, fingerprint, task),
        problems,
        notes,
        files,
        rawDigests: await rawDigests(rawRoot),
        options: recordOptions,
        ratios,
        signal: options.signal,
      });
    } catch (e) {
      if (!options.signal?.aborted) throw e;
      await removeStaleTemps(outDir);
      return { ...result, interrupted: true };
    }
    return { ...result, record, interrupted: false };
  } finally {
    await plan.index.close();
  }
}

/**
 * Phase 2: converts the jobs phase 1 left pending, in the worker pool. Each worker records its job
 * as it completes (so an interrupted run resumes); the main thread keeps only counts, and reads a
 * job's plan line when it sends it.
 */
async function convertPhase(
  plan: PlanIndex,
  planned: Pick<Planned, 'jobs' | 'pending' | 'perSource' | 'problems'>,
  opts: ConvertOptions,
  pool: Pool<WorkerRequest, WorkerReply>,
  options: BuildOptions,
): Promise<Omit<BuildResult, 'shard' | 'interrupted' | 'record' | 'excluded'>> {
  const { jobs: total, pending, perSource, problems } = planned;
  // Shared by every worker: volumes held at once stay within the volume bound (byte-budget.ts).
  const budget = createByteBudget((opts.limits ?? DEFAULT_LIMITS).maxVolumeBytes);
  let done = total - pending.length;
  const resumed = done;
  let linksNoted = false;
  options.onProgress?.({ kind: 'converted', done, total, resumed });
  await pool.run(
    pending,
    // The worker parses the job and takes its fingerprint: the main thread only schedules.
    (number) => ({ planLine: plan.line(number), opts, budget }),
    (number, reply) => {
      done++;
      if (reply.linksUnavailable && !linksNoted) {
        linksNoted = true;
        options.onProgress?.({ kind: 'links-unavailable', reason: reply.linksUnavailable });
      }
      const source = plan.source(number);
      const counts = perSource[source];
      if (reply.ok) {
        counts.converted++;
        counts.samples += reply.samples;
      } else {
        counts.failed++;
        problems.push({ source, file: reply.file, reason: reply.reason });
        options.onProgress?.({ kind: 'problem', source, file: reply.file, reason: reply.reason });
      }
      options.onProgress?.({ kind: 'converted', done, total, resumed });
    },
    options.signal,
  );
  const converted = Object.values(perSource).reduce((a, c) => a + c.converted, 0);
  return { perSource, resumed, converted };
}

/**
 * Phase 3's input: the recorded outcome of every finished job that targets `task`, one job at a
 * time. Records are read synchronously (tree-state.ts), so the loop lets the event loop run now
 * and then: a Ctrl-C is still answered during a long record phase.
 */
export async function* finishedJobs(
  outDir: string,
  plan: PlanIndex,
  fingerprint: (planLine: Uint8Array) => string,
  task: string,
): AsyncGenerator<FinishedJob> {
  let read = 0;
  for (const number of plan.jobsOf(task)) {
    if (++read % 256 === 0) await setImmediate();
    const { line, job } = plan.entry(number);
    const outcome = readJobRecord(outDir, job, fingerprint(line));
    if (outcome) yield { job, outcome };
  }
}
