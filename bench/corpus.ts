/**
 * The benchmark corpus, deterministic from a seed: photo-like pictures (smooth shading, blobs and
 * fine grain, so PNG sizes are realistic) at the sizes the real sources ship, with binary masks.
 * The same pixels are written twice: as a raw tree in the sources' native layouts for
 * `medbank build` (PNG and JPEG inputs), and as a MedBank-layout tree for the README's
 * preprocess script and `medbank preprocess`.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { rng, writeImage, writeText } from '../src/fixtures/draw.js';

/** One kind of input: a size as a real source ships it, its raw layout and its file format. */
export interface Shape {
  source: 'CVC-ClinicDB' | 'CVC-ColonDB' | 'Kvasir-SEG' | 'ISIC2018';
  task: string;
  width: number;
  height: number;
  format: 'png' | 'jpg';
}

export const SHAPES: Shape[] = [
  { source: 'CVC-ColonDB', task: 'Polyp_EN_8', width: 574, height: 500, format: 'png' },
  { source: 'Kvasir-SEG', task: 'Polyp_EN_6', width: 1280, height: 1024, format: 'jpg' },
  { source: 'ISIC2018', task: 'SkinLesion_DS_5', width: 2124, height: 2056, format: 'jpg' },
  { source: 'CVC-ClinicDB', task: 'Polyp_EN_7', width: 384, height: 288, format: 'png' },
  { source: 'ISIC2018', task: 'SkinLesion_DS_5', width: 1072, height: 1424, format: 'jpg' },
];

/** Of every 20 pairs: 6 + 6 + 3 + 2 + 3 (the mix of small PNG frames and large JPEG photographs). */
const MIX = [6, 6, 3, 2, 3];

export function shapeOf(i: number): Shape {
  let k = i % 20;
  for (const [s, n] of MIX.entries()) {
    if (k < n) return SHAPES[s];
    k -= n;
  }
  return SHAPES[0];
}

/** A photo-like RGB picture: shaded background, soft blobs, vignette and fine grain. */
export function photo(width: number, height: number, seed: number): Uint8Array {
  const rand = rng(seed);
  const axis = (n: number, centre: number, sigma: number) =>
    Float32Array.from({ length: n }, (_, i) => Math.exp(-(((i - centre) / sigma) ** 2) / 2));
  const blobs = Array.from({ length: 7 }, () => ({
    gx: axis(width, rand() * width, (0.05 + rand() * 0.2) * width),
    gy: axis(height, rand() * height, (0.05 + rand() * 0.2) * height),
    tint: [rand() * 120 - 60, rand() * 120 - 60, rand() * 120 - 60],
  }));
  const base = [90 + rand() * 80, 60 + rand() * 60, 50 + rand() * 60];
  const fx = (1 + rand() * 3) / width;
  const fy = (1 + rand() * 3) / height;
  const out = new Uint8Array(width * height * 3);
  let grain = 0;
  for (let y = 0; y < height; y++) {
    const vy = (y / height - 0.5) ** 2;
    for (let x = 0; x < width; x++) {
      const vignette = 1 - 1.2 * ((x / width - 0.5) ** 2 + vy);
      const wave = 14 * Math.sin(6.283 * (x * fx + y * fy));
      // Correlated grain: a random walk pulled back to zero, like sensor noise after demosaicing.
      grain = grain * 0.6 + (rand() - 0.5) * 9;
      for (let c = 0; c < 3; c++) {
        let v = base[c] + wave;
        for (const b of blobs) v += b.tint[c] * b.gx[x] * b.gy[y];
        v = v * vignette + grain;
        out[(y * width + x) * 3 + c] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return out;
}

/**
 * Adds Gaussian noise of standard deviation `sigma` grey levels to every sample (rounded, clipped):
 * sensor-like noise as in ultrasound speckle or CT, which deflate cannot predict away.
 */
export function addNoise(pixels: Uint8Array, sigma: number, seed: number): Uint8Array {
  const rand = rng(seed ^ 0x2545f491);
  for (let i = 0; i < pixels.length; i += 2) {
    // Box-Muller: two independent normal deviates from two uniform ones.
    const r = sigma * Math.sqrt(-2 * Math.log(1 - rand()));
    const t = 2 * Math.PI * rand();
    for (const [k, z] of [
      [i, r * Math.cos(t)],
      [i + 1, r * Math.sin(t)],
    ]) {
      if (k >= pixels.length) break;
      const v = Math.round(pixels[k] + z);
      pixels[k] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return pixels;
}

/** A binary 0/255 mask: a lesion-like union of two overlapping ellipses. */
export function lesion(width: number, height: number, seed: number): Uint8Array {
  const rand = rng(seed ^ 0x5bd1e995);
  const cx = width * (0.3 + rand() * 0.4);
  const cy = height * (0.3 + rand() * 0.4);
  const parts = [
    [cx, cy, width * (0.08 + rand() * 0.15), height * (0.08 + rand() * 0.15)],
    [
      cx + width * (rand() - 0.5) * 0.15,
      cy + height * (rand() - 0.5) * 0.15,
      width * (0.05 + rand() * 0.1),
      height * (0.05 + rand() * 0.1),
    ],
  ];
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (const [ex, ey, rx, ry] of parts) if (((x + 0.5 - ex) / rx) ** 2 + ((y + 0.5 - ey) / ry) ** 2 <= 1) out[y * width + x] = 255;
  return out;
}

export interface Corpus {
  raw: string;
  tree: string;
  pairs: number;
  /** Input bytes by format. */
  inputs: Record<'png' | 'jpg', { files: number; bytes: number }>;
}

function rawPaths(shape: Shape, i: number): { image: string; mask: string } {
  const n = i + 1;
  switch (shape.source) {
    case 'CVC-ColonDB':
      return { image: `CVC-ColonDB/images/${n}.png`, mask: `CVC-ColonDB/masks/${n}.png` };
    case 'CVC-ClinicDB':
      return { image: `CVC-ClinicDB/PNG/Original/${n}.png`, mask: `CVC-ClinicDB/PNG/Ground Truth/${n}.png` };
    case 'Kvasir-SEG':
      return {
        image: `Kvasir-SEG/Kvasir-SEG/images/bench${String(n).padStart(6, '0')}.jpg`,
        mask: `Kvasir-SEG/Kvasir-SEG/masks/bench${String(n).padStart(6, '0')}.jpg`,
      };
    case 'ISIC2018': {
      const id = `ISIC_${String(n).padStart(7, '0')}`;
      return {
        image: `ISIC2018/ISIC2018_Task1-2_Training_Input/${id}.jpg`,
        mask: `ISIC2018/ISIC2018_Task1_Training_GroundTruth/${id}_segmentation.png`,
      };
    }
  }
}

/**
 * Writes `pairs` image/mask pairs into `<dir>/raw` (native layouts) and `<dir>/tree` (MedBank
 * layout, `<Task>/images/<name>.png`, `<Task>/masks/<name>.png`, split files). A JPEG input's tree
 * copy holds its decoded pixels as PNG: the README script saves each output under its input's
 * name, so a `.jpg` pair would come back as lossy JPEG (masks included) and no byte count would
 * be comparable; a MedBank tree holds PNGs.
 * `shapes` narrows the mix and `withTree` false skips the MedBank-layout copy (the memory runs
 * build small frames only). `noise` > 0 adds Gaussian noise of that sigma to every picture before
 * it is saved (the noisy corpus).
 */
export async function writeCorpus(
  dir: string,
  pairs: number,
  seed = 1,
  shapes?: (i: number) => Shape,
  withTree = true,
  noise = 0,
): Promise<Corpus> {
  const raw = path.join(dir, 'raw');
  const tree = path.join(dir, 'tree');
  const inputs = { png: { files: 0, bytes: 0 }, jpg: { files: 0, bytes: 0 } };
  const names = new Map<string, string[]>();
  for (let i = 0; i < pairs; i++) {
    const shape = (shapes ?? shapeOf)(i);
    const { width, height } = shape;
    const pixels = photo(width, height, seed * 100003 + i);
    if (noise > 0) addNoise(pixels, noise, seed * 100003 + i);
    const mask = lesion(width, height, seed * 100003 + i);
    const files = rawPaths(shape, i);
    const imageFile = path.join(raw, files.image);
    await writeImage(imageFile, pixels, width, height, 3, shape.format);
    // Kvasir-SEG ships lossy JPEG masks; the others binary PNGs.
    if (shape.source === 'Kvasir-SEG') await writeImage(path.join(raw, files.mask), mask, width, height, 1, 'jpg');
    else await writeImage(path.join(raw, files.mask), mask, width, height, 1, 'png');
    if (withTree) {
      const decoded = shape.format === 'png' ? pixels : await sharp(imageFile).removeAlpha().raw().toBuffer();
      const name = `${path
        .basename(files.image)
        .replace(/\.[a-z]+$/, '')
        .toLowerCase()}_${i}`;
      await writeImage(path.join(tree, shape.task, 'images', `${name}.png`), decoded, width, height, 3, 'png');
      await writeImage(path.join(tree, shape.task, 'masks', `${name}.png`), mask, width, height, 1, 'png');
      names.set(shape.task, [...(names.get(shape.task) ?? []), `${name}.png`]);
    }
    inputs[shape.format].files++;
    inputs[shape.format].bytes += (await stat(imageFile)).size;
  }
  for (const [task, list] of names) await writeText(path.join(tree, task, 'train.txt'), `${list.sort().join('\n')}\n`);
  return { raw, tree, pairs, inputs };
}
