/** What every export format gets from the runner (export.ts) and gives back. */
import type { Split } from '../catalog/types.js';
import type { ExportOutput, PlaceMode } from './output.js';
import type { ExportTree, TreeSample } from './walker.js';

export const EXPORT_FORMATS = ['samed2', 'nnunet', 'sam-med2d', 'webdataset', 'hf', 'medsam2'] as const;
export type ExportFormatName = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  /** A built tree (either layout). */
  tree: string;
  format: ExportFormatName;
  out: string;
  /** Task ids (default all). */
  tasks?: string[];
  /** Splits (default train, val, test). */
  splits?: Split[];
  /** Hard links where bytes are unchanged (default) or copies. */
  mode?: PlaceMode;
  /** One mask per connected component instead of one per task mask. */
  instances?: boolean;
  /** Components smaller than this many pixels are no instances (default 1). */
  minArea?: number;
  /** nnunet: one multi-label dataset per source whose tasks come from one label volume. */
  merge?: boolean;
  /** nnunet: 2D slices even where the tree holds NIfTI volumes (--keep-3d). */
  slices?: boolean;
  /** nnunet: the dataset id of the first dataset (default 500). */
  datasetId?: number;
  /** webdataset and hf: bytes per shard. */
  shardSize?: number;
  /** webdataset: seed of the shuffle across shards. */
  seed?: number;
  onProgress?: (event: ExportProgress) => void;
}

export type ExportProgress =
  { kind: 'exported'; done: number; total: number } | { kind: 'note'; text: string } | { kind: 'problem'; file: string; reason: string };

/** The options with their defaults, as recorded. */
export type ResolvedOptions = Required<Omit<ExportOptions, 'onProgress' | 'tree' | 'out' | 'tasks' | 'splits'>> & {
  tasks: string[];
  splits: Split[];
};

export interface ExportContext {
  tree: ExportTree;
  out: ExportOutput;
  options: ResolvedOptions;
  note(text: string): void;
  /** Runs `work` on every selected sample (or those of one task or split), counting it on success and recording its failure as a problem. */
  forEach(work: (sample: TreeSample) => Promise<void>, only?: { task?: string; split?: Split }): Promise<void>;
  /**
   * Runs `work`, which writes one output made of several samples (a merged label, a volume),
   * counting them all on success, or recording its failure as a problem.
   */
  settle(samples: TreeSample[], work: () => Promise<void>): Promise<void>;
  /** Records a failed input; the export goes on and ends with exit code 2. */
  problem(file: string, reason: string): void;
}

/** Options that only some formats use. */
export const FORMAT_OPTIONS = ['instances', 'minArea', 'merge', 'slices', 'datasetId', 'shardSize', 'seed'] as const;
export type FormatOption = (typeof FORMAT_OPTIONS)[number];

export interface ExportFormat {
  name: ExportFormatName;
  /** Which of FORMAT_OPTIONS it uses; giving another is a usage error, not silently ignored. */
  accepts: FormatOption[];
  /** Writes the export; returns what it wrote, for the export record. */
  run(ctx: ExportContext): Promise<Record<string, unknown>>;
}
