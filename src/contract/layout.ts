/**
 * The output layouts (DESIGN.md §3): `medbank` (images/, masks/, bare file names in split files)
 * and `samed2` (image/, mask/, `./image/<name>.png` lines, what the SAMed2 loader reads).
 */
import type { Split } from '../catalog/types.js';

export type LayoutName = 'medbank' | 'samed2';
export const LAYOUTS: readonly LayoutName[] = ['medbank', 'samed2'];

export interface Layout {
  name: LayoutName;
  imageDir: string;
  maskDir: string;
  /** The split-file line for an image file name. */
  splitLine(file: string): string;
  /** The image file name a split-file line refers to, or undefined if the line is malformed. */
  parseLine(line: string): string | undefined;
}

export const MEDBANK_LAYOUT: Layout = {
  name: 'medbank',
  imageDir: 'images',
  maskDir: 'masks',
  splitLine: (file) => file,
  parseLine: (line) => (line && !line.includes('/') ? line : undefined),
};

export const SAMED2_LAYOUT: Layout = {
  name: 'samed2',
  imageDir: 'image',
  maskDir: 'mask',
  splitLine: (file) => `./image/${file}`,
  parseLine: (line) => (line.startsWith('./image/') && line.length > 8 ? line.slice(8) : undefined),
};

export function layoutByName(name: LayoutName): Layout {
  return name === 'samed2' ? SAMED2_LAYOUT : MEDBANK_LAYOUT;
}

export function splitFileName(split: Split): string {
  return `${split}.txt`;
}
