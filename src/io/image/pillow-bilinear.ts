/**
 * Pillow's bilinear resample (Resample.c) in JavaScript, to the bit: per-axis triangle-filter
 * coefficients normalised and rounded to 22-bit fixed point, a horizontal pass into an 8-bit
 * intermediate, then a vertical pass, each sum rounded and clipped. Used for upsampled axes, where
 * libvips is both half a pixel off Pillow's centre convention and three times slower. The passes
 * run in the native addon (native/resample.c) where it was built, with the same tables and sums.
 */
import { nativeAddon, type MedbankAddon } from '../native-addon.js';

const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);

interface Coefficients {
  /** First input index per output index. */
  start: Int32Array;
  /** Number of taps per output index. */
  taps: Int32Array;
  /** `size` fixed-point weights per output index. */
  weights: Int32Array;
  size: number;
}

function coefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // bilinear support 1, widened when downsampling
  const size = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const taps = new Int32Array(outSize);
  const weights = new Int32Array(outSize * size);
  const w = new Float64Array(size);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      const d = Math.abs((x + xmin - center + 0.5) / filterScale);
      w[x] = d < 1 ? 1 - d : 0;
      total += w[x];
    }
    for (let x = 0; x < xmax; x++) {
      const v = total !== 0 ? w[x] / total : w[x];
      weights[xx * size + x] = v < 0 ? Math.trunc(-0.5 + v * (1 << PRECISION_BITS)) : Math.trunc(0.5 + v * (1 << PRECISION_BITS));
    }
    start[xx] = xmin;
    taps[xx] = xmax;
  }
  return { start, taps, weights, size };
}

function clip8(sum: number): number {
  const v = sum >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * Resamples interleaved 8-bit samples (`channels` per pixel) from inW×inH to outW×outH, in the
 * native addon unless `addon` is undefined.
 */
export function bilinearResample(
  src: Uint8Array,
  inW: number,
  inH: number,
  channels: number,
  outW: number,
  outH: number,
  addon: MedbankAddon | undefined = nativeAddon(),
): Buffer {
  const across = outW === inW ? src : horizontal(src, inW, inH, channels, outW, addon);
  if (outH === inH) return Buffer.from(across.buffer, across.byteOffset, across.byteLength);
  return vertical(across, outW * channels, inH, outH, addon);
}

/** Each output row from its input row: taps run over pixels, `channels` samples apart. */
function horizontal(src: Uint8Array, inW: number, inH: number, channels: number, outW: number, addon?: MedbankAddon): Uint8Array {
  const c = coefficients(inW, outW);
  if (addon) return addon.resampleHorizontal(src, inW, inH, channels, c.start, c.taps, c.weights, c.size);
  const out = new Uint8Array(outW * inH * channels);
  for (let y = 0; y < inH; y++) {
    const row = y * inW * channels;
    let o = y * outW * channels;
    for (let xx = 0; xx < outW; xx++) {
      const first = row + c.start[xx] * channels;
      const k = xx * c.size;
      const n = c.taps[xx];
      if (n === 2) {
        const w0 = c.weights[k];
        const w1 = c.weights[k + 1];
        for (let ch = 0; ch < channels; ch++, o++) out[o] = clip8(HALF + src[first + ch] * w0 + src[first + channels + ch] * w1);
        continue;
      }
      for (let ch = 0; ch < channels; ch++, o++) {
        let sum = HALF;
        for (let x = 0, p = first + ch; x < n; x++, p += channels) sum += src[p] * c.weights[k + x];
        out[o] = clip8(sum);
      }
    }
  }
  return out;
}

/** Each output row as a weighted sum of whole input rows (two or three when upsampling). */
function vertical(src: Uint8Array, stride: number, inH: number, outH: number, addon?: MedbankAddon): Buffer {
  const c = coefficients(inH, outH);
  if (addon) return addon.resampleVertical(src, stride, inH, 1, c.start, c.taps, c.weights, c.size);
  const out = Buffer.allocUnsafe(outH * stride);
  for (let yy = 0; yy < outH; yy++) {
    const n = c.taps[yy];
    const k = yy * c.size;
    const first = c.start[yy] * stride;
    const o = yy * stride;
    if (n === 2) {
      const w0 = c.weights[k];
      const w1 = c.weights[k + 1];
      for (let i = 0, a = first, b = first + stride; i < stride; i++, a++, b++) out[o + i] = clip8(HALF + src[a] * w0 + src[b] * w1);
    } else {
      for (let i = 0; i < stride; i++) {
        let sum = HALF;
        for (let y = 0, p = first + i; y < n; y++, p += stride) sum += src[p] * c.weights[k + y];
        out[o + i] = clip8(sum);
      }
    }
  }
  return out;
}
