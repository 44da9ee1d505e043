/** One manifest.jsonl row per sample (DESIGN.md §7): the map from every output back to its raw files. */
import type { Split, CtWindow } from '../catalog/types.js';

export type IntensityTransform =
  | { kind: 'rgb8' }
  | { kind: 'percentile'; low: number; high: number; perChannel: boolean }
  | { kind: 'window'; level: number; width: number }
  | { kind: 'percentile-volume'; low: number; high: number; lowValue: number; highValue: number };

export interface ManifestRow {
  task: string;
  split: Split;
  name: string;
  /** Paths relative to the tree root. */
  image: string;
  mask: string;
  source: string;
  /** Raw file(s) relative to the raw root. */
  raw: string[];
  /** Split group: the adapter's group, or the merged group when copies or video frames joined it. */
  group: string;
  /** The adapter's group (patient, sequence, image), present only when it was merged into `group`. */
  originalGroup?: string;
  slice: { index: number; axis: string } | null;
  /** Size of the raw image (after any crop) before resizing. */
  original: { width: number; height: number };
  spacing: number[] | null;
  intensity: IntensityTransform;
  window?: CtWindow;
  resize: { size: number; mode: 'stretch' | 'pad'; content: { width: number; height: number } };
  /** Foreground pixels and bounding box [x0, y0, x1, y1] (inclusive) in the output mask. */
  foreground: number;
  bbox: [number, number, number, number] | null;
  annotation: 'pixel' | 'box';
  sha256: { image: string; mask: string };
  meta: Record<string, string | number | boolean>;
}

/**
 * A row before the split is known (splits are assigned once every sample is converted), as a job
 * record holds it; the fields past the manifest's are what the split assignment reads.
 */
export type ConvertedRow = Omit<ManifestRow, 'split' | 'originalGroup'> & {
  splitHint?: Split | 'trainval';
  /** 256-bit difference hash of the decoded raw image (perceptual-hash.ts), for 2D samples. */
  dhash?: string;
  /** The job's `videoFrame`. */
  videoFrame?: number;
};
