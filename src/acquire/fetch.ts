/**
 * `medbank fetch`: plans every source, downloads the missing archives (at most `jobs` at a time),
 * verifies them, unpacks each source into a temporary folder renamed into place only when whole,
 * and records archives and unpacked digests in the raw lock. A failing source is reported with
 * its URL and reason; the others go on.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { FetchArchive, SourceAdapter } from '../catalog/types.js';
import { endpoints, findCredentials } from './credentials.js';
import { limiter } from './limit.js';
import { LOCK_FORMAT, readLock, treeDigest, writeLock, type LockedArchive, type RawLock } from './lock.js';
import { DOWNLOADS, PARTIAL_SUFFIX, REJECTED_SUFFIX, downloadsDir, planSource, type PlannedArchive, type SourcePlan } from './plan.js';
import { resolveRequest, type ResolveContext } from './resolve.js';
import { formatMismatch, readHead } from './sniff.js';
import { hashPrefix, transfer, TransferError, type RetryPolicy } from './transfer.js';
import { defaultLimits, unpack, UnpackError, type UnpackLimits } from './unpack.js';
import { checksumMismatch, expectationsFor, pinnedBy, type Expectation } from './verify.js';

export interface FetchOptions {
  raw: string;
  sources: SourceAdapter[];
  /** Sources named by the user: one that cannot be fetched is a failure, not just a note. */
  explicit: boolean;
  jobs: number;
  dryRun?: boolean;
  mirror?: string;
  expect?: Map<string, string>;
  env: NodeJS.ProcessEnv;
  home?: string;
  retry?: RetryPolicy;
  limits?: (archiveBytes: number) => UnpackLimits;
  signal?: AbortSignal;
  onEvent?(e: FetchEvent): void;
}

export type FetchEvent =
  | { kind: 'start'; source: string; archive: string; total?: number; from: number }
  | { kind: 'bytes'; source: string; archive: string; done: number; total?: number }
  | { kind: 'retry'; source: string; archive: string; reason: string; waitMs: number }
  | { kind: 'downloaded'; source: string; archive: string; bytes: number; resumed: boolean }
  | { kind: 'unpacking'; source: string }
  | { kind: 'source'; outcome: SourceOutcome };

export type OutcomeStatus = 'ready' | 'fetched' | 'present' | 'manual' | 'failed';

export interface SourceOutcome {
  source: string;
  status: OutcomeStatus;
  archives: LockedArchive[];
  error?: { url?: string; reason: string };
  /** For `manual`: why, and the steps. */
  manual?: { reason: string; steps: string[] };
  notes: string[];
}

export interface FetchResult {
  plans: SourcePlan[];
  outcomes: SourceOutcome[];
}

/** A downloaded or placed file that fails a check is moved aside, never left under the archive's name. */
async function reject(file: string, dir: string, archive: string, url: string | undefined, reason: string): Promise<never> {
  await rename(file, path.join(dir, archive + REJECTED_SUFFIX)).catch(() => rm(file, { force: true }));
  throw new TransferError(url ?? archive, `${reason} (moved aside as ${archive}${REJECTED_SUFFIX})`);
}

async function checkFile(
  file: string,
  dir: string,
  archive: FetchArchive,
  url: string | undefined,
  actual: { sha256: string; md5?: string; bytes: number },
  expectations: Expectation[],
): Promise<void> {
  const wrong = formatMismatch(await readHead(file), archive.format, archive.name);
  if (wrong) await reject(file, dir, archive.name, url, `${archive.name}: ${wrong}`);
  if (archive.size !== undefined && actual.bytes !== archive.size)
    await reject(file, dir, archive.name, url, `${archive.name}: ${actual.bytes} bytes, the catalog says ${archive.size}`);
  const mismatch = checksumMismatch(archive.name, actual, expectations);
  if (mismatch) await reject(file, dir, archive.name, url, mismatch);
}

export async function fetchSources(options: FetchOptions): Promise<FetchResult> {
  const raw = path.resolve(options.raw);
  const credentials = findCredentials(options.env, options.home);
  const ctx: ResolveContext = { mirror: options.mirror, credentials, endpoints: endpoints(options.env), signal: options.signal };
  const lock: RawLock = (await readLock(raw)) ?? { format: LOCK_FORMAT, sources: {} };
  const plans = await Promise.all(options.sources.map((s) => planSource(s, { raw, ...ctx, lock })));
  if (options.dryRun) return { plans, outcomes: [] };

  const run = limiter(Math.max(1, options.jobs));
  let lockWrites = Promise.resolve();
  const saveLock = (): Promise<void> => (lockWrites = lockWrites.then(() => writeLock(raw, lock)));
  const emit = (e: FetchEvent): void => options.onEvent?.(e);

  const obtain = async (source: SourceAdapter, planned: PlannedArchive): Promise<LockedArchive> => {
    const { archive } = planned;
    const dir = downloadsDir(raw, source.id);
    const final = path.join(dir, archive.name);
    const expectations = expectationsFor(archive, source.id, options.expect, lock.sources[source.id]);
    const md5 = expectations.some((e) => e.algorithm === 'md5');
    if (planned.state === 'verified') return lock.sources[source.id]!.archives.find((a) => a.name === archive.name)!;
    if (planned.state === 'placed') {
      const { hashes: running } = await hashPrefix(final, md5);
      const hashes = { sha256: running.sha256.digest('hex'), md5: running.md5?.digest('hex') };
      await checkFile(final, dir, archive, undefined, { ...hashes, bytes: planned.bytesOnDisk }, expectations);
      return { name: archive.name, url: planned.url, size: planned.bytesOnDisk, sha256: hashes.sha256, pinnedBy: pinnedBy(expectations) };
    }
    return run(async () => {
      await mkdir(dir, { recursive: true });
      const request = await resolveRequest(archive, source.id, ctx);
      const partial = final + PARTIAL_SUFFIX;
      emit({ kind: 'start', source: source.id, archive: archive.name, total: archive.size, from: planned.bytesOnDisk });
      const result = await transfer({
        url: request.url,
        headers: request.headers,
        partial,
        label: archive.name,
        md5,
        resumable: !archive.rebuiltPerDownload,
        retry: options.retry,
        signal: options.signal,
        onBytes: (done, total) => emit({ kind: 'bytes', source: source.id, archive: archive.name, done, total: total ?? archive.size }),
        onRetry: (reason, waitMs) => emit({ kind: 'retry', source: source.id, archive: archive.name, reason, waitMs }),
      });
      await checkFile(partial, dir, archive, planned.url, result, expectations);
      await rename(partial, final);
      emit({ kind: 'downloaded', source: source.id, archive: archive.name, bytes: result.bytes, resumed: result.resumed });
      return { name: archive.name, url: planned.url, size: result.bytes, sha256: result.sha256, pinnedBy: pinnedBy(expectations) };
    });
  };

  const unpackSource = async (source: SourceAdapter, plan: SourcePlan, archives: LockedArchive[]): Promise<string[]> => {
    const dir = downloadsDir(raw, source.id);
    const temp = path.join(dir, '.unpack');
    await rm(temp, { recursive: true, force: true });
    await mkdir(temp, { recursive: true });
    emit({ kind: 'unpacking', source: source.id });
    const notes: string[] = [];
    try {
      for (const [i, { archive }] of plan.archives.entries()) {
        const limits = (options.limits ?? defaultLimits)(archives[i].size);
        const result = await unpack(path.join(dir, archive.name), archive.format, temp, archive.into, archive.name, limits);
        if (result.skipped.length)
          notes.push(`${archive.name}: ${result.skipped.length} entries not unpacked: ${result.skipped.join('; ')}`);
      }
      const digest = await treeDigest(temp);
      const before = lock.sources[source.id];
      const sameArchives = before && before.archives.map((a) => a.name).join('\n') === archives.map((a) => a.name).join('\n');
      if (sameArchives && before.unpacked.digest !== digest.digest)
        throw new UnpackError(
          archives.map((a) => a.name).join(', '),
          undefined,
          `the unpacked files (${digest.digest}) differ from the raw lock (${before.unpacked.digest})`,
        );
      await rename(temp, path.join(raw, source.id));
      lock.sources[source.id] = { archives, unpacked: digest };
      await saveLock();
      return notes;
    } catch (e) {
      await rm(temp, { recursive: true, force: true });
      throw e;
    }
  };

  const fetchOne = async (source: SourceAdapter, plan: SourcePlan): Promise<SourceOutcome> => {
    const base = { source: source.id, archives: lock.sources[source.id]?.archives ?? [], notes: [...plan.notes] };
    if (plan.status === 'ready') return { ...base, status: 'ready' };
    if (plan.status === 'present') return { ...base, status: 'present' };
    if (plan.status === 'manual') {
      const outcome: SourceOutcome = { ...base, status: options.explicit ? 'failed' : 'manual', manual: source.fetch.manual };
      if (options.explicit) outcome.error = { reason: `cannot be fetched unattended: ${source.fetch.manual.reason}` };
      return outcome;
    }
    const settled = await Promise.allSettled(plan.archives.map((a) => obtain(source, a)));
    const failedAt = settled.findIndex((s) => s.status === 'rejected');
    if (failedAt >= 0) {
      const reason = (settled[failedAt] as PromiseRejectedResult).reason as Error;
      const url = reason instanceof TransferError ? reason.url : plan.archives[failedAt].url;
      return { ...base, status: 'failed', error: { url, reason: reason.message } };
    }
    const archives = settled.map((s) => (s as PromiseFulfilledResult<LockedArchive>).value);
    try {
      const notes = await unpackSource(source, plan, archives);
      return { ...base, status: 'fetched', archives, notes: [...base.notes, ...notes] };
    } catch (e) {
      return { ...base, status: 'failed', error: { reason: (e as Error).message } };
    }
  };

  await mkdir(path.join(raw, DOWNLOADS), { recursive: true });
  const outcomes = await Promise.all(
    options.sources.map(async (s, i) => {
      const outcome = await fetchOne(s, plans[i]);
      emit({ kind: 'source', outcome });
      return outcome;
    }),
  );
  await lockWrites;
  return { plans, outcomes };
}
