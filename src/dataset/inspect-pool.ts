/**
 * Runs inspect-worker over many samples in the worker pool, in batches, preserving order. A small
 * tree is inspected on the calling thread unless workers are asked for: starting the pool costs
 * more than inspecting a hundred small samples.
 */
import { createPool, defaultWorkers } from '../pipeline/pool.js';
import inspectBatch, { type InspectReply, type InspectRequest } from './inspect-worker.js';
import type { InspectWants } from './inspect.js';

const BATCH = 32;
const INLINE_LIMIT = 128;

export async function inspectAll(
  items: InspectRequest['items'],
  wants: InspectWants,
  options: { workers?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<InspectReply> {
  if (items.length <= INLINE_LIMIT && options.workers === undefined) {
    const results = inspectBatch({ wants, items });
    options.onProgress?.(items.length, items.length);
    return results;
  }
  const results: InspectReply = new Array(items.length);
  const batches: number[] = [];
  for (let start = 0; start < items.length; start += BATCH) batches.push(start);
  const workers = Math.max(1, Math.min(options.workers ?? defaultWorkers(), batches.length));
  const pool = createPool<InspectRequest, InspectReply>(new URL('./inspect-worker.js', import.meta.url), workers);
  let done = 0;
  try {
    await pool.run(
      batches,
      (start) => ({ wants, items: items.slice(start, start + BATCH) }),
      (start, reply) => {
        reply.forEach((facts, i) => (results[start + i] = facts));
        done += reply.length;
        options.onProgress?.(done, items.length);
      },
    );
  } finally {
    await pool.close();
  }
  return results;
}
