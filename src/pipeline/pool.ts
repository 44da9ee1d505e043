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
  /** Runs `work(item)` for every item, calling `done` as each finishes; stops early if `stop()` is true. */
  run<T>(items: T[], toRequest: (item: T) => Req, done: (item: T, res: Res) => Promise<void> | void, stop?: () => boolean): Promise<void>;
  close(): Promise<void>;
}

export function createPool<Req, Res>(workerFile: URL, workers: number): Pool<Req, Res> {
  const piscina = new Piscina({ filename: workerFile.href, minThreads: workers, maxThreads: workers, idleTimeout: 1000 });
  const limit = workers * 2;
  return {
    async run(items, toRequest, done, stop) {
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < items.length && !stop?.()) {
          const item = items[next++];
          const res = (await piscina.run(toRequest(item))) as Res;
          await done(item, res);
        }
      };
      await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
    },
    close: () => piscina.destroy(),
  };
}
