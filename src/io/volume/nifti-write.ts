/**
 * Writes single-file NIfTI (`--keep-3d` outputs, and the fixtures, which also need NIfTI-2,
 * big-endian, qform-only and scaled files). nifti-reader-js only reads, so the header is laid out
 * here field by field from the NIfTI-1 and NIfTI-2 standards.
 */
import { gzipSync } from 'node:zlib';
import { NIFTI_DATATYPE } from './nifti.js';
import type { Affine, SampleType, VoxelArray } from './volume.js';

export interface NiftiWriteSpec {
  dims: [number, number, number];
  type: SampleType;
  data: VoxelArray;
  affine: Affine;
  /** Which transforms to store (default both; codes 1 = scanner anatomical). */
  sform?: boolean;
  qform?: boolean;
  slope?: number;
  inter?: number;
  version?: 1 | 2;
  littleEndian?: boolean;
  gzip?: boolean;
}

const TYPE_BITS: Record<SampleType, number> = { uint8: 8, int8: 8, int16: 16, uint16: 16, int32: 32, uint32: 32, float32: 32, float64: 64 };

export function encodeNifti(spec: NiftiWriteSpec): Buffer {
  const v2 = spec.version === 2;
  const le = spec.littleEndian ?? true;
  const voxOffset = v2 ? 544 : 352;
  const bytesPer = TYPE_BITS[spec.type] / 8;
  const count = spec.dims[0] * spec.dims[1] * spec.dims[2];
  if (spec.data.length !== count) throw new Error(`NIfTI data has ${spec.data.length} voxels, dims say ${count}`);
  const out = Buffer.alloc(voxOffset + count * bytesPer);
  const i16 = (at: number, v: number) => (le ? out.writeInt16LE(v, at) : out.writeInt16BE(v, at));
  const i32 = (at: number, v: number) => (le ? out.writeInt32LE(v, at) : out.writeInt32BE(v, at));
  const i64 = (at: number, v: number) => (le ? out.writeBigInt64LE(BigInt(v), at) : out.writeBigInt64BE(BigInt(v), at));
  const f32 = (at: number, v: number) => (le ? out.writeFloatLE(v, at) : out.writeFloatBE(v, at));
  const f64 = (at: number, v: number) => (le ? out.writeDoubleLE(v, at) : out.writeDoubleBE(v, at));
  // Float fields are float32 in NIfTI-1 and float64 in NIfTI-2; integers widen the same way.
  const real = v2 ? f64 : f32;
  const dimInt = v2 ? i64 : i16;

  const { q, offset, qfac, zooms } = toQuaternion(spec.affine);
  const dims = [3, ...spec.dims, 1, 1, 1, 1];
  const pixdim = [qfac, ...zooms, 0, 0, 0, 0];
  const withQ = spec.qform ?? true;
  const withS = spec.sform ?? true;
  const L = v2
    ? {
        datatype: 12,
        bitpix: 14,
        dim: 16,
        pixdim: 104,
        vox: 168,
        slope: 176,
        inter: 184,
        qcode: 344,
        scode: 348,
        quatern: 352,
        srow: 400,
        units: 500,
        magic: 4,
      }
    : {
        datatype: 70,
        bitpix: 72,
        dim: 40,
        pixdim: 76,
        vox: 108,
        slope: 112,
        inter: 116,
        qcode: 252,
        scode: 254,
        quatern: 256,
        srow: 280,
        units: 123,
        magic: 344,
      };
  i32(0, v2 ? 540 : 348);
  out.write(v2 ? 'n+2\0\r\n\x1a\n' : 'n+1\0', L.magic, 'latin1');
  i16(L.datatype, NIFTI_DATATYPE[spec.type]);
  i16(L.bitpix, TYPE_BITS[spec.type]);
  dims.forEach((d, k) => dimInt(L.dim + k * (v2 ? 8 : 2), d));
  pixdim.forEach((p, k) => real(L.pixdim + k * (v2 ? 8 : 4), p));
  if (v2) i64(L.vox, voxOffset);
  else f32(L.vox, voxOffset);
  real(L.slope, spec.slope ?? 1);
  real(L.inter, spec.inter ?? 0);
  // xyzt_units: millimetres.
  if (v2) i32(L.units, 2);
  else out.writeUInt8(2, L.units);
  (v2 ? i32 : i16)(L.qcode, withQ ? 1 : 0);
  (v2 ? i32 : i16)(L.scode, withS ? 1 : 0);
  [q[1], q[2], q[3], ...offset].forEach((v, k) => real(L.quatern + k * (v2 ? 8 : 4), v));
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) real(L.srow + (r * 4 + c) * (v2 ? 8 : 4), spec.affine[r][c]);

  const body = Buffer.from(spec.data.buffer, spec.data.byteOffset, count * bytesPer);
  body.copy(out, voxOffset);
  if (!le && bytesPer > 1) {
    const region = out.subarray(voxOffset);
    if (bytesPer === 2) region.swap16();
    else if (bytesPer === 4) region.swap32();
    else region.swap64();
  }
  return spec.gzip ? gzipSync(out, { level: 6 }) : out;
}

/**
 * The NIfTI quaternion of an affine's rotation (nifti_mat44_to_quatern): zooms are the column
 * norms, a negative determinant goes into qfac, and the rotation is orthogonalised first.
 */
function toQuaternion(affine: Affine): { q: [number, number, number, number]; offset: number[]; qfac: number; zooms: number[] } {
  const cols = [0, 1, 2].map((c) => [affine[0][c], affine[1][c], affine[2][c]]);
  const zooms = cols.map((col) => Math.hypot(...col) || 1);
  const R = [0, 1, 2].map((r) => [0, 1, 2].map((c) => cols[c][r] / zooms[c]));
  const det =
    R[0][0] * (R[1][1] * R[2][2] - R[1][2] * R[2][1]) -
    R[0][1] * (R[1][0] * R[2][2] - R[1][2] * R[2][0]) +
    R[0][2] * (R[1][0] * R[2][1] - R[1][1] * R[2][0]);
  const qfac = det < 0 ? -1 : 1;
  if (qfac < 0) for (let r = 0; r < 3; r++) R[r][2] = -R[r][2];
  let a = R[0][0] + R[1][1] + R[2][2] + 1;
  let b: number;
  let c: number;
  let d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (R[2][1] - R[1][2])) / a;
    c = (0.25 * (R[0][2] - R[2][0])) / a;
    d = (0.25 * (R[1][0] - R[0][1])) / a;
  } else {
    const xd = 1 + R[0][0] - (R[1][1] + R[2][2]);
    const yd = 1 + R[1][1] - (R[0][0] + R[2][2]);
    const zd = 1 + R[2][2] - (R[0][0] + R[1][1]);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (R[0][1] + R[1][0])) / b;
      d = (0.25 * (R[0][2] + R[2][0])) / b;
      a = (0.25 * (R[2][1] - R[1][2])) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (R[0][1] + R[1][0])) / c;
      d = (0.25 * (R[1][2] + R[2][1])) / c;
      a = (0.25 * (R[0][2] - R[2][0])) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (R[0][2] + R[2][0])) / d;
      c = (0.25 * (R[1][2] + R[2][1])) / d;
      a = (0.25 * (R[1][0] - R[0][1])) / d;
    }
    if (a < 0) {
      a = -a;
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return { q: [a, b, c, d], offset: [affine[0][3], affine[1][3], affine[2][3]], qfac, zooms };
}
