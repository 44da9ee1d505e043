/**
 * NumPy `.npz` archives: a zip (fflate, deflated) of `.npy` members, each a version 1.0 header (the
 * dtype, C order and shape as a Python dict literal, padded to 64 bytes) followed by the raw
 * little-endian data, as `numpy.load` reads them. Timestamps are fixed so equal arrays give equal bytes.
 */
import { zipSync } from 'fflate';

export interface NpyArray {
  /** numpy dtype string: `|u1` (uint8), `<f8` (float64). */
  descr: '|u1' | '<f8';
  shape: number[];
  data: Uint8Array | Float64Array;
}

const MAGIC = [0x93, ...Buffer.from('NUMPY'), 1, 0];
const ZIP_TIME = new Date(Date.UTC(1980, 0, 2));

export function encodeNpy(array: NpyArray): Uint8Array {
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (array.data.length !== count) throw new Error(`npy: ${array.data.length} values for shape (${array.shape.join(', ')})`);
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  let header = `{'descr': '${array.descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = MAGIC.length + 2 + header.length + 1;
  header = `${header}${' '.repeat((64 - (unpadded % 64)) % 64)}\n`;
  const body = new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  const out = new Uint8Array(MAGIC.length + 2 + header.length + body.length);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint16(MAGIC.length, header.length, true);
  out.set(Buffer.from(header, 'latin1'), MAGIC.length + 2);
  out.set(body, MAGIC.length + 2 + header.length);
  return out;
}

/** An `.npz` of named arrays (`np.load(f)[name]`). */
export function encodeNpz(arrays: Record<string, NpyArray>): Uint8Array {
  const members = Object.fromEntries(Object.entries(arrays).map(([name, a]) => [`${name}.npy`, encodeNpy(a)]));
  return zipSync(members, { level: 6, mtime: ZIP_TIME });
}
