/** medbank.json: the build record that makes a tree self-describing and verifiable (DESIGN.md §7). */
import type { Access, License, ModalityCode } from '../catalog/types.js';
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
  citationKey: string;
  counts: { train: number; val: number; test: number; total: number };
  skippedEmpty: number;
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
  };
  sources: { id: string; name: string; link: string; license: License; access: Access; citationKey: string; notes: string[] }[];
  tasks: TaskRecord[];
  counts: { samples: number; train: number; val: number; test: number; skippedEmpty: number };
  emptyMaskPolicy: string;
  splitPolicy: string;
  officialSplitConflicts: string[];
  problems: { source: string; file: string; reason: string }[];
}
