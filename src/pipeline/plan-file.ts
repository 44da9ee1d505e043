/**
 * The build plan, `<out>/.medbank/plan.jsonl`: every planned job of every shard, one JSON line
 * each, in plan order. Every shard writes the same bytes, and the plan's hash ties the shards of
 * one build together. The main thread keeps only an index of the file (where each line sits, its
 * source, the jobs of each task) and reads a job back when it needs it, so its memory grows by a
 * few dozen bytes per job instead of holding every job. It reads through a handle opened when the
 * plan was written or indexed, so a concurrent shard that replaces the file (after the raw folder
 * changed) cannot change the jobs under it; the merge tells such shards apart by the plan's hash.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { createHash, type Hash } from 'node:crypto';
import path from 'node:path';
import type { Job } from '../catalog/types.js';
import { openAtomic, type AtomicFile } from '../io/atomic.js';
import type { JobIdentity } from './shard.js';

const PLAN_FILE = 'plan.jsonl';

export function planPath(stateDir: string): string {
  return path.join(stateDir, PLAN_FILE);
}

/**
 * Where each job of a plan file is, and which jobs each task has. Jobs are numbered in plan order.
 * Close it when done: it holds the file open.
 */
export class PlanIndex {
  /** Byte offset of each job's line, and of the end of the file. */
  private readonly starts: number[] = [0];
  private readonly sourceIds: string[] = [];
  private readonly sourceOfJob: number[] = [];
  private readonly jobsOfTask = new Map<string, number[]>();

  constructor(private readonly handle: FileHandle) {}

  get size(): number {
    return this.sourceOfJob.length;
  }

  /** Notes the next line: a job of `bytes` bytes, newline included. */
  note(job: JobIdentity, bytes: number): void {
    const number = this.size;
    this.starts.push(this.starts[number] + bytes);
    let source = this.sourceIds.lastIndexOf(job.source);
    if (source < 0) source = this.sourceIds.push(job.source) - 1;
    this.sourceOfJob.push(source);
    for (const { task } of job.targets) {
      const list = this.jobsOfTask.get(task);
      if (list) list.push(number);
      else this.jobsOfTask.set(task, [number]);
    }
  }

  source(job: number): string {
    return this.sourceIds[this.sourceOfJob[job]];
  }

  /** The jobs that target `task`, in plan order. */
  jobsOf(task: string): readonly number[] {
    return this.jobsOfTask.get(task) ?? [];
  }

  async read(job: number): Promise<Job> {
    const start = this.starts[job];
    const bytes = Buffer.alloc(this.starts[job + 1] - start);
    const { bytesRead } = await this.handle.read(bytes, 0, bytes.length, start);
    if (bytesRead !== bytes.length) throw new Error(`the build plan ended before job ${job} (was it truncated?)`);
    return JSON.parse(bytes.toString('utf8')) as Job;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** Writes a plan file source by source, indexing it as it goes; the file appears once finished. */
export class PlanWriter {
  private readonly hash: Hash = createHash('sha256');

  private constructor(
    private readonly out: AtomicFile,
    readonly index: PlanIndex,
  ) {}

  static async create(stateDir: string): Promise<PlanWriter> {
    const out = await openAtomic(planPath(stateDir));
    return new PlanWriter(out, new PlanIndex(out.handle));
  }

  /** Appends `jobs` (in plan order, after every job appended before). */
  async append(jobs: Job[]): Promise<void> {
    for (const job of jobs) {
      const line = `${JSON.stringify(job)}\n`;
      this.index.note(job, Buffer.byteLength(line));
      this.hash.update(line);
      await this.out.write(line);
    }
  }

  /** Publishes the file; returns its SHA-256. The index stays open for reading it. */
  async finish(): Promise<string> {
    await this.out.commit({ keepOpen: true });
    return this.hash.digest('hex');
  }

  abort(): Promise<void> {
    return this.out.abort();
  }
}

/** Indexes the plan a build left in `stateDir` (for `medbank merge`); undefined when there is none. */
export async function readPlanIndex(stateDir: string): Promise<{ index: PlanIndex; hash: string } | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(planPath(stateDir));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const index = new PlanIndex(handle);
  const hash = createHash('sha256');
  try {
    let partial = Buffer.alloc(0);
    for await (const chunk of handle.createReadStream({ autoClose: false, start: 0 }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      let data = partial.length ? Buffer.concat([partial, chunk]) : chunk;
      for (let end = data.indexOf(10); end >= 0; end = data.indexOf(10)) {
        index.note(JSON.parse(data.subarray(0, end).toString('utf8')) as Job, end + 1);
        data = data.subarray(end + 1);
      }
      partial = Buffer.from(data);
    }
  } catch (e) {
    await index.close();
    throw e;
  }
  return { index, hash: hash.digest('hex') };
}
