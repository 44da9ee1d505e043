/**
 * Worker-thread entry (piscina): converts one job and reports its rows or the input problem.
 * Each worker runs libvips single-threaded; parallelism comes from converting several jobs at once.
 */
import sharp from 'sharp';
import type { Job } from '../catalog/types.js';
import { InputError } from '../errors.js';
import { convert2d } from './convert-2d.js';
import { convertVolume } from './convert-volume.js';
import type { ConvertOptions, JobOutcome } from './outcome.js';

sharp.concurrency(1);
sharp.cache(false);

export interface WorkerRequest {
  job: Job;
  opts: ConvertOptions;
}

export type WorkerReply = { ok: true; outcome: JobOutcome } | { ok: false; file: string; reason: string };

export async function convertJob({ job, opts }: WorkerRequest): Promise<WorkerReply> {
  try {
    const outcome = job.kind === 'volume' ? await convertVolume(job, opts) : await convert2d(job, opts);
    return { ok: true, outcome };
  } catch (e) {
    if (e instanceof InputError) return { ok: false, file: e.file, reason: e.message };
    return { ok: false, file: job.image, reason: `conversion failed: ${(e as Error)?.message ?? String(e)}` };
  }
}

export default convertJob;
