/** Reads any supported volume file by its name: NIfTI (`.nii`, `.nii.gz`) or MetaImage (`.mha`, `.mhd`). */
import { InputError } from '../errors.js';
import { readMetaImage } from './metaimage.js';
import { readNifti } from './nifti.js';
import type { Volume } from './volume.js';

export function isVolumeFile(file: string): boolean {
  return /\.(nii|nii\.gz|mha|mhd)$/i.test(file);
}

/** `file` is the absolute path; `shown` the raw-root-relative one used in error messages. */
export function readVolume(file: string, shown: string): Promise<Volume> {
  if (/\.nii(\.gz)?$/i.test(file)) return readNifti(file, shown);
  if (/\.(mha|mhd)$/i.test(file)) return readMetaImage(file, shown);
  return Promise.reject(new InputError(shown, 'not a volume file (expected .nii, .nii.gz, .mha or .mhd)'));
}
