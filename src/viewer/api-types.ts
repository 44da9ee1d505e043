/** The JSON the viewer's server answers, shared with the front-end in viewer/ (type-only imports). */
import type { Split } from '../catalog/types.js';
import type { LayoutName } from '../contract/layout.js';
import type { ManifestRow } from '../contract/manifest.js';

export type SplitFilter = Split | 'all';
export const SPLIT_FILTERS: readonly SplitFilter[] = ['all', 'train', 'val', 'test'];

export interface TaskSummary {
  id: string;
  layout: LayoutName;
  source?: string;
  modality?: string;
  anatomy?: string;
  license?: string;
  /** Counted from the split files, the tree's truth. */
  counts: Record<Split, number> & { total: number };
  /** The sample shown as the task's thumbnail (first listed), if any. */
  cover?: string;
}

/** GET /api/tree */
export interface TreeSummary {
  /** The tree's folder name. */
  name: string;
  /** Its absolute path, only when the viewer was started with `--show-path`. */
  root?: string;
  hasManifest: boolean;
  hasRecord: boolean;
  tasks: TaskSummary[];
}

/** GET /api/tasks/<task>/samples?split=&offset=&limit= */
export interface SamplePage {
  task: string;
  split: SplitFilter;
  offset: number;
  limit: number;
  total: number;
  items: { name: string; split: Split }[];
}

/** GET /api/tasks/<task>/samples/<name>?split= */
export interface SampleDetail {
  task: string;
  name: string;
  split: Split;
  /** Place in the list of `filter` (all splits, or one), and its neighbours there. */
  position: { filter: SplitFilter; index: number; total: number; previous?: string; next?: string };
  manifest?: ManifestRow;
  /** [x0, y0, x1, y1] inclusive, from the manifest, or measured on the mask without one. */
  bbox: [number, number, number, number] | null;
  foreground: number;
  bboxFrom: 'manifest' | 'mask';
  width: number;
  height: number;
}
