/**
 * Voxel values to 8-bit grey (DESIGN.md §5). CT: a window, clipped:
 * grey = round(255 · (v − (level − width/2)) / width), 0 below, 255 above (round half up).
 * MRI and echo: the same linear map between the 0.5th and 99.5th percentiles of the volume's
 * non-zero voxels (numpy's linear interpolation between order statistics).
 */
import type { VolumeIntensity } from '../../catalog/types.js';
import type { IntensityTransform } from '../../contract/manifest.js';
import type { Volume, VoxelArray } from '../../io/volume/volume.js';

/** Grey value of `v` on the linear ramp from `lo` (0) to `hi` (255), clipped; a flat ramp gives 0. */
export function rampGrey(v: number, lo: number, hi: number): number {
  if (!(hi > lo)) return 0;
  const g = ((v - lo) / (hi - lo)) * 255;
  return g <= 0 ? 0 : g >= 255 ? 255 : Math.floor(g + 0.5);
}

export function windowBounds(level: number, width: number): { lo: number; hi: number } {
  return { lo: level - width / 2, hi: level + width / 2 };
}

/** A resolved intensity map for one volume: the manifest record and the ramp's ends. */
export interface GreyMap {
  record: IntensityTransform;
  lo: number;
  hi: number;
}

export function resolveIntensity(volume: Volume, intensity: VolumeIntensity): GreyMap {
  if (intensity.kind === 'window') {
    const { lo, hi } = windowBounds(intensity.level, intensity.width);
    return { record: { kind: 'window', level: intensity.level, width: intensity.width }, lo, hi };
  }
  const [lowValue, highValue] = nonZeroPercentiles(volume, [intensity.low, intensity.high]);
  return {
    record: { kind: 'percentile-volume', low: intensity.low, high: intensity.high, lowValue, highValue },
    lo: lowValue,
    hi: highValue,
  };
}

/** Percentiles of the non-zero (scaled) voxel values, as numpy.percentile's default. */
export function nonZeroPercentiles(volume: Pick<Volume, 'data' | 'slope' | 'inter'>, ps: number[]): number[] {
  const { data, slope, inter } = volume;
  const histogram = data instanceof Uint8Array || data instanceof Int8Array || data instanceof Int16Array || data instanceof Uint16Array;
  if (histogram && slope > 0) return histogramPercentiles(data, slope, inter, ps);
  let n = 0;
  for (let i = 0; i < data.length; i++) if (data[i] * slope + inter !== 0) n++;
  const values = new Float64Array(n);
  for (let i = 0, j = 0; i < data.length; i++) {
    const v = data[i] * slope + inter;
    if (v !== 0) values[j++] = v;
  }
  values.sort();
  return ps.map((p) => {
    if (n === 0) return 0;
    const pos = ((n - 1) * p) / 100;
    const i = Math.floor(pos);
    return i + 1 < n ? values[i] + (values[i + 1] - values[i]) * (pos - i) : values[i];
  });
}

/** Exact order statistics of ≤16-bit data from a histogram, without sorting a copy of the volume. */
function histogramPercentiles(
  data: Uint8Array | Int8Array | Int16Array | Uint16Array,
  slope: number,
  inter: number,
  ps: number[],
): number[] {
  const shift = data instanceof Int8Array ? 128 : data instanceof Int16Array ? 32768 : 0;
  const counts = new Float64Array(65536);
  for (let i = 0; i < data.length; i++) counts[data[i] + shift]++;
  for (let b = 0; b < counts.length; b++) if ((b - shift) * slope + inter === 0) counts[b] = 0;
  const n = counts.reduce((a, b) => a + b, 0);
  // The value of the k-th smallest non-zero voxel (0-based).
  const kth = (k: number): number => {
    let seen = 0;
    for (let b = 0; b < counts.length; b++) {
      seen += counts[b];
      if (seen > k) return (b - shift) * slope + inter;
    }
    return 0;
  };
  return ps.map((p) => {
    if (n === 0) return 0;
    const pos = ((n - 1) * p) / 100;
    const i = Math.floor(pos);
    const a = kth(i);
    return i + 1 < n ? a + (kth(i + 1) - a) * (pos - i) : a;
  });
}

/** Where a slice's pixels are in the voxel array (see SliceGeometry). */
export interface PlaneAt {
  base: number;
  rowStep: number;
  colStep: number;
  width: number;
  height: number;
}

/** Writes one slice as 8-bit values `f(raw sample)` into `out`; returns the sum of the values written. */
export type PlaneSampler = (at: PlaneAt, out: Uint8Array) => number;

/** Grey slices of `volume` under `map`. */
export function greySampler(volume: Pick<Volume, 'data' | 'slope' | 'inter'>, map: Pick<GreyMap, 'lo' | 'hi'>): PlaneSampler {
  const { slope, inter } = volume;
  return sampler(volume.data, (raw) => rampGrey(raw * slope + inter, map.lo, map.hi));
}

/** Binary slices (1 where the voxel's label is one of `labels`); the sum is the foreground count. */
export function labelSampler(volume: Pick<Volume, 'data' | 'slope' | 'inter'>, labels: readonly number[]): PlaneSampler {
  const { slope, inter } = volume;
  const set = new Set(labels);
  return sampler(volume.data, (raw) => (set.has(Math.round(raw * slope + inter)) ? 1 : 0));
}

/** Small integer types go through a lookup table of every possible sample value, built once. */
function sampler(data: VoxelArray, f: (raw: number) => number): PlaneSampler {
  const lut = lookupTable(data, f);
  return (at, out) => {
    let sum = 0;
    for (let r = 0, o = 0; r < at.height; r++) {
      let i = at.base + r * at.rowStep;
      if (lut) {
        const { table, shift } = lut;
        for (let c = 0; c < at.width; c++, i += at.colStep) sum += out[o++] = table[data[i] + shift];
      } else for (let c = 0; c < at.width; c++, i += at.colStep) sum += out[o++] = f(data[i]);
    }
    return sum;
  };
}

function lookupTable(data: VoxelArray, f: (raw: number) => number): { table: Uint8Array; shift: number } | undefined {
  let size: number;
  let shift: number;
  if (data instanceof Uint8Array) [size, shift] = [256, 0];
  else if (data instanceof Int8Array) [size, shift] = [256, 128];
  else if (data instanceof Uint16Array) [size, shift] = [65536, 0];
  else if (data instanceof Int16Array) [size, shift] = [65536, 32768];
  else return undefined;
  const table = new Uint8Array(size);
  for (let b = 0; b < size; b++) table[b] = f(b - shift);
  return { table, shift };
}
