/**
 * Sharded builds: shard i of n converts the jobs whose identity hashes to i modulo n. The hash
 * depends only on a job's source, name and tasks, so every shard picks a disjoint, stable share
 * whatever the scan order, and a rerun of one shard picks the same jobs.
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../../errors.js';

export interface Shard {
  /** 0-based index. */
  index: number;
  count: number;
}

/** The fields every job kind shares (2D jobs and volumes alike). */
export interface JobIdentity {
  source: string;
  name: string;
  targets: { task: string }[];
}

export function inShard(job: JobIdentity, shard: Shard): boolean {
  if (shard.count === 1) return true;
  const key = `${job.source}|${job.name}|${job.targets.map((t) => t.task).join(',')}`;
  return createHash('sha256').update(key).digest().readUInt32BE(0) % shard.count === shard.index;
}

/** `i/n` with 0 <= i < n. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const shard = m ? { index: Number(m[1]), count: Number(m[2]) } : undefined;
  if (!shard || shard.count < 1 || shard.index >= shard.count || shard.count > 100000) {
    throw new UsageError(`--shard must be i/n with 0 <= i < n (e.g. 0/4 ... 3/4), got "${text}"`);
  }
  return shard;
}

/**
 * The shard from a scheduler's environment: `--shard auto` reads a Slurm array
 * (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT); `--shards n` takes the
 * index from a Kubernetes Indexed Job (JOB_COMPLETION_INDEX) or a Slurm array task id.
 */
export function shardFromEnv(env: NodeJS.ProcessEnv, shards?: number): Shard {
  const int = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name}="${v}" is not a non-negative integer`);
    return n;
  };
  const slurmIndex = (): number | undefined => {
    const id = int('SLURM_ARRAY_TASK_ID');
    return id === undefined ? undefined : id - (int('SLURM_ARRAY_TASK_MIN') ?? 0);
  };
  if (shards !== undefined) {
    const index = int('JOB_COMPLETION_INDEX') ?? slurmIndex();
    if (index === undefined)
      throw new UsageError('--shards needs JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID in the environment');
    return parseShard(`${index}/${shards}`);
  }
  const index = slurmIndex();
  const count = int('SLURM_ARRAY_TASK_COUNT');
  if (index === undefined || count === undefined) {
    throw new UsageError(
      '--shard auto needs SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (a Slurm job array); elsewhere give --shard i/n',
    );
  }
  return parseShard(`${index}/${count}`);
}
