/** Pixel work the export formats share: decoding tree masks and encoding derived masks. */
import { readPixels, type Pixels8 } from '../dataset/open.js';
import { InputError } from '../errors.js';
import { encodePng, MASK_PNG } from '../io/image/png-write.js';

/** A tree mask as one 8-bit channel; a file that does not decode is an InputError naming it. */
export async function readMask(file: string): Promise<Pixels8> {
  try {
    return await readPixels(file, 1);
  } catch (e) {
    throw new InputError(file, `mask does not decode: ${(e as Error).message}`);
  }
}

/** A one-channel PNG of `values` (0/255 masks, 0..n label maps). */
export function greyPng(values: Uint8Array, width: number, height: number): Promise<Buffer> {
  return encodePng(values, width, height, 1, MASK_PNG);
}

/** Every non-zero pixel of `mask` set to `value`, the rest 0. */
export function relabel(mask: Uint8Array, value: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) if (mask[i]) out[i] = value;
  return out;
}

/** The mask at `file` as 0/255 PNG bytes. */
export async function binaryMaskPng(file: string): Promise<Buffer> {
  const mask = await readMask(file);
  return greyPng(relabel(mask.data, 255), mask.width, mask.height);
}
