/**
 * Instances and prompts of a mask: 8-connected components (with a minimum area), the tight box of
 * each, and a positive point deterministically inside it (the pixel farthest from the object's
 * boundary, by an exact Euclidean distance transform), so evaluation prompts are reproducible.
 * Foreground is every non-zero pixel; the image border counts as boundary.
 */

/** Inclusive pixel bounds [x0, y0, x1, y1], as the manifest's `bbox`. */
export type Box = [number, number, number, number];
/** Pixel [x, y]. */
export type Point = [number, number];

export interface ObjectPrompt {
  /** Foreground pixels. */
  area: number;
  box: Box;
  /** The foreground pixel farthest from the background (on ties nearest the box centre, then first in raster order). */
  point: Point;
}

export interface Instance extends ObjectPrompt {
  /** This component alone, width × height, 0/255. */
  mask: Uint8Array;
}

export interface MaskPrompts {
  width: number;
  height: number;
  /** The whole mask as one object (null when empty). */
  object: ObjectPrompt | null;
  /** Components of at least `minArea` pixels, in raster order of their first pixel. */
  instances: Instance[];
  /** Components left out for being smaller than `minArea`. */
  smallDropped: number;
}

export interface Components {
  /** Per pixel: 0 background, else the component number (1-based, raster order of first pixel). */
  labels: Int32Array;
  /** Pixels per component, index = component number - 1. */
  areas: number[];
}

/** 8-connected components of the non-zero pixels. */
export function connectedComponents(mask: Uint8Array, width: number, height: number): Components {
  const labels = new Int32Array(width * height);
  const areas: number[] = [];
  const stack = new Int32Array(width * height);
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    const id = areas.length + 1;
    let top = 0;
    let area = 0;
    stack[top++] = start;
    labels[start] = id;
    while (top) {
      const p = stack[--top];
      area++;
      const x = p % width;
      const y = (p - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const q = ny * width + nx;
          if (mask[q] && !labels[q]) {
            labels[q] = id;
            stack[top++] = q;
          }
        }
      }
    }
    areas.push(area);
  }
  return { labels, areas };
}

/** Tight box of the pixels where `inside(i)`; undefined when there are none. */
function boxOf(width: number, height: number, inside: (i: number) => boolean): Box | undefined {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0, i = 0; y < height; y++)
    for (let x = 0; x < width; x++, i++)
      if (inside(i)) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        y1 = y;
      }
  return x1 < 0 ? undefined : [x0, y0, x1, y1];
}

/** Stands for "no zero seen yet": finite, so the envelope arithmetic stays defined. */
const FAR = 1e20;

/**
 * Squared Euclidean distance to the nearest zero of `f` along one line (Felzenszwalb and
 * Huttenlocher's lower envelope of parabolas), read from and written back to a strided grid.
 */
function distance1d(d: Float64Array, offset: number, stride: number, n: number, v: Int32Array, z: Float64Array, f: Float64Array): void {
  for (let i = 0; i < n; i++) f[i] = d[offset + i * stride];
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  const meet = (q: number, p: number) => (f[q] + q * q - (f[p] + p * p)) / (2 * q - 2 * p);
  for (let q = 1; q < n; q++) {
    let s = meet(q, v[k]);
    while (s <= z[k]) s = meet(q, v[--k]);
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    d[offset + q * stride] = (q - v[k]) * (q - v[k]) + f[v[k]];
  }
}

/**
 * The pixel of the object inside `box` (where `inside(x, y)`) farthest from any pixel outside it,
 * the image border included: the distance transform runs over the box grown by one pixel of
 * background on each side.
 */
function innermostPoint(box: Box, inside: (x: number, y: number) => boolean): Point {
  const w = box[2] - box[0] + 3;
  const h = box[3] - box[1] + 3;
  const d = new Float64Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const ix = x - 1 + box[0];
      const iy = y - 1 + box[1];
      const inBox = x > 0 && y > 0 && x < w - 1 && y < h - 1;
      d[y * w + x] = inBox && inside(ix, iy) ? FAR : 0;
    }
  const n = Math.max(w, h);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  const f = new Float64Array(n);
  for (let x = 0; x < w; x++) distance1d(d, x, w, h, v, z, f);
  for (let y = 0; y < h; y++) distance1d(d, y * w, 1, w, v, z, f);
  // Ties (a straight band is equally deep along its middle) go to the pixel nearest the box centre, then raster order.
  const cx = (box[0] + box[2]) / 2;
  const cy = (box[1] + box[3]) / 2;
  let best = -1;
  let bestOff = Infinity;
  let point: Point = [box[0], box[1]];
  for (let y = 1; y < h - 1; y++)
    for (let x = 1; x < w - 1; x++) {
      const value = d[y * w + x];
      if (value < best) continue;
      const px = x - 1 + box[0];
      const py = y - 1 + box[1];
      const off = (px - cx) ** 2 + (py - cy) ** 2;
      if (value > best || off < bestOff) {
        best = value;
        bestOff = off;
        point = [px, py];
      }
    }
  return point;
}

/** Box and inner point of the non-zero pixels of `mask`; null when it is empty. */
export function objectPrompt(mask: Uint8Array, width: number, height: number): ObjectPrompt | null {
  const box = boxOf(width, height, (i) => mask[i] !== 0);
  if (!box) return null;
  let area = 0;
  for (const v of mask) if (v) area++;
  return { area, box, point: innermostPoint(box, (x, y) => mask[y * width + x] !== 0) };
}

/** The whole-mask prompt and the instances (components of at least `minArea` pixels) of a mask. */
export function maskPrompts(mask: Uint8Array, width: number, height: number, options: { minArea?: number } = {}): MaskPrompts {
  if (mask.length !== width * height) throw new Error(`mask holds ${mask.length} pixels, expected ${width}×${height}`);
  const minArea = options.minArea ?? 1;
  const { labels, areas } = connectedComponents(mask, width, height);
  const instances: Instance[] = [];
  let smallDropped = 0;
  areas.forEach((area, index) => {
    const id = index + 1;
    if (area < minArea) {
      smallDropped++;
      return;
    }
    const box = boxOf(width, height, (i) => labels[i] === id)!;
    const alone = new Uint8Array(width * height);
    for (let y = box[1]; y <= box[3]; y++)
      for (let x = box[0]; x <= box[2]; x++) if (labels[y * width + x] === id) alone[y * width + x] = 255;
    instances.push({ area, box, point: innermostPoint(box, (x, y) => labels[y * width + x] === id), mask: alone });
  });
  return { width, height, object: objectPrompt(mask, width, height), instances, smallDropped };
}
