/**
 * NIfTI-1 and NIfTI-2 volumes (`.nii`, `.nii.gz`, either byte order). The header is parsed by
 * nifti-reader-js (maintained, both versions, endianness detection); the voxels are a typed-array
 * view at `vox_offset` of the inflated file, so a volume is never copied. The affine is chosen as
 * nibabel does (sform if its code is set, else qform, else the Analyze-style base affine), not
 * as nifti-reader-js does (it prefers a higher qform code and ignores NIfTI-2 qforms), because
 * nibabel is what the rest of the field and our reference tests read volumes with. A `.nii.gz`
 * is inflated only as far as its header's dimensions need (a gzip bomb stops there).
 */
import * as nifti from 'nifti-reader-js';
import { InputError } from '../../errors.js';
import {
  bytesPerSample,
  readPrefix,
  usableScaling,
  viewSamples,
  type Affine,
  type SampleType,
  type Volume,
  type VolumeFile,
} from './volume.js';
import { checkVolumeBytes, DEFAULT_LIMITS, type InputLimits } from '../input-limits.js';

/** NIfTI datatype codes MedBank reads. */
const DATATYPES: Record<number, SampleType> = {
  2: 'uint8',
  4: 'int16',
  8: 'int32',
  16: 'float32',
  64: 'float64',
  256: 'int8',
  512: 'uint16',
  768: 'uint32',
};

export const NIFTI_DATATYPE: Record<SampleType, number> = Object.fromEntries(
  Object.entries(DATATYPES).map(([code, type]) => [type, Number(code)]),
) as Record<SampleType, number>;

type Header = nifti.NIFTI1 | nifti.NIFTI2;

/**
 * The name of a datatype code. Asked of a NIFTI1 object: nifti-reader-js 0.8's NIFTI2 copies the
 * method from NIFTI1's prototype, where it is not (an instance field), so a NIfTI-2 file with an
 * unsupported datatype raised a TypeError (found by the fuzzer).
 */
function datatypeName(code: number): string {
  return new nifti.NIFTI1().getDatatypeCodeString(code);
}

/** Bytes read first: NIfTI-1 (348) and NIfTI-2 (540) headers, and short extensions. */
const HEADER_READ = 4096;
/** Headers with extensions put the voxels later, but never this far in (a lying vox_offset). */
const MAX_VOX_OFFSET = 64 * 1024 * 1024;

/**
 * Reads the header (inflating only its first bytes) and checks what it promises against the
 * bounds; the read then inflates exactly vox_offset plus the voxels, and no more.
 */
export async function openNifti(file: string, shown: string, limits: InputLimits = DEFAULT_LIMITS): Promise<VolumeFile> {
  const head = await readPrefix(file, shown, HEADER_READ);
  const { header, type, dims } = checkedHeader(head, shown);
  if (!(header.vox_offset <= MAX_VOX_OFFSET))
    throw new InputError(shown, `NIfTI vox_offset ${header.vox_offset} is beyond any header (at most ${MAX_VOX_OFFSET})`);
  const voxelBytes = checkVolumeBytes(shown, dims, bytesPerSample(type), limits);
  const bytes = Math.ceil(header.vox_offset) + voxelBytes;
  return { bytes, read: () => readNiftiVoxels(file, shown, bytes) };
}

async function readNiftiVoxels(file: string, shown: string, needed: number): Promise<Volume> {
  const bytes = await readPrefix(file, shown, needed);
  // Parsed again from the full prefix: extensions may reach past the first read.
  const { header, type, dims, rank } = checkedHeader(bytes, shown);
  const [nx, ny, nz] = dims;
  const data = viewSamples(bytes, header.vox_offset, nx * ny * nz, type, header.littleEndian, shown);
  const { slope, inter } = usableScaling(header.scl_slope, header.scl_inter);
  const pix = header.pixDims;
  return {
    dims,
    data,
    affine: bestAffine(header, bytes),
    spacing: [Math.abs(pix[1]) || 1, Math.abs(pix[2]) || 1, rank >= 3 ? Math.abs(pix[3]) || 1 : 1],
    slope,
    inter,
  };
}

/** The header, its sample type and one 3D grid, or an InputError saying what is wrong. */
function checkedHeader(bytes: Buffer, shown: string): { header: Header; type: SampleType; dims: [number, number, number]; rank: number } {
  const header = parseHeader(bytes, shown);
  const type = DATATYPES[header.datatypeCode];
  if (!type) throw new InputError(shown, `unsupported NIfTI datatype ${header.datatypeCode} (${datatypeName(header.datatypeCode)})`);
  const rank = header.dims[0];
  if (rank < 2 || rank > 7) throw new InputError(shown, `NIfTI dim[0] is ${rank}; expected 2 to 7`);
  const [nx, ny, nz] = [header.dims[1], header.dims[2], rank >= 3 ? header.dims[3] : 1];
  const extra = header.dims.slice(4, rank + 1).reduce((a, b) => a * Math.max(1, b), 1);
  if (extra > 1)
    throw new InputError(shown, `a ${rank}D NIfTI with ${extra} volumes; expected one 3D volume (a 4D cine file is not a frame)`);
  if (![nx, ny, nz].every((n) => Number.isInteger(n) && n > 0))
    throw new InputError(shown, `invalid NIfTI dimensions ${header.dims.join('x')}`);
  return { header, type, dims: [nx, ny, nz], rank };
}

function parseHeader(bytes: Buffer, shown: string): Header {
  const view = (n: number) => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + Math.min(bytes.length, n)) as ArrayBuffer;
  let head = view(HEADER_READ);
  if (!nifti.isNIFTI(head)) throw new InputError(shown, 'not a NIfTI-1 or NIfTI-2 file (no n+1/ni1/n+2 magic)');
  try {
    let header = nifti.readHeader(head);
    // Extensions are parsed up to vox_offset: give the parser all of it when it is past our first read.
    if (header.vox_offset > head.byteLength && header.extensionFlag[0] && bytes.length > head.byteLength) {
      head = view(header.vox_offset);
      header = nifti.readHeader(head);
    }
    if (header.vox_offset < (header instanceof nifti.NIFTI2 ? 544 : 348))
      throw new Error(`vox_offset ${header.vox_offset} is inside the header`);
    return header;
  } catch (e) {
    throw new InputError(shown, `unreadable NIfTI header: ${(e as Error).message}`);
  }
}

function bestAffine(header: Header, bytes: Buffer): Affine {
  const isV2 = header instanceof nifti.NIFTI2;
  if (header.sform_code > 0) return sform(bytes, isV2, header.littleEndian);
  if (header.qform_code > 0) return qform(header);
  return baseAffine(header);
}

/** srow_x/y/z: floats at byte 280 (NIfTI-1) or doubles at byte 400 (NIfTI-2). */
function sform(bytes: Buffer, isV2: boolean, littleEndian: boolean): Affine {
  const rows: number[][] = [];
  for (let r = 0; r < 3; r++) {
    const row: number[] = [];
    for (let c = 0; c < 4; c++) {
      const at = (isV2 ? 400 : 280) + (r * 4 + c) * (isV2 ? 8 : 4);
      row.push(
        isV2
          ? littleEndian
            ? bytes.readDoubleLE(at)
            : bytes.readDoubleBE(at)
          : littleEndian
            ? bytes.readFloatLE(at)
            : bytes.readFloatBE(at),
      );
    }
    rows.push(row);
  }
  return [...rows, [0, 0, 0, 1]];
}

/** The quaternion affine of the NIfTI standard, with nibabel's rules (qfac other than -1 means 1). */
function qform(header: Header): Affine {
  const b = header.quatern_b;
  const c = header.quatern_c;
  const d = header.quatern_d;
  const aa = 1 - (b * b + c * c + d * d);
  // Rounding in stored float32 values can make a unit quaternion's a² slightly negative.
  const a = aa < 0 ? 0 : Math.sqrt(aa);
  const R = [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ];
  const qfac = header.pixDims[0] === -1 ? -1 : 1;
  const vox = [header.pixDims[1], header.pixDims[2], header.pixDims[3] * qfac];
  const offset = [header.qoffset_x, header.qoffset_y, header.qoffset_z];
  return [...R.map((row, r) => [row[0] * vox[0], row[1] * vox[1], row[2] * vox[2], offset[r]]), [0, 0, 0, 1]];
}

/** nibabel's fallback without any transform: Analyze's radiological x flip, origin at the centre. */
function baseAffine(header: Header): Affine {
  const dims = [header.dims[1], header.dims[2], header.dims[0] >= 3 ? header.dims[3] : 1];
  const zooms = [header.pixDims[1] || 1, header.pixDims[2] || 1, header.pixDims[3] || 1];
  const origin = dims.map((n) => (n - 1) / 2);
  return [
    [-zooms[0], 0, 0, origin[0] * zooms[0]],
    [0, zooms[1], 0, -origin[1] * zooms[1]],
    [0, 0, zooms[2], -origin[2] * zooms[2]],
    [0, 0, 0, 1],
  ];
}
