/** Reads any supported volume file by its name: NIfTI (`.nii`, `.nii.gz`) or MetaImage (`.mha`, `.mhd`). */
import { InputError } from '../../errors.js';
import { DEFAULT_LIMITS, type InputLimits } from '../input-limits.js';
import { openMetaImage } from './metaimage.js';
import { openNifti } from './nifti.js';
import type { Volume, VolumeFile } from './volume.js';

export function isVolumeFile(file: string): boolean {
  return /\.(nii|nii\.gz|mha|mhd)$/i.test(file);
}

export interface VolumeReadOptions {
  limits?: InputLimits;
  /** Folder every file a header names must stay inside (symlinks resolved); default: the volume's own folder. */
  root?: string;
}

/**
 * Reads and checks the header only. `file` is the absolute path; `shown` the raw-root-relative one
 * used in error messages.
 */
export function openVolume(file: string, shown: string, options: VolumeReadOptions = {}): Promise<VolumeFile> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  if (/\.nii(\.gz)?$/i.test(file)) return openNifti(file, shown, limits);
  if (/\.(mha|mhd)$/i.test(file)) return openMetaImage(file, shown, { limits, root: options.root });
  return Promise.reject(new InputError(shown, 'not a volume file (expected .nii, .nii.gz, .mha or .mhd)'));
}

export async function readVolume(file: string, shown: string, options: VolumeReadOptions = {}): Promise<Volume> {
  return (await openVolume(file, shown, options)).read();
}
