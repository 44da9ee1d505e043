/** One image/mask pair of `medbank preprocess`: image to RGB bilinear, mask to L nearest, both PNG. */
import { InputError } from '../../errors.js';
import { imageSource, readRaw, readSize, toLuma } from '../../io/image/image-read.js';
import { contentBox, padToSquare, resampleImage, resampleNearest, type ResizeMode } from '../../io/image/resize.js';
import { encodePng, IMAGE_PNG, MASK_PNG } from '../../io/image/png-write.js';
import type { InputLimits } from '../../io/input-limits.js';
import { sha256 } from '../../io/files/atomic.js';
import { withLinkNote, writeLinked } from '../../io/files/linked-write.js';

export interface PairRequest {
  image: string;
  mask: string;
  outImage: string;
  outMask: string;
  size: number;
  resize: ResizeMode;
  limits: InputLimits;
  /** The link store (linked-write.ts) that makes identical outputs one file; none with --no-links. */
  store?: string;
}

export type PairReply = ({ ok: true } | { ok: false; file: string; reason: string }) & {
  /** The first time this worker could not hard-link: why, and that it writes copies instead. */
  linksUnavailable?: string;
};

export async function preprocessPair(r: PairRequest): Promise<PairReply> {
  try {
    const size = await readSize(r.image, r.limits);
    // The mask's header first: a mask that lies about its size is refused before it is decoded.
    const maskSize = await readSize(r.mask, r.limits);
    if (maskSize.width !== size.width || maskSize.height !== size.height) {
      throw new InputError(r.mask, `mask is ${maskSize.width}x${maskSize.height} but its image is ${size.width}x${size.height}`);
    }
    const box = contentBox(size.width, size.height, r.size, r.resize);
    const rgb = await resampleImage(await imageSource(r.image, r.limits), size, box.width, box.height, 3).catch((e: unknown) => {
      throw new InputError(r.image, `cannot decode: ${(e as Error).message}`);
    });
    const mask = await readRaw(r.mask, undefined, r.limits);
    const luma = resampleNearest(toLuma(mask), mask.width, mask.height, box.width, box.height);
    const [imagePng, maskPng] = await Promise.all([
      encodePng(padToSquare(rgb, box.width, box.height, 3, r.size), r.size, r.size, 3, IMAGE_PNG),
      encodePng(padToSquare(luma, box.width, box.height, 1, r.size), r.size, r.size, 1, MASK_PNG),
    ]);
    await writeLinked(r.outImage, imagePng, sha256(imagePng), r.store);
    await writeLinked(r.outMask, maskPng, sha256(maskPng), r.store);
    return withLinkNote({ ok: true });
  } catch (e) {
    if (e instanceof InputError) return withLinkNote({ ok: false, file: e.file, reason: e.message });
    return withLinkNote({ ok: false, file: r.image, reason: String((e as Error)?.message ?? e) });
  }
}
