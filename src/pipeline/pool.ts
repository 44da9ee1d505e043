/**
 * The worker pool (piscina): the main thread only schedules; decoding, resizing and encoding run
 * in worker threads. At most a few jobs per worker are in flight, so memory stays bounded
 * however many jobs a build has.
 */
import os from 'node:os';
import { Piscina } from 'piscina';

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
  /** Stops the workers; closing again waits for the same shutdown. */
  close(): Promise<void>;
}

/**
 * `tasksPerWorker` 2 lets a worker decode one item while libvips encodes another (2D images);
 * volumes use 1, so a worker never holds two volumes (they overlap their slices themselves).
 */
export function createPool<Req, Res>(workerFile: URL, workers: number, tasksPerWorker: 1 | 2 = 2): Pool<Req, Res> {
  const piscina = new Piscina({
    filename: workerFile.href,
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 1000,
    concurrentTasksPerWorker: tasksPerWorker,
    recordTiming: false, // its two histograms take 0.7 MB of the main thread's heap, and nothing reads them
  });
  const limit = workers * 2;
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= piscina.destroy());
  return {
    async run(items, toRequest, done, signal) {
      // The signal is not handed to piscina: it runs a task that has one alone on its worker (aborting
      // it terminates the worker), which halved 2D builds. Closing the pool terminates the workers
      // and their running tasks just the same.
      const stop = () => void close();
      signal?.addEventListener('abort', stop, { once: true });
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < items.length && !signal?.aborted) {
          const item = items[next++];
          let res: Res;
          try {
            res = (await piscina.run(await toRequest(item))) as Res;
          } catch (e) {
            if (signal?.aborted) return;
            throw e;
          }
          await done(item, res);
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
      } finally {
        signal?.removeEventListener('abort', stop);
      }
    },
    close,
  };
}
