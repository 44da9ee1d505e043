/**
 * The fuzz loop. `fuzzTarget` (main thread) runs a target's iterations in a worker thread and
 * watches it: an input that runs longer than `hangMs` is a hang (the worker is stopped and the
 * loop goes on after it), a worker that dies (out of its 256 MB heap, or a native crash caught
 * as an error) is a crash, and inside the worker Buffer allocations above ALLOCATION_LIMIT are
 * refused and reported. Every finding names the input by seed and mutations, so that it can be
 * rebuilt and kept as a regression fixture (regressions.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { applyMutations, iterationRandom, pickMutations, type Mutation } from './mutate.js';
import { finishInput, TARGETS, type FuzzTarget, type Seed } from './targets.js';

/** No reader may ask for more than this at once: every seed is a few KiB. */
export const ALLOCATION_LIMIT = 64 << 20;

export interface FuzzInput {
  seed: string;
  mutations: Mutation[];
  input: Uint8Array;
}

export function makeInput(target: FuzzTarget, seeds: Seed[], runSeed: number, iteration: number): FuzzInput {
  const next = iterationRandom(runSeed, target.name, iteration);
  const seed = seeds[Math.floor(next() * seeds.length)];
  const mutations = pickMutations(next, seed.bytes.length, seeds.length, target.headerBytes);
  const mutated = applyMutations(
    seed.bytes,
    mutations,
    seeds.map((s) => s.bytes),
  );
  return { seed: seed.name, mutations, input: finishInput(seed, mutated, next) };
}

export interface Finding {
  target: string;
  iteration: number;
  seed: string;
  mutations: Mutation[];
  input: Uint8Array;
  problem: string;
}

type Report = { kind: 'at'; iteration: number } | { kind: 'finding'; iteration: number; problem: string } | { kind: 'done' };

interface Job {
  target: string;
  runSeed: number;
  from: number;
  to: number;
  deadline: number;
}

/** Runs iterations `from` to `to - 1` of `target` (stopping at `deadline`, a Date.now()); resolves with the findings and the count run. */
export async function fuzzTarget(
  target: FuzzTarget,
  runSeed: number,
  iterations: number,
  { hangMs, seconds }: { hangMs: number; seconds: number },
): Promise<{ findings: Finding[]; ran: number }> {
  const seeds = await target.seeds();
  const findings: Finding[] = [];
  const deadline = Date.now() + seconds * 1000;
  const found = (iteration: number, problem: string) => {
    const { seed, mutations, input } = makeInput(target, seeds, runSeed, iteration);
    findings.push({ target: target.name, iteration, seed, mutations, input, problem });
  };
  let from = 0;
  let ran = 0;
  while (from < iterations && Date.now() < deadline) {
    const job: Job = { target: target.name, runSeed, from, to: iterations, deadline };
    const worker = new Worker(new URL(import.meta.url), { workerData: { fuzz: job }, resourceLimits: { maxOldGenerationSizeMb: 256 } });
    let current = from - 1;
    let watchdog: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        found(current, `no answer within ${hangMs} ms (hang)`);
        void worker.terminate();
      }, hangMs);
    };
    arm();
    await new Promise<void>((resolve) => {
      worker.on('message', (r: Report) => {
        if (r.kind === 'at') {
          current = r.iteration;
          ran++;
          arm();
        } else if (r.kind === 'finding') found(r.iteration, r.problem);
      });
      worker.on('error', (e) => found(current, `the worker died: ${e.message}`));
      worker.on('exit', () => resolve());
    });
    clearTimeout(watchdog);
    from = current + 1;
  }
  return { findings, ran };
}

/** Refuses (and reports) Buffer allocations above the limit, even where a reader catches the error. */
function guardAllocations(report: (problem: string) => void): void {
  for (const name of ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const) {
    const original = Buffer[name] as (size: number, ...rest: unknown[]) => Buffer;
    (Buffer as unknown as Record<string, unknown>)[name] = (size: number, ...rest: unknown[]) => {
      if (size > ALLOCATION_LIMIT) {
        report(`asked for a ${size}-byte buffer (limit ${ALLOCATION_LIMIT})`);
        throw new RangeError(`fuzz allocation limit: ${size} bytes`);
      }
      return original.call(Buffer, size, ...rest);
    };
  }
}

async function workerLoop(job: Job): Promise<void> {
  const port = parentPort!;
  const target = TARGETS.find((t) => t.name === job.target)!;
  const seeds = await target.seeds();
  let iteration = job.from;
  guardAllocations((problem) => port.postMessage({ kind: 'finding', iteration, problem } satisfies Report));
  const dir = await mkdtemp(path.join(os.tmpdir(), `medbank-fuzz-${target.name}-`));
  try {
    for (; iteration < job.to && Date.now() < job.deadline; iteration++) {
      port.postMessage({ kind: 'at', iteration } satisfies Report);
      const { input } = makeInput(target, seeds, job.runSeed, iteration);
      try {
        await target.read(input, dir);
      } catch (e) {
        port.postMessage({ kind: 'finding', iteration, problem: (e as Error).message } satisfies Report);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  port.postMessage({ kind: 'done' } satisfies Report);
}

// This file is also the worker (and the test runner loads every file of test/ once: only a worker started here loops).
if (!isMainThread && (workerData as { fuzz?: Job } | undefined)?.fuzz) await workerLoop((workerData as { fuzz: Job }).fuzz);
