/**
 * Bounds on what a raw file's header may promise before MedBank decodes it. Raw files are hostile
 * input: a 1 MB PNG can declare 10^10 pixels and a 6 MB `.nii.gz` can inflate to 6 GiB. Every
 * reader checks its header against these bounds first and refuses the file with a message that
 * says what the header claims and what the bound is.
 */
import { InputError } from '../errors.js';

export interface InputLimits {
  /** Most pixels (width × height) of one 2D image or mask: `--max-pixels`. */
  maxPixels: number;
  /** Most bytes one volume's voxels (as the header declares them) may take: `--max-volume-mib`. */
  maxVolumeBytes: number;
}

/** 2^28 pixels (16384²) is above every image the 2D sources ship, CellSeg's whole-slide images included. */
export const DEFAULT_MAX_PIXELS = 2 ** 28;
/** 2 GiB is above every volume the 3D sources ship (the largest CT volumes are about 1 GiB as float32). */
export const DEFAULT_MAX_VOLUME_BYTES = 2 ** 31;

export const DEFAULT_LIMITS: InputLimits = { maxPixels: DEFAULT_MAX_PIXELS, maxVolumeBytes: DEFAULT_MAX_VOLUME_BYTES };

/** "1.5 GiB", "640 MiB", "12 KiB". */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${Number(v.toFixed(1))} ${units[u]}`;
}

/** Refuses a 2D header whose pixel count is above the bound (before any pixel is decoded). */
export function checkPixels(file: string, width: number, height: number, limits: InputLimits = DEFAULT_LIMITS): void {
  if (width * height > limits.maxPixels) {
    throw new InputError(
      file,
      `header declares ${width}x${height} pixels (${width * height}), above the bound of ${limits.maxPixels} pixels (--max-pixels)`,
    );
  }
}

/** Refuses a volume header whose voxels need more bytes than the bound (before any voxel is read). */
export function checkVolumeBytes(file: string, dims: number[], bytesPerVoxel: number, limits: InputLimits = DEFAULT_LIMITS): number {
  const bytes = dims.reduce((a, b) => a * b, 1) * bytesPerVoxel;
  if (bytes > limits.maxVolumeBytes) {
    throw new InputError(
      file,
      `header declares ${dims.join('x')} voxels of ${bytesPerVoxel} byte(s) (${formatBytes(bytes)}), above the bound of ${formatBytes(limits.maxVolumeBytes)} (--max-volume-mib)`,
    );
  }
  return bytes;
}
