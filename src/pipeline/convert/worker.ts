/**
 * Worker-thread task (run by pool-thread.ts): converts one job and reports its rows or the input problem.
 * Each worker runs libvips single-threaded; parallelism comes from converting several jobs at once.
 */
import sharp from '../../io/image/sharp.js';
import { InputError } from '../../errors.js';
import { withLinkNote } from '../../io/files/linked-write.js';
import { convert2d } from './convert-2d.js';
import { convertVolume } from './convert-volume.js';
import type { ConvertOptions, JobOutcome } from './outcome.js';
import { parsePlanLine } from '../plan/plan-file.js';
import { jobFingerprinter, writeJobRecord } from '../plan/tree-state.js';

sharp.concurrency(1);
sharp.cache(false);

export interface WorkerRequest {
  /** The job's line in the plan file (plan-file.ts). */
  planLine: Uint8Array;
  opts: ConvertOptions;
  /** The build's shared budget of volume bytes in flight (byte-budget.ts), shared by every worker. */
  budget?: SharedArrayBuffer;
}

/**
 * The worker records the job's outcome itself (after its outputs), so the main thread never holds
 * a job's rows: it only counts.
 */
export type WorkerReply = ({ ok: true; samples: number } | { ok: false; file: string; reason: string }) & {
  /** The first time this worker could not hard-link: why, and that it writes copies instead. */
  linksUnavailable?: string;
};

export async function convertJob({ planLine, opts, budget }: WorkerRequest): Promise<WorkerReply> {
  const job = parsePlanLine(planLine);
  // Recorded with the outcome: a rerun with other pixel options converts the job again.
  const fingerprint = jobFingerprinter(opts)(planLine);
  try {
    const outcome: JobOutcome = job.kind === 'volume' ? await convertVolume(job, opts, budget) : await convert2d(job, opts);
    await writeJobRecord(opts.outDir, job, { fingerprint, outcome });
    return withLinkNote({ ok: true, samples: outcome.rows.length });
  } catch (e) {
    if (e instanceof InputError) return withLinkNote({ ok: false, file: e.file, reason: e.message });
    return withLinkNote({ ok: false, file: job.image, reason: `conversion failed: ${(e as Error)?.message ?? String(e)}` });
  }
}

export default convertJob;
