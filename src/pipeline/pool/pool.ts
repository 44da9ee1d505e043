/**
 * The worker pool: the main thread only schedules; decoding, resizing and encoding run in worker
 * threads, each loading one task module (pool-thread.ts). Every worker takes at most
 * `tasksPerWorker` tasks at a time, so memory stays bounded however many jobs a build has.
 *
 * Plain `worker_threads` messages rather than piscina: piscina's per-task bookkeeping allocates
 * about 10 KB on the main thread per task (measured: 32 MB for 3,000 tasks, against 1 KB per task
 * here), and V8 answers that allocation rate by growing the main thread's young generation from
 * 2 to 32 MiB over a long build, which made a 10,000-sample build peak 10-18 MiB above a 1,000-sample
 * one. The other pools measured the same way (10,000 to 40,000 tasks of 8 ms on two threads) grew
 * it too: tinypool to 8 MiB, workerpool to 32 MiB; plain messages kept it at 2 MiB. A fixed set of
 * threads, one request at a time per lane, needs none of their queueing.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';

export function defaultWorkers(): number {
  return Math.max(1, os.availableParallelism());
}

export interface Pool<Req, Res> {
  /**
   * Runs `work(item)` for every item, calling `done` as each finishes. When `signal` aborts, no new
   * item starts and the workers running one are terminated (their outputs are atomic, so nothing
   * half-written remains); `run` then resolves with the items that finished.
   */
  run<T>(
    items: ArrayLike<T>,
    toRequest: (item: T) => Req | Promise<Req>,
    done: (item: T, res: Res) => Promise<void> | void,
    signal?: AbortSignal,
  ): Promise<void>;
  /**
   * Starts the worker threads now, so that they load their module while the caller prepares;
   * otherwise each starts with its first task.
   */
  start(): void;
  /** Stops the workers; closing again waits for the same shutdown. */
  close(): Promise<void>;
}

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: Error };

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * One worker thread and the tasks it is running. A thread that dies fails its running tasks; the
 * next task starts a new one (not at once, so a module that fails to load does not loop).
 */
class Thread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  constructor(private readonly module: URL) {}

  private spawn(): Worker {
    const worker = new Worker(new URL('./pool-thread.js', import.meta.url), { workerData: { module: this.module.href } });
    worker.on('message', (reply: Reply) => {
      const task = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.ok) task?.resolve(reply.value);
      else task?.reject(reply.error);
    });
    const fail = (error: Error): void => {
      if (this.worker !== worker) return; // 'error' is followed by 'exit': fail the tasks once
      this.worker = undefined;
      for (const task of this.pending.values()) task.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`a worker thread stopped (exit code ${code})`)));
    return worker;
  }

  /** Starts the thread unless it runs already. */
  start(): Worker {
    return (this.worker ??= this.spawn());
  }

  run(request: unknown): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'));
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, request });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker?.terminate();
  }
}

/**
 * `tasksPerWorker` 2 lets a worker decode one item while libvips encodes another (2D images);
 * volumes use 1, so a worker never holds two volumes (they overlap their slices themselves).
 */
export function createPool<Req, Res>(workerFile: URL, workers: number, tasksPerWorker: 1 | 2 = 2): Pool<Req, Res> {
  const threads = Array.from({ length: workers }, () => new Thread(workerFile));
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= Promise.all(threads.map((t) => t.close())).then(() => undefined));
  return {
    async run(items, toRequest, done, signal) {
      // Closing the pool terminates the workers and fails their running tasks.
      const stop = () => void close();
      signal?.addEventListener('abort', stop, { once: true });
      let next = 0;
      // Lane i feeds worker i mod n, one task at a time: a worker has `tasksPerWorker` lanes, and a
      // free lane takes the next item, so a slow item never holds up the others.
      const lane = async (thread: Thread): Promise<void> => {
        while (next < items.length && !signal?.aborted && !closed) {
          const item = items[next++];
          let res: Res;
          try {
            res = (await thread.run(await toRequest(item))) as Res;
          } catch (e) {
            if (signal?.aborted) return;
            throw e;
          }
          await done(item, res);
        }
      };
      const lanes = Array.from({ length: Math.min(workers * tasksPerWorker, items.length) }, (_, i) => lane(threads[i % workers]));
      try {
        await Promise.all(lanes);
      } finally {
        signal?.removeEventListener('abort', stop);
      }
    },
    start() {
      if (!closed) threads.forEach((t) => t.start());
    },
    close,
  };
}
