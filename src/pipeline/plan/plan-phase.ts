/**
 * Phase 1 of a build, run in a thread of its own (plan-thread.ts): scan, plan file, this shard's
 * jobs and the resume check. The main thread gets back only the plan's index (a few dozen bytes
 * per job), the unfinished jobs and the counts; the scan's memory is freed when the thread ends.
 * Run in the main thread, a large source's scan grew V8's young generation there to 16 MiB, which
 * then stayed beside the workers well into the conversion.
 */
import type { FileHandle } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { FileAccount, Problem } from '../../catalog/types.js';
import { InputError, UsageError } from '../../errors.js';
import type { ProgressEvent, SourceCounts } from '../build.js';
import type { ConvertOptions } from '../convert/outcome.js';
import { PlanIndex, type PlanIndexData } from './plan-file.js';
import type { Shard } from './shard.js';

export interface PlanRequest {
  /** Source ids, in catalog order. */
  sources: string[];
  rawRoot: string;
  outDir: string;
  shard: Shard;
  sourceOptions: Record<string, string>;
  convertOpts: ConvertOptions;
}

export interface Planned {
  plan: { index: PlanIndex; hash: string };
  /** Jobs of this shard. */
  jobs: number;
  /** Numbers of the jobs left to convert, largest raw file first. */
  pending: number[];
  /** Jobs and resumed jobs (with their samples) per source. */
  perSource: Record<string, SourceCounts>;
  problems: (Problem & { source: string })[];
  notes: Record<string, string[]>;
  /** What became of each source's files. */
  files: Record<string, FileAccount>;
}

/** An error as it crosses threads: its class by name, so that the CLI reports it the same way. */
export interface ThreadError {
  name: string;
  message: string;
  stack?: string;
  file?: string;
}

export type PlanMessage =
  | { kind: 'event'; event: ProgressEvent }
  | ({ kind: 'done'; index: PlanIndexData; file: FileHandle; hash: string } & Omit<Planned, 'plan'>)
  | { kind: 'failed'; error: ThreadError };

/**
 * Runs phase 1 and resolves once the thread has ended, so that its memory is gone before the
 * workers start. Resolves undefined when `signal` aborts (the thread is stopped; a partial plan
 * stays a temp file).
 */
export function planInThread(
  request: PlanRequest,
  { onProgress, signal }: { onProgress?: (event: ProgressEvent) => void; signal?: AbortSignal },
): Promise<Planned | undefined> {
  if (signal?.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const thread = new Worker(new URL('./plan-thread.js', import.meta.url), { workerData: request });
    let result: Planned | undefined;
    let failure: Error | undefined;
    const stop = (): void => void thread.terminate();
    signal?.addEventListener('abort', stop, { once: true });
    thread.on('message', (message: PlanMessage) => {
      if (message.kind === 'event') onProgress?.(message.event);
      else if (message.kind === 'failed') failure = fromThread(message.error);
      else {
        const { kind: _kind, index, file, hash, ...rest } = message;
        result = { plan: { index: new PlanIndex(file, index), hash }, ...rest };
      }
    });
    thread.on('error', (e) => (failure ??= e));
    thread.on('exit', (code) => {
      signal?.removeEventListener('abort', stop);
      if (signal?.aborted) {
        void result?.plan.index.close();
        resolve(undefined);
      } else if (failure) reject(failure);
      else if (result) resolve(result);
      else reject(new Error(`the plan thread stopped (exit code ${code})`));
    });
  });
}

function fromThread(error: ThreadError): Error {
  if (error.name === 'UsageError') return new UsageError(error.message);
  if (error.name === 'InputError') return new InputError(error.file ?? '', error.message);
  const rebuilt = new Error(error.message);
  rebuilt.stack = error.stack;
  return rebuilt;
}
