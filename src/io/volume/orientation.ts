/**
 * Orientation: which raw voxel axis becomes which display axis. Volumes are reoriented to the
 * closest canonical RAS+ axes exactly as nibabel's `io_orientation` / `as_closest_canonical` do
 * (polar decomposition, then a greedy choice of the world axis each voxel axis moves along most),
 * and slices are laid out in the radiological convention: the patient's right on the image's
 * left (columns run toward the patient's left) and anterior at the top (rows run toward
 * posterior). No voxel data is copied: a slice is read through strides.
 */
import type { SliceMode } from '../../catalog/types.js';
import type { Affine, Volume } from './volume.js';

/** Per raw voxel axis: the world axis (0 = R, 1 = A, 2 = S) it runs along and its direction (+1 toward R/A/S). */
export type Orientation = { axis: number; sign: 1 | -1 }[];

export function ioOrientation(affine: Affine): Orientation {
  const cols = [0, 1, 2].map((c) => [affine[0][c], affine[1][c], affine[2][c]]);
  const units = cols.map((col) => {
    const n = Math.hypot(...col);
    return n === 0 ? col : col.map((v) => v / n);
  });
  // A degenerate axis (zero column, e.g. a 2D file) is completed to a right-handed frame.
  for (let k = 0; k < 3; k++) {
    if (units[k].every((v) => v === 0)) {
      const [a, b] = [units[(k + 1) % 3], units[(k + 2) % 3]];
      units[k] = cross(a, b);
      if (units[k].every((v) => v === 0)) units[k] = [0, 1, 2].map((r) => (r === k ? 1 : 0));
    }
  }
  const R = polarFactor([0, 1, 2].map((r) => [0, 1, 2].map((c) => units[c][r])));
  const out: Orientation = [];
  for (let inAx = 0; inAx < 3; inAx++) {
    let best = 0;
    for (let r = 1; r < 3; r++) if (Math.abs(R[r][inAx]) > Math.abs(R[best][inAx])) best = r;
    out.push({ axis: best, sign: R[best][inAx] < 0 ? -1 : 1 });
    R[best] = [0, 0, 0];
  }
  return out;
}

function cross(a: number[], b: number[]): number[] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

/** The orthogonal factor of the polar decomposition (SVD's U·Vᵀ) by Newton iteration X ← (X + X⁻ᵀ)/2. */
function polarFactor(m: number[][]): number[][] {
  let x = m.map((row) => [...row]);
  for (let iter = 0; iter < 100; iter++) {
    const invT = inverseTranspose(x);
    if (!invT) return x;
    const next = x.map((row, r) => row.map((v, c) => (v + invT[r][c]) / 2));
    const change = Math.max(...next.flatMap((row, r) => row.map((v, c) => Math.abs(v - x[r][c]))));
    x = next;
    if (change < 1e-15) break;
  }
  return x;
}

function inverseTranspose(m: number[][]): number[][] | undefined {
  const c = [
    [m[1][1] * m[2][2] - m[1][2] * m[2][1], m[1][2] * m[2][0] - m[1][0] * m[2][2], m[1][0] * m[2][1] - m[1][1] * m[2][0]],
    [m[0][2] * m[2][1] - m[0][1] * m[2][2], m[0][0] * m[2][2] - m[0][2] * m[2][0], m[0][1] * m[2][0] - m[0][0] * m[2][1]],
    [m[0][1] * m[1][2] - m[0][2] * m[1][1], m[0][2] * m[1][0] - m[0][0] * m[1][2], m[0][0] * m[1][1] - m[0][1] * m[1][0]],
  ];
  const det = m[0][0] * c[0][0] + m[0][1] * c[0][1] + m[0][2] * c[0][2];
  if (Math.abs(det) < 1e-12) return undefined;
  // The cofactor matrix divided by the determinant is the inverse transposed.
  return c.map((row) => row.map((v) => v / det));
}

/**
 * Where the pixels of a slice are: pixel (row r, column c) of raw slice k is voxel
 * `base + k·sliceStep + r·rowStep + c·colStep` (linear index, x fastest).
 */
export interface SliceGeometry {
  mode: SliceMode;
  /** Raw voxel axis the slices are cut along; slice indices count along it as stored. */
  sliceAxis: number;
  count: number;
  width: number;
  height: number;
  base: number;
  sliceStep: number;
  rowStep: number;
  colStep: number;
  /** Column spacing, row spacing, slice spacing (mm). */
  spacing: [number, number, number];
}

export function sliceGeometry(volume: Pick<Volume, 'dims' | 'affine' | 'spacing'>, mode: SliceMode): SliceGeometry {
  const { dims } = volume;
  const stride = [1, dims[0], dims[0] * dims[1]];
  let colAxis = 0;
  let rowAxis = 1;
  let sliceAxis = 2;
  let colFlip = false;
  let rowFlip = false;
  if (mode === 'axial') {
    const ornt = ioOrientation(volume.affine);
    const along = (world: number) => ornt.findIndex((o) => o.axis === world);
    [colAxis, rowAxis, sliceAxis] = [along(0), along(1), along(2)];
    // Columns run toward the patient's left (-R), rows toward posterior (-A).
    colFlip = ornt[colAxis].sign > 0;
    rowFlip = ornt[rowAxis].sign > 0;
  } else if (mode === 'stack') {
    ({ colAxis, rowAxis, colFlip, rowFlip } = stackInPlane(volume.affine));
  }
  const colStep = colFlip ? -stride[colAxis] : stride[colAxis];
  const rowStep = rowFlip ? -stride[rowAxis] : stride[rowAxis];
  const base = (colFlip ? (dims[colAxis] - 1) * stride[colAxis] : 0) + (rowFlip ? (dims[rowAxis] - 1) * stride[rowAxis] : 0);
  return {
    mode,
    sliceAxis,
    count: dims[sliceAxis],
    width: dims[colAxis],
    height: dims[rowAxis],
    base,
    sliceStep: stride[sliceAxis],
    rowStep,
    colStep,
    spacing: [volume.spacing[colAxis], volume.spacing[rowAxis], volume.spacing[sliceAxis]],
  };
}

/**
 * In-plane layout of an oblique stack (cardiac short axis): of the eight ways to lay raw axes 0
 * and 1 on columns and rows, the one whose columns point most toward the patient's left and whose
 * rows point most toward posterior-inferior (anterior wall at the top, right ventricle on the left).
 */
function stackInPlane(affine: Affine): { colAxis: number; rowAxis: number; colFlip: boolean; rowFlip: boolean } {
  const unit = (k: number) => {
    const v = [affine[0][k], affine[1][k], affine[2][k]];
    const n = Math.hypot(...v) || 1;
    return v.map((x) => x / n);
  };
  const towardLeft = [-1, 0, 0];
  const towardPosteriorInferior = [0, -Math.SQRT1_2, -Math.SQRT1_2];
  const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  let best = { score: -Infinity, colAxis: 0, rowAxis: 1, colFlip: false, rowFlip: false };
  for (const [colAxis, rowAxis] of [
    [0, 1],
    [1, 0],
  ]) {
    for (const colFlip of [false, true]) {
      for (const rowFlip of [false, true]) {
        const col = unit(colAxis).map((v) => (colFlip ? -v : v));
        const row = unit(rowAxis).map((v) => (rowFlip ? -v : v));
        const score = dot(col, towardLeft) + dot(row, towardPosteriorInferior);
        if (score > best.score + 1e-9) best = { score, colAxis, rowAxis, colFlip, rowFlip };
      }
    }
  }
  return best;
}

/**
 * The voxels reoriented to the closest canonical RAS+ axes (nibabel's `as_closest_canonical`),
 * written into `out` (optionally through `map`, e.g. label to 0/1); returns the new grid and affine.
 */
export function toClosestCanonical(
  volume: Pick<Volume, 'dims' | 'affine' | 'data'>,
  out: Volume['data'],
  map?: (raw: number) => number,
): { dims: [number, number, number]; affine: Affine } {
  const ornt = ioOrientation(volume.affine);
  const { dims, affine, data } = volume;
  const stride = [1, dims[0], dims[0] * dims[1]];
  const rawOf = [0, 1, 2].map((w) => ornt.findIndex((o) => o.axis === w));
  const newDims = rawOf.map((a) => dims[a]) as [number, number, number];
  const step = rawOf.map((a) => (ornt[a].sign > 0 ? stride[a] : -stride[a]));
  const start = rawOf.reduce((s, a) => s + (ornt[a].sign > 0 ? 0 : (dims[a] - 1) * stride[a]), 0);
  let o = 0;
  for (let z = 0; z < newDims[2]; z++) {
    for (let y = 0; y < newDims[1]; y++) {
      let i = start + z * step[2] + y * step[1];
      if (map) for (let x = 0; x < newDims[0]; x++, i += step[0]) out[o++] = map(data[i]);
      else for (let x = 0; x < newDims[0]; x++, i += step[0]) out[o++] = data[i];
    }
  }
  const newAffine: Affine = [0, 1, 2].map((r) => {
    const row = rawOf.map((a) => ornt[a].sign * affine[r][a]);
    const shift = rawOf.reduce((s, a) => s + (ornt[a].sign > 0 ? 0 : affine[r][a] * (dims[a] - 1)), 0);
    return [...row, affine[r][3] + shift];
  });
  newAffine.push([0, 0, 0, 1]);
  return { dims: newDims, affine: newAffine };
}
