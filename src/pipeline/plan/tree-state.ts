/**
 * The build state kept in `<out>/.medbank/`: the options a tree was built with (a rerun with other
 * options refuses unless forced) and one record per finished job (a rerun keeps outputs whose
 * hashes match and converts the rest). Together they make an interrupted build resumable. The
 * plan file is plan-file.ts's.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { FileAccount, Job, Problem } from '../../catalog/types.js';
import { UsageError } from '../../errors.js';
import { sha256, writeAtomic } from '../../io/files/atomic.js';
import type { ConvertOptions, JobOutcome } from '../convert/outcome.js';
import type { Shard } from './shard.js';

export const STATE_DIR = '.medbank';

/** Where identical outputs keep their one copy (linked-write.ts); absent with `--no-links`. */
export function linkStoreDir(outDir: string, links: boolean | undefined): string | undefined {
  return links === false ? undefined : path.join(outDir, STATE_DIR, 'store');
}
const OPTIONS_FILE = 'options.json';

export interface JobRecord {
  fingerprint: string;
  outcome: JobOutcome;
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

/**
 * Makes `outDir` ready for a build with `options`: creates it, or checks that an existing tree was
 * built with the same options. With `force`, a previous MedBank tree is emptied first; a folder
 * that is not a MedBank tree is never emptied.
 */
export async function prepareTree(outDir: string, options: object, force: boolean): Promise<void> {
  const wanted = stableJson(options);
  const stateDir = path.join(outDir, STATE_DIR);
  const optionsFile = path.join(stateDir, OPTIONS_FILE);
  const existing = await stat(outDir).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw new UsageError(`--out ${outDir} exists and is not a folder`);
  const previous = await readFile(optionsFile, 'utf8').catch(() => undefined);
  if (previous === undefined) {
    // A state folder alone is another shard of the same build that is just starting.
    const entries = (await readdir(outDir).catch(() => [] as string[])).filter((e) => e !== STATE_DIR);
    if (entries.length > 0) {
      throw new UsageError(`${outDir} is not empty and is not a MedBank build folder; choose an empty or new folder`);
    }
  } else if (previous.trim() !== wanted) {
    if (!force) {
      throw new UsageError(
        `${outDir} was built with different options (see ${path.join(STATE_DIR, OPTIONS_FILE)}); use --force to rebuild it, or another --out`,
      );
    }
    await emptyTree(outDir);
  }
  await mkdir(stateDir, { recursive: true });
  if (previous?.trim() !== wanted) await writeAtomic(optionsFile, `${wanted}\n`);
}

/** What a job record's rows hold; records of an older form are converted again (2: rows carry `dhash`). */
const ROW_FORMAT = 'rows/2';

/**
 * Empties a MedBank tree so that a kill at any moment leaves a folder that `--force` still
 * recognises: the options file, its marker, goes last (its replacement is written over it).
 */
async function emptyTree(outDir: string): Promise<void> {
  const stateDir = path.join(outDir, STATE_DIR);
  for (const entry of await readdir(outDir)) {
    if (entry !== STATE_DIR) await rm(path.join(outDir, entry), { recursive: true, force: true });
  }
  for (const entry of await readdir(stateDir)) {
    if (entry !== OPTIONS_FILE) await rm(path.join(stateDir, entry), { recursive: true, force: true });
  }
}

/**
 * A job's identity: its line in the plan file (the job as JSON), the options that change its
 * pixels and the row format. Where the raw and out folders are, and whether outputs are linked,
 * are left out: moving the folders keeps the records valid, and links change no byte. Input
 * bounds only refuse files, and a refused job has no record. Hashing the plan line, not the
 * parsed job, spares the main thread a parse per converted job.
 */
export function jobFingerprinter(opts: ConvertOptions): (planLine: Uint8Array) => string {
  const { rawRoot: _raw, outDir: _out, limits: _limits, links: _links, ...pixelOptions } = opts;
  const options = stableJson(pixelOptions);
  return (planLine) => createHash('sha256').update(planLine).update('\n').update(options).update(ROW_FORMAT).digest('hex');
}

/** Record file of a job, unique per source, name and target tasks. */
export function jobRecordPath(outDir: string, job: Job): string {
  const id = createHash('sha1')
    .update(`${job.name}|${job.targets.map((t) => t.task).join(',')}`)
    .digest('hex')
    .slice(0, 16);
  return path.join(outDir, STATE_DIR, 'jobs', job.source, `${job.name.slice(0, 80)}-${id}.json`);
}

export async function writeJobRecord(outDir: string, job: Job, record: JobRecord): Promise<void> {
  await writeAtomic(jobRecordPath(outDir, job), JSON.stringify(record), { verified: true });
}

/**
 * The stored outcome of a job if it matches `fingerprint` and every output it lists is still on
 * disk with the recorded hash; otherwise undefined (the job is converted again).
 */
export async function readFinishedJob(outDir: string, job: Job, fingerprint: string): Promise<JobOutcome | undefined> {
  let record: JobRecord;
  try {
    record = JSON.parse(await readFile(jobRecordPath(outDir, job), 'utf8')) as JobRecord;
  } catch {
    return undefined;
  }
  if (record.fingerprint !== fingerprint) return undefined;
  for (const row of record.outcome.rows) {
    for (const [rel, hash] of [
      [row.image, row.sha256.image],
      [row.mask, row.sha256.mask],
    ]) {
      const file = path.join(outDir, rel);
      const ok = await stat(file)
        .then(async () => sha256(await readFile(file)) === hash)
        .catch(() => false);
      if (!ok) return undefined;
    }
  }
  return record.outcome;
}

/**
 * The stored record of a job if it belongs to `fingerprint` (no output check: for the record
 * phase). Read synchronously: the record phase reads each record twice and does nothing else
 * meanwhile, and an async read's promises and handles cost more than the record itself.
 */
export function readJobRecord(outDir: string, job: Job, fingerprint: string): JobOutcome | undefined {
  let text: string;
  try {
    text = readFileSync(jobRecordPath(outDir, job), 'utf8');
  } catch {
    return undefined;
  }
  let record: JobRecord;
  try {
    record = JSON.parse(text) as JobRecord;
  } catch {
    // Job records are not fsynced (atomic.ts): after a power loss a shard's may be empty.
    throw new UsageError(`job record ${jobRecordPath(outDir, job)} is damaged; rerun the build (every shard, if sharded) to redo its job`);
  }
  return record.fingerprint === fingerprint ? record.outcome : undefined;
}

const SHARDS_DIR = 'shards';

/** What a finished shard leaves for `medbank merge`. */
export interface ShardDone {
  shard: Shard;
  /** Hash of the plan the shard converted a share of; every shard must agree. */
  plan: string;
  jobs: number;
  problems: (Problem & { source: string })[];
  notes: Record<string, string[]>;
  /** Absent in the marks of shards built before file accounting. */
  files?: Record<string, FileAccount>;
}

function shardDonePath(outDir: string, shard: Shard): string {
  return path.join(outDir, STATE_DIR, SHARDS_DIR, `${shard.index}-of-${shard.count}.json`);
}

export async function writeShardDone(outDir: string, done: ShardDone): Promise<void> {
  await writeAtomic(shardDonePath(outDir, done.shard), `${JSON.stringify(done)}\n`);
}

export async function readShardDones(outDir: string): Promise<ShardDone[]> {
  const dir = path.join(outDir, STATE_DIR, SHARDS_DIR);
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(path.join(dir, f), 'utf8')) as ShardDone));
}

/** Forgets finished-shard marks (a new unsharded build or a new shard layout starts over). */
export async function clearShardDones(outDir: string, keepCount?: number): Promise<void> {
  const dir = path.join(outDir, STATE_DIR, SHARDS_DIR);
  for (const f of await readdir(dir).catch(() => [] as string[])) {
    if (keepCount === undefined || !f.endsWith(`-of-${keepCount}.json`)) await rm(path.join(dir, f), { force: true });
  }
}
