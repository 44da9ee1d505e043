/**
 * The build plan, `<out>/.medbank/plan.jsonl`: every planned job of every shard, one JSON line
 * each, in plan order. Every shard writes the same bytes, and the plan's hash ties the shards of
 * one build together. The main thread keeps only an index of the file (where each line sits, its
 * source, the jobs of each task) and reads a job back when it needs it, so its memory grows by a
 * few dozen bytes per job instead of holding every job. It reads through a handle opened when the
 * plan was written or indexed, so a concurrent shard that replaces the file (after the raw folder
 * changed) cannot change the jobs under it; the merge tells such shards apart by the plan's hash.
 */
import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createHash, type Hash } from 'node:crypto';
import path from 'node:path';
import type { Job } from '../../catalog/types.js';
import { openAtomic, type AtomicFile } from '../../io/files/atomic.js';
import type { JobIdentity } from './shard.js';

const PLAN_FILE = 'plan.jsonl';

export function planPath(stateDir: string): string {
  return path.join(stateDir, PLAN_FILE);
}

/** The job a plan line (as `PlanIndex.line` returns it) describes. */
export function parsePlanLine(line: Uint8Array): Job {
  return JSON.parse(new TextDecoder().decode(line)) as Job;
}

/** A plan index without its file handle: what the plan thread hands to the build (plan-phase.ts). */
export interface PlanIndexData {
  /** Byte offset of each job's line, and of the end of the file. */
  starts: number[];
  sourceIds: string[];
  sourceOfJob: number[];
  jobsOfTask: Map<string, number[]>;
}

/**
 * Where each job of a plan file is, and which jobs each task has. Jobs are numbered in plan order.
 * Close it when done: it holds the file open.
 */
export class PlanIndex {
  constructor(
    private readonly handle: FileHandle,
    private readonly data: PlanIndexData = { starts: [0], sourceIds: [], sourceOfJob: [], jobsOfTask: new Map() },
  ) {}

  /** The index to send to another thread (which gets the file handle by transfer). */
  get snapshot(): PlanIndexData {
    return this.data;
  }

  /** The open plan file, to transfer with `snapshot`. */
  get file(): FileHandle {
    return this.handle;
  }

  get size(): number {
    return this.data.sourceOfJob.length;
  }

  /** Notes the next line: a job of `bytes` bytes, newline included. */
  note(job: JobIdentity, bytes: number): void {
    const { starts, sourceIds, sourceOfJob, jobsOfTask } = this.data;
    const number = this.size;
    starts.push(starts[number] + bytes);
    let source = sourceIds.lastIndexOf(job.source);
    if (source < 0) source = sourceIds.push(job.source) - 1;
    sourceOfJob.push(source);
    for (const { task } of job.targets) {
      const list = jobsOfTask.get(task);
      if (list) list.push(number);
      else jobsOfTask.set(task, [number]);
    }
  }

  source(job: number): string {
    return this.data.sourceIds[this.data.sourceOfJob[job]];
  }

  /** The jobs that target `task`, in plan order. */
  jobsOf(task: string): readonly number[] {
    return this.data.jobsOfTask.get(task) ?? [];
  }

  /**
   * Job `job`'s line: its JSON, without the newline. Read synchronously: a few hundred bytes from
   * the page cache cost less than an async read's promises, and the main thread reads a line per
   * job it sends. Its own ArrayBuffer, so that posting it to a worker copies only these bytes.
   */
  line(job: number): Buffer {
    const start = this.data.starts[job];
    const bytes = Buffer.allocUnsafeSlow(this.data.starts[job + 1] - start - 1);
    if (readSync(this.handle.fd, bytes, 0, bytes.length, start) !== bytes.length) {
      throw new Error(`the build plan ended before job ${job} (was it truncated?)`);
    }
    return bytes;
  }

  /** Job `job` with its line, which its fingerprint hashes (tree-state.ts). */
  entry(job: number): { line: Buffer; job: Job } {
    const line = this.line(job);
    return { line, job: parsePlanLine(line) };
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
