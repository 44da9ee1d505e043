/**
 * MetaImage (ITK's `.mha` with inline or detached data, `.mhd` + `.raw`; the CAMUS 2019 release).
 * The header is a short list of `Key = Value` lines; no maintained npm package reads it (the few
 * that exist are unmaintained browser bundles), and the subset used here takes less code than
 * adapting one: one image, one channel, raw or zlib-compressed data, in either byte order.
 * Geometry follows ITK: TransformMatrix lists each voxel axis's direction in LPS+ world
 * coordinates, which become RAS+ by negating x and y.
 */
import { stat } from 'node:fs/promises';
import { inflateSync } from 'node:zlib';
import path from 'node:path';
import { InputError } from '../../errors.js';
import { confineTo } from '../files/confine.js';
import { checkVolumeBytes, DEFAULT_LIMITS, type InputLimits } from '../input-limits.js';
import {
  bytesPerSample,
  readPrefix,
  readRange,
  viewSamples,
  type Affine,
  type SampleType,
  type Volume,
  type VolumeFile,
} from './volume.js';

const ELEMENT_TYPES: Record<string, SampleType> = {
  MET_UCHAR: 'uint8',
  MET_CHAR: 'int8',
  MET_SHORT: 'int16',
  MET_USHORT: 'uint16',
  MET_INT: 'int32',
  MET_UINT: 'uint32',
  MET_FLOAT: 'float32',
  MET_DOUBLE: 'float64',
};

const MAX_HEADER = 64 * 1024;

export interface MetaImageOptions {
  limits?: InputLimits;
  /** Folder a detached data file must stay inside (symlinks resolved); default: the header's folder. */
  root?: string;
}

/**
 * Reads the header (its first 64 KiB at most) and checks it: the voxels against the bounds, a
 * detached data file against the confinement folder. The read then takes only the bytes the
 * header's grid needs; compressed data inflate to that size and no further.
 */
export async function openMetaImage(file: string, shown: string, options: MetaImageOptions = {}): Promise<VolumeFile> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const { fields, dataStart } = parseHeader(await readPrefix(file, shown, MAX_HEADER), shown);
  const get = (key: string) => fields.get(key.toLowerCase());
  const numbers = (key: string) => get(key)?.split(/\s+/).filter(Boolean).map(Number);

  const ndims = Number(get('NDims'));
  if (ndims !== 2 && ndims !== 3) throw new InputError(shown, `MetaImage NDims is ${get('NDims')}; expected 2 or 3`);
  const size = numbers('DimSize');
  if (!size || size.length !== ndims || !size.every((n) => Number.isInteger(n) && n > 0))
    throw new InputError(shown, `invalid MetaImage DimSize "${get('DimSize')}"`);
  const type = ELEMENT_TYPES[(get('ElementType') ?? '').toUpperCase()];
  if (!type) throw new InputError(shown, `unsupported MetaImage ElementType "${get('ElementType')}"`);
  const channels = Number(get('ElementNumberOfChannels') ?? 1);
  if (channels !== 1) throw new InputError(shown, `MetaImage with ${channels} channels per voxel; expected 1`);
  const msb = /^true$/i.test(get('ElementByteOrderMSB') ?? get('BinaryDataByteOrderMSB') ?? 'false');
  const dataFile = get('ElementDataFile');
  if (!dataFile) throw new InputError(shown, 'MetaImage header has no ElementDataFile');
  const dims: [number, number, number] = [size[0], size[1], ndims === 3 ? size[2] : 1];
  const count = dims[0] * dims[1] * dims[2];
  const needed = checkVolumeBytes(shown, dims, bytesPerSample(type), limits);

  let payload: { file: string; shown: string; start: number };
  if (dataFile.toUpperCase() === 'LOCAL') payload = { file, shown, start: dataStart };
  else if (/^LIST|%/.test(dataFile)) throw new InputError(shown, `MetaImage data split over several files (${dataFile}) is not supported`);
  else {
    const rootDir = options.root ?? path.dirname(file);
    const resolved = await (await confineTo(rootDir)).resolve(path.relative(rootDir, path.resolve(path.dirname(file), dataFile)));
    if ('refused' in resolved) throw new InputError(shown, `ElementDataFile "${dataFile}" refused: ${resolved.refused}`);
    payload = { file: resolved.file, shown: path.join(path.dirname(shown), dataFile), start: 0 };
  }
  const compressed = /^true$/i.test(get('CompressedData') ?? 'false');
  const headerSize = Number(get('HeaderSize') ?? 0);
  const read = async (): Promise<Volume> => {
    let data: Buffer;
    if (compressed) {
      // Incompressible data grow by a few bytes per 16 KiB block under deflate: more input than that is not these voxels.
      const deflated = await readRange(payload.file, payload.shown, payload.start, needed + Math.ceil(needed / 1000) + 1024);
      try {
        data = inflateSync(deflated, { maxOutputLength: needed });
      } catch (e) {
        throw new InputError(
          shown,
          (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE'
            ? `compressed MetaImage data inflate to more than the ${needed} bytes its DimSize and ElementType declare`
            : `corrupt compressed MetaImage data: ${(e as Error).message}`,
        );
      }
    } else {
      // HeaderSize -1: the data are the last bytes of the file.
      const skip = headerSize === -1 ? (await stat(payload.file)).size - payload.start - needed : Math.max(0, headerSize);
      data = await readRange(payload.file, payload.shown, payload.start + Math.max(0, skip), needed);
    }
    return { dims, data: viewSamples(data, 0, count, type, !msb, shown), ...geometry(numbers, ndims) };
  };
  return { bytes: needed, read };
}

/** Spacing and affine from the header: ITK's LPS+ directions turned into NIfTI's RAS+. */
function geometry(numbers: (key: string) => number[] | undefined, ndims: number): Pick<Volume, 'affine' | 'spacing' | 'slope' | 'inter'> {
  const spacing = numbers('ElementSpacing') ?? numbers('ElementSize') ?? [];
  const zooms = [0, 1, 2].map((k) => (k < ndims && spacing[k] > 0 ? spacing[k] : 1)) as [number, number, number];
  const origin = numbers('Offset') ?? numbers('Position') ?? numbers('Origin') ?? [];
  const matrix = numbers('TransformMatrix') ?? numbers('Rotation') ?? numbers('Orientation');
  // Direction of voxel axis k (LPS), padded from 2D to 3D with the third axis along z.
  const direction = [0, 1, 2].map((k) =>
    [0, 1, 2].map((r) =>
      k < ndims && r < ndims ? (matrix?.length === ndims * ndims ? matrix[k * ndims + r] : k === r ? 1 : 0) : k === r ? 1 : 0,
    ),
  );
  const lpsToRas = [-1, -1, 1];
  const affine: Affine = [0, 1, 2].map((r) => [
    ...[0, 1, 2].map((k) => lpsToRas[r] * direction[k][r] * zooms[k]),
    lpsToRas[r] * (origin[r] ?? 0),
  ]);
  affine.push([0, 0, 0, 1]);
  return { affine, spacing: zooms, slope: 1, inter: 0 };
}

/** `Key = Value` lines up to and including ElementDataFile (always the last field). */
function parseHeader(bytes: Buffer, shown: string): { fields: Map<string, string>; dataStart: number } {
  const fields = new Map<string, string>();
  let pos = 0;
  while (pos < bytes.length && pos < MAX_HEADER) {
    let end = bytes.indexOf(0x0a, pos);
    if (end < 0) end = bytes.length;
    const line = bytes.toString('latin1', pos, end).replace(/\r$/, '');
    pos = end + 1;
    if (!line.trim()) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new InputError(shown, `not a MetaImage header: line "${line.slice(0, 40)}" has no "Key = Value"`);
    const key = line.slice(0, eq).trim().toLowerCase();
    fields.set(key, line.slice(eq + 1).trim());
    if (key === 'elementdatafile') return { fields, dataStart: pos };
  }
  throw new InputError(shown, 'not a MetaImage header: no ElementDataFile line');
}
