/**
 * What volumetric adapters share: turning catalog tasks into volume targets with their intensity
 * (the task's CT window, overridable with `--source-option window.<Task>=<level>,<width>`, or
 * the 0.5-99.5 percentiles of non-zero voxels for MRI and echo), and pairing images with labels.
 */
import path from 'node:path';
import type { ScanOptions, TaskSpec, VolumeIntensity, VolumeTarget } from './types.js';
import { UsageError } from '../errors.js';

export const MR_PERCENTILES: VolumeIntensity = { kind: 'percentile', low: 0.5, high: 99.5 };

export function volumeTargets(tasks: TaskSpec[], options: ScanOptions): VolumeTarget[] {
  return tasks.map((task) => ({ task: task.id, labels: task.labels, intensity: intensityOf(task, options) }));
}

function intensityOf(task: TaskSpec, options: ScanOptions): VolumeIntensity {
  const override = options[`window.${task.id}`];
  if (override === undefined) return task.window ? { kind: 'window', ...task.window } : MR_PERCENTILES;
  const parts = override.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 2 || !parts.every(Number.isFinite) || parts[1] <= 0) {
    throw new UsageError(`--source-option window.${task.id} expects <level>,<width> with a positive width, got "${override}"`);
  }
  if (!task.window) throw new UsageError(`--source-option window.${task.id}: ${task.id} is not a CT task (it uses percentiles)`);
  return { kind: 'window', level: parts[0], width: parts[1] };
}

/** Volume files below a folder, keyed by a case id that `pattern`'s first group captures from the base name. */
export function byCaseId(files: string[], pattern: RegExp): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of files) {
    const m = pattern.exec(path.basename(f));
    if (m && !out.has(m[1])) out.set(m[1], f);
  }
  return out;
}

/** Compact description of a sorted id list for notes ("1-10, 21-40"). */
export function idRanges(ids: number[]): string {
  const sorted = [...ids].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}
