/**
 * Per-task statistics of a built tree (counts per split, modality, anatomy, license, mask sizes),
 * computed from the split files, medbank.json and the manifest. Without a manifest only the
 * counts are known: the histograms stay empty and no mask is read.
 */
import { SPLITS } from '../catalog/types.js';
import type { ManifestRow } from '../contract/manifest.js';
import { openMedBank, readManifest } from './open.js';

export interface Histogram {
  /** Bin edges, one more than `counts`; bin i holds values in [edges[i], edges[i + 1]). */
  edges: number[];
  counts: number[];
}

export interface TaskStats {
  task: string;
  source?: string;
  modality?: string;
  anatomy?: string;
  license?: string;
  splits: { train: number; val: number; test: number };
  total: number;
  emptyMasks: number;
  originalSizes: { width: number; height: number; count: number }[];
  /** Foreground pixels / (size × size). */
  foregroundFraction: Histogram;
  /** Longer side of the bounding box / size. */
  bboxSize: Histogram;
}

export interface TreeStats {
  tasks: TaskStats[];
  totals: { byModality: Record<string, number>; byAnatomy: Record<string, number>; byLicense: Record<string, number> };
}

const BINS = 20;

function emptyHistogram(): Histogram {
  return { edges: Array.from({ length: BINS + 1 }, (_, i) => i / BINS), counts: new Array<number>(BINS).fill(0) };
}

function addToHistogram(h: Histogram, value: number): void {
  h.counts[Math.min(BINS - 1, Math.max(0, Math.floor(value * BINS)))]++;
}

function addTo(totals: Record<string, number>, key: string | undefined, n: number): void {
  const k = key ?? 'unknown';
  totals[k] = (totals[k] ?? 0) + n;
}

export async function computeStats(root: string): Promise<TreeStats> {
  const bank = await openMedBank(root);
  const rowsByTask = new Map<string, ManifestRow[]>();
  for (const row of await readManifest(bank.root)) {
    if (!rowsByTask.has(row.task)) rowsByTask.set(row.task, []);
    rowsByTask.get(row.task)!.push(row);
  }
  const totals: TreeStats['totals'] = { byModality: {}, byAnatomy: {}, byLicense: {} };
  const tasks: TaskStats[] = [];
  for (const task of bank.tasks) {
    const lists = await task.splits();
    const splits = { train: lists.train.length, val: lists.val.length, test: lists.test.length };
    const total = SPLITS.reduce((n, s) => n + splits[s], 0);
    const rows = rowsByTask.get(task.id) ?? [];
    const meta = task.metadata;
    const stats: TaskStats = {
      task: task.id,
      source: meta?.source ?? rows[0]?.source,
      modality: meta?.modality,
      anatomy: meta?.anatomy,
      license: meta ? (meta.license.spdx ?? meta.license.text) : undefined,
      splits,
      total,
      emptyMasks: 0,
      originalSizes: [],
      foregroundFraction: rows.length ? emptyHistogram() : { edges: [], counts: [] },
      bboxSize: rows.length ? emptyHistogram() : { edges: [], counts: [] },
    };
    const sizes = new Map<string, { width: number; height: number; count: number }>();
    for (const row of rows) {
      const key = `${row.original.width}x${row.original.height}`;
      const entry = sizes.get(key) ?? { width: row.original.width, height: row.original.height, count: 0 };
      entry.count++;
      sizes.set(key, entry);
      const size = row.resize.size;
      if (row.foreground === 0) stats.emptyMasks++;
      addToHistogram(stats.foregroundFraction, row.foreground / (size * size));
      if (row.bbox) {
        const [x0, y0, x1, y1] = row.bbox;
        addToHistogram(stats.bboxSize, Math.max(x1 - x0 + 1, y1 - y0 + 1) / size);
      }
    }
    stats.originalSizes = [...sizes.values()].sort((a, b) => b.count - a.count);
    addTo(totals.byModality, stats.modality, total);
    addTo(totals.byAnatomy, stats.anatomy, total);
    addTo(totals.byLicense, stats.license, total);
    tasks.push(stats);
  }
  return { tasks, totals };
}
