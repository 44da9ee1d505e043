/**
 * Runs inspect-worker over many samples in the worker pool, in batches, preserving order. A small
 * tree is inspected on the calling thread unless workers are asked for: starting the pool costs
 * more than inspecting a hundred small samples. A file with several names (hard links: identical
 * outputs of a build) is inspected once, and its facts given to every name.
 */
import { statSync } from 'node:fs';
import { createPool, defaultWorkers } from '../pipeline/pool/pool.js';
import inspectBatch, { type InspectReply, type InspectRequest } from './inspect-worker.js';
import type { InspectWants } from './inspect.js';

/** Most samples per message: batches keep messaging cheap for small files. */
const BATCH = 32;
/** Fewest batches per worker, so that no worker is left with a long last batch while the others idle. */
const BATCHES_PER_WORKER = 8;
const INLINE_LIMIT = 128;

type Items = InspectRequest['items'];

/** The file's identity: its inode where it can be read, else its path (the inspection reports why: a link loop, no access). */
function fileKey(file: string): string {
  try {
    const s = statSync(file, { throwIfNoEntry: false });
    return s ? `${s.dev}:${s.ino}` : `path:${file}`;
  } catch {
    return `path:${file}`;
  }
}

/**
 * The items with every file seen before (by inode) left out, and for each original item, the
 * unique item holding its image and its mask.
 */
export function uniqueFiles(items: Items): { unique: Items; imageAt: Int32Array; maskAt: Int32Array } {
  const unique: Items = [];
  const seen = { image: new Map<string, number>(), mask: new Map<string, number>() };
  const imageAt = new Int32Array(items.length).fill(-1);
  const maskAt = new Int32Array(items.length).fill(-1);
  items.forEach((item, i) => {
    const fresh: Items[number] = {};
    for (const kind of ['image', 'mask'] as const) {
      const file = item[kind];
      if (file === undefined) continue;
      const key = fileKey(file);
      let at = seen[kind].get(key);
      if (at === undefined) {
        // A new file joins this item's new entry; both new files of a pair stay in one entry.
        at = fresh.image === undefined && fresh.mask === undefined ? unique.length : unique.length - 1;
        if (at === unique.length) unique.push(fresh);
        fresh[kind] = file;
        seen[kind].set(key, at);
      }
      (kind === 'image' ? imageAt : maskAt)[i] = at;
    }
  });
  return { unique, imageAt, maskAt };
}

export async function inspectAll(
  all: Items,
  wants: InspectWants,
  options: { workers?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<InspectReply> {
  const { unique, imageAt, maskAt } = uniqueFiles(all);
  const facts = await inspectUnique(unique, wants, options);
  return all.map((_, i) => ({
    image: imageAt[i] < 0 ? undefined : facts[imageAt[i]].image,
    mask: maskAt[i] < 0 ? undefined : facts[maskAt[i]].mask,
  }));
}

async function inspectUnique(
  items: Items,
  wants: InspectWants,
  options: { workers?: number; onProgress?: (done: number, total: number) => void },
): Promise<InspectReply> {
  if (items.length <= INLINE_LIMIT && options.workers === undefined) {
    const results = inspectBatch({ wants, items });
    options.onProgress?.(items.length, items.length);
    return results;
  }
  const results: InspectReply = new Array(items.length);
  const workers = Math.max(1, Math.min(options.workers ?? defaultWorkers(), items.length));
  const batch = Math.max(1, Math.min(BATCH, Math.ceil(items.length / (workers * BATCHES_PER_WORKER))));
  const batches: number[] = [];
  for (let start = 0; start < items.length; start += batch) batches.push(start);
  const pool = createPool<InspectRequest, InspectReply>(new URL('./inspect-worker.js', import.meta.url), workers);
  let done = 0;
  try {
    await pool.run(
      batches,
      (start) => ({ wants, items: items.slice(start, start + batch) }),
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
