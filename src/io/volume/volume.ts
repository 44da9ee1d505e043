/**
 * A volume in memory: voxel samples as a typed-array view (x fastest, native byte order), its
 * grid size, the voxel-to-world affine in RAS+ millimetres (NIfTI's convention), and the linear
 * intensity scaling stored in the header. Readers for each file format live beside this file.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { InputError } from '../../errors.js';

export type VoxelArray = Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

/** 4×4 row-major affine: world = affine · [i, j, k, 1]. */
export type Affine = number[][];

export interface Volume {
  /** Grid size [nx, ny, nz]; 2D images have nz = 1. */
  dims: [number, number, number];
  data: VoxelArray;
  affine: Affine;
  /** Voxel size along each grid axis (mm). */
  spacing: [number, number, number];
  /** value = raw · slope + inter; slope 1 / inter 0 when the header has no usable scaling. */
  slope: number;
  inter: number;
}

/**
 * A volume file whose header has been read and checked against the bounds: the bytes reading it
 * will hold (what a worker reserves from the shared budget first), and the read itself.
 */
export interface VolumeFile {
  bytes: number;
  read(): Promise<Volume>;
}

export type SampleType = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

const BYTES: Record<SampleType, number> = { uint8: 1, int8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, float32: 4, float64: 8 };

export function bytesPerSample(type: SampleType): number {
  return BYTES[type];
}

/**
 * A typed-array view of `count` samples at `offset` in `bytes`, byte-swapped in place first when
 * the file's order differs from the machine's (the buffer is ours: swapping avoids a copy). A view
 * needs an aligned start; a misaligned one (a small pooled buffer) is copied.
 */
export function viewSamples(
  bytes: Buffer,
  offset: number,
  count: number,
  type: SampleType,
  littleEndian: boolean,
  file: string,
): VoxelArray {
  const size = BYTES[type];
  const needed = count * size;
  if (offset + needed > bytes.length) {
    throw new InputError(
      file,
      `truncated: ${count} voxels need ${needed} bytes after offset ${offset}, the file has ${bytes.length - offset}`,
    );
  }
  let region = bytes.subarray(offset, offset + needed);
  if (size > 1 && littleEndian !== MACHINE_LITTLE_ENDIAN) {
    if (size === 2) region.swap16();
    else if (size === 4) region.swap32();
    else region.swap64();
  }
  if (region.byteOffset % size !== 0) region = Buffer.from(region);
  const { buffer, byteOffset } = region;
  switch (type) {
    case 'uint8':
      return new Uint8Array(buffer, byteOffset, count);
    case 'int8':
      return new Int8Array(buffer, byteOffset, count);
    case 'int16':
      return new Int16Array(buffer, byteOffset, count);
    case 'uint16':
      return new Uint16Array(buffer, byteOffset, count);
    case 'int32':
      return new Int32Array(buffer, byteOffset, count);
    case 'uint32':
      return new Uint32Array(buffer, byteOffset, count);
    case 'float32':
      return new Float32Array(buffer, byteOffset, count);
    case 'float64':
      return new Float64Array(buffer, byteOffset, count);
  }
}

const MACHINE_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The first `limit` bytes of a file, inflated when it is gzip (gzip magic bytes): the inflation
 * stops as soon as `limit` bytes are out, so a gzip bomb costs no more than what its header asked
 * for (and what the caller checked against the bounds). Fewer bytes come back when the file (or
 * its inflated stream) is shorter; the caller reports that as truncation.
 */
export async function readPrefix(file: string, shown: string, limit: number): Promise<Buffer> {
  const handle = await openRaw(file, shown);
  try {
    const magic = await readFrom(handle, 0, 2);
    if (magic[0] !== 0x1f || magic[1] !== 0x8b) return await readFrom(handle, 0, limit);
    try {
      return await gunzipPrefix(handle, limit);
    } catch (e) {
      throw new InputError(shown, `corrupt gzip data: ${(e as Error).message}`);
    }
  } finally {
    await handle.close();
  }
}

/** Up to `length` bytes of a file from `start` (fewer at its end: the caller reports truncation). */
export async function readRange(file: string, shown: string, start: number, length: number): Promise<Buffer> {
  const handle = await openRaw(file, shown);
  try {
    return await readFrom(handle, start, length);
  } finally {
    await handle.close();
  }
}

async function openRaw(file: string, shown: string): Promise<FileHandle> {
  try {
    return await open(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(
      shown,
      code === 'ENOENT' ? 'file not found' : code === 'ELOOP' ? 'symbolic link loop' : `cannot read: ${(e as Error).message}`,
    );
  }
}

async function readFrom(handle: FileHandle, start: number, length: number): Promise<Buffer> {
  const out = Buffer.allocUnsafe(length);
  let used = 0;
  while (used < length) {
    const { bytesRead } = await handle.read(out, used, length - used, start + used);
    if (bytesRead === 0) break;
    used += bytesRead;
  }
  return used === length ? out : out.subarray(0, used);
}

/** Inflates into a buffer of `limit` bytes (node's zlib: twice as fast as fflate) and stops when it is full. */
async function gunzipPrefix(handle: FileHandle, limit: number): Promise<Buffer> {
  const out = Buffer.allocUnsafe(limit);
  let used = 0;
  const compressed = handle.createReadStream({ start: 0, highWaterMark: 1 << 20, autoClose: false });
  const gunzip = compressed.pipe(createGunzip({ chunkSize: 1 << 20 }));
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      const take = Math.min(chunk.length, limit - used);
      chunk.copy(out, used, 0, take);
      used += take;
      // Leaving the loop destroys the inflater: nothing more is inflated.
      if (used === limit) break;
    }
  } finally {
    compressed.destroy();
  }
  return used === limit ? out : out.subarray(0, used);
}

/** Scaling as NIfTI readers apply it: only a finite, non-zero slope counts (real files carry NaN and 0). */
export function usableScaling(slope: number, inter: number): { slope: number; inter: number } {
  if (!Number.isFinite(slope) || slope === 0) return { slope: 1, inter: 0 };
  return { slope, inter: Number.isFinite(inter) ? inter : 0 };
}

/** The sample type of a voxel array. */
export function sampleTypeOf(data: VoxelArray): SampleType {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof Float32Array) return 'float32';
  return 'float64';
}

/** An empty voxel array of the same type. */
export function allocLike(data: VoxelArray, length: number): VoxelArray {
  return new (data.constructor as new (n: number) => VoxelArray)(length);
}
