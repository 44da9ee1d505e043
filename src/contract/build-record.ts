/** medbank.json: the build record that makes a tree self-describing and verifiable (DESIGN.md §7). */
import type { Access, FileAccount, Laterality, License, ModalityCode, Split } from '../catalog/types.js';
import type { LicenseUse } from '../catalog/license-policy.js';
import type { SplitOrigin } from '../pipeline/plan/splits.js';
import type { LayoutName } from './layout.js';

export const BUILD_RECORD_FORMAT = 'medbank-build/1';

export interface TaskRecord {
  id: string;
  source: string;
  structure: string;
  modality: string;
  modalityCode: ModalityCode;
  anatomy: string;
  labels: number[];
  rule: string;
  /** False: masks are 0/255. A multi-class task would store class indices and list them. */
  multiClass: boolean;
  maskValues: number[];
  annotation: 'pixel' | 'box';
  license: License;
  /** The source's primary citation key (the first of `citationKeys`). */
  citationKey: string;
  /** Every BibTeX key the source asks users to cite (all in CITATION.bib). */
  citationKeys: string[];
  /** Only on left/right tasks: which side of the patient, and the task of the other side. */
  side?: Laterality;
  mirror?: string;
  counts: { train: number; val: number; test: number; total: number };
  /** Per split, how many samples got it from each origin (official, carved from train as test, seeded). */
  splitOrigins: Record<Split, Partial<Record<SplitOrigin, number>>>;
  skippedEmpty: number;
  /** `--min-area`: the threshold (raw pixels per connected component; 0 = off) and what it removed. */
  minArea: MinAreaRecord;
}

export interface MinAreaRecord {
  px: number;
  /** Connected components under `px` removed from kept or dropped masks. */
  removedComponents: number;
  removedPixels: number;
  /** Masks that had foreground only in removed components (then handled as empty masks). */
  emptiedMasks: number;
}

/**
 * Samples that hold one image (or one group) in different splits: official splits that disagree
 * within a source, or near-identical images in two sources.
 */
export interface Leak {
  /** `<task>/<name>` of each sample, sorted. */
  samples: string[];
  sources: string[];
  splits: Split[];
  reason: string;
}

export interface BuildRecord {
  format: string;
  tool: { name: string; version: string; sharp: string; libvips: string; pngEncoder: string };
  options: {
    size: number;
    layout: LayoutName;
    resize: 'stretch' | 'pad';
    seed: number;
    ratios: string;
    keepEmpty: number;
    /** Connected components smaller than this (raw pixels) are removed from masks; 0 keeps all. */
    minArea: number;
    grey: boolean;
    /** Present (true) when volumes were also written as NIfTI (`--keep-3d`). */
    keep3d?: boolean;
    /**
     * Present (false) when identical files were written as separate copies (`--no-links`); by
     * default they are hard links to one file.
     */
    links?: false;
    sources: string[];
    sourceOptions: Record<string, string>;
    /** The `--license` filter: sources whose terms do not allow this use were left out. */
    license: LicenseUse;
  };
  sources: {
    id: string;
    name: string;
    link: string;
    license: License;
    access: Access;
    citationKey: string;
    citationKeys: string[];
    notes: string[];
    /** What became of the files below the source folder (absent in trees built before it was recorded). */
    files?: FileAccount;
    /** What the split assignment merged beyond the adapter's groups (copies, video sequences), in words. */
    grouping: string[];
    /** The unpacked raw files' digest from `<raw>/medbank-raw.lock.json`, when `medbank fetch` wrote one. */
    raw?: { digest: string; files: number; bytes: number };
  }[];
  tasks: TaskRecord[];
  counts: { samples: number; train: number; val: number; test: number; skippedEmpty: number };
  emptyMaskPolicy: string;
  splitPolicy: string;
  officialSplitConflicts: string[];
  /** Identical or near-identical images that ended up in different splits anyway (exit code 2). */
  leaks: Leak[];
  problems: { source: string; file: string; reason: string }[];
}
