/**
 * Worker-thread entry (piscina): converts one job and reports its rows or the input problem.
 * Each worker runs libvips single-threaded; parallelism comes from converting several jobs at once.
 */
import sharp from 'sharp';
import type { Job, TaskSpec } from '../catalog/types.js';
import { catalog } from '../catalog/registry.js';
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

let taskIndex: Promise<Map<string, TaskSpec>> | undefined;

function tasks(): Promise<Map<string, TaskSpec>> {
  taskIndex ??= catalog().then((all) => new Map(all.flatMap((s) => s.tasks.map((t) => [t.id, t] as const))));
  return taskIndex;
}

export async function convertJob({ job, opts }: WorkerRequest): Promise<WorkerReply> {
  try {
    const outcome = job.kind === 'volume' ? await convertVolume(job, opts, await tasks()) : await convert2d(job, opts, await tasks());
    return { ok: true, outcome };
  } catch (e) {
    if (e instanceof InputError) return { ok: false, file: e.file, reason: e.message };
    return { ok: false, file: job.image, reason: `conversion failed: ${(e as Error)?.message ?? String(e)}` };
  }
}

export default convertJob;
