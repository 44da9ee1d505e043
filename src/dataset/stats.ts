/**
 * `medbank stats`: what a tree holds, per task and in total. Masks are decoded in the worker pool
 * (foreground and bounding box); images are read for their header only. Metadata comes from
 * medbank.json, or from the catalog by task id for a tree without one.
 */
import { findTask } from '../catalog/registry.js';
import { inspectAll } from './inspect-pool.js';
import { openMedBank, type MedBankTask, type Sample } from './open.js';

/** `counts[i]` holds values in [edges[i], edges[i + 1]); the last bin also holds its upper edge. */
export interface Histogram {
  edges: number[];
  counts: number[];
}

export interface TaskStats {
  task: string;
  source?: string;
  modality?: string;
  anatomy?: string;
  license?: string;
  layout: string;
  splits: { train: number; val: number; test: number };
  total: number;
  emptyMasks: number;
  /** Sizes of the raw images before resizing (from the manifest; the stored size without one), most frequent first. */
  originalSizes: { width: number; height: number; count: number }[];
  /** Share of mask pixels that are foreground, per sample. */
  foregroundFraction: Histogram;
  /** Longer side of the mask's bounding box as a share of the image side, per non-empty mask. */
  bboxSize: Histogram;
  /** Samples whose mask could not be decoded (`medbank validate` says why). */
  unreadable: number;
}

export interface TreeStats {
  root: string;
  samples: number;
  tasks: TaskStats[];
  /** Samples per modality, anatomy and license. */
  totals: { byModality: Record<string, number>; byAnatomy: Record<string, number>; byLicense: Record<string, number> };
}

export const HISTOGRAM_BINS = 20;

export function emptyHistogram(bins = HISTOGRAM_BINS): Histogram {
  return { edges: Array.from({ length: bins + 1 }, (_, i) => Number((i / bins).toFixed(4))), counts: new Array(bins).fill(0) };
}

/** Adds a value in [0, 1] to a histogram with equal bins over [0, 1]. */
export function addToHistogram(h: Histogram, value: number): void {
  const bins = h.counts.length;
  h.counts[Math.min(bins - 1, Math.max(0, Math.floor(value * bins)))]++;
}

interface TaskMetadata {
  source?: string;
  modality?: string;
  anatomy?: string;
  license?: string;
}

async function metadataOf(task: MedBankTask): Promise<TaskMetadata> {
  if (task.metadata) {
    const m = task.metadata;
    return { source: m.source, modality: m.modality, anatomy: m.anatomy, license: m.license.text };
  }
  const found = await findTask(task.id);
  if (!found) return {};
  const { source } = found;
  return { source: source.id, modality: source.modality, anatomy: source.anatomy, license: source.license.text };
}

function countInto(totals: Record<string, number>, key: string | undefined, n: number): void {
  const k = key ?? 'unknown';
  totals[k] = (totals[k] ?? 0) + n;
}

export async function computeStats(
  root: string,
  options: { workers?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<TreeStats> {
  const bank = await openMedBank(root);
  const perTask: { task: MedBankTask; samples: Sample[] }[] = [];
  for (const task of bank.tasks) {
    const samples: Sample[] = [];
    for await (const s of task.samples()) samples.push(s);
    perTask.push({ task, samples });
  }
  const all = perTask.flatMap((t) => t.samples);
  const facts = await inspectAll(
    all.map((s) => ({ image: s.imagePath, mask: s.maskPath })),
    { imagePixels: false, imageHash: false, maskPixels: true, maskHash: false },
    options,
  );

  const stats: TreeStats = { root: bank.root, samples: all.length, tasks: [], totals: { byModality: {}, byAnatomy: {}, byLicense: {} } };
  let offset = 0;
  for (const { task, samples } of perTask) {
    const meta = await metadataOf(task);
    const t: TaskStats = {
      task: task.id,
      ...meta,
      layout: task.layout.name,
      splits: { train: 0, val: 0, test: 0 },
      total: samples.length,
      emptyMasks: 0,
      originalSizes: [],
      foregroundFraction: emptyHistogram(),
      bboxSize: emptyHistogram(),
      unreadable: 0,
    };
    const sizes = new Map<string, { width: number; height: number; count: number }>();
    samples.forEach((sample, i) => {
      const { image, mask } = facts[offset + i];
      t.splits[sample.split]++;
      const original = sample.manifest?.original ?? image?.header;
      if (original) {
        const key = `${original.width}x${original.height}`;
        const entry = sizes.get(key) ?? { width: original.width, height: original.height, count: 0 };
        entry.count++;
        sizes.set(key, entry);
      }
      if (mask?.foreground === undefined || !mask.width || !mask.height) {
        t.unreadable++;
        return;
      }
      addToHistogram(t.foregroundFraction, mask.foreground / (mask.width * mask.height));
      if (!mask.bbox) t.emptyMasks++;
      else {
        const [x0, y0, x1, y1] = mask.bbox;
        addToHistogram(t.bboxSize, Math.max((x1 - x0 + 1) / mask.width, (y1 - y0 + 1) / mask.height));
      }
    });
    offset += samples.length;
    t.originalSizes = [...sizes.values()].sort((a, b) => b.count - a.count || a.width - b.width || a.height - b.height);
    countInto(stats.totals.byModality, t.modality, t.total);
    countInto(stats.totals.byAnatomy, t.anatomy, t.total);
    countInto(stats.totals.byLicense, t.license, t.total);
    stats.tasks.push(t);
  }
  return stats;
}
