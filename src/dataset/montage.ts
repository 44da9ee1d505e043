/**
 * A montage per task (as MedMNIST shows its datasets): a grid of seeded random samples, each image
 * scaled to a tile with its mask outline drawn in red, so a glance shows whether masks sit on
 * their structures. sharp is loaded when a montage is drawn, not when the CLI starts.
 */
import type SharpConstructor from 'sharp';
import type { Sample } from './open.js';

export interface MontageOptions {
  tile: number;
  columns: number;
  count: number;
  seed: string;
}

export const DEFAULT_MONTAGE: MontageOptions = { tile: 128, columns: 4, count: 16, seed: 'medbank' };

const GAP = 2;
const OUTLINE = [255, 32, 32];
const BACKGROUND = 24;

/** Samples in a seeded, stable pseudo-random order: a montage shows the same samples on every run. */
export function pickSamples(samples: Sample[], count: number, seed: string): Sample[] {
  const key = (s: Sample) => {
    let h = 2166136261;
    for (const c of `${seed}/${s.task}/${s.name}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
    return h >>> 0;
  };
  return samples
    .map((s) => ({ s, k: key(s) }))
    .sort((a, b) => a.k - b.k || (a.s.name < b.s.name ? -1 : 1))
    .slice(0, count)
    .map((x) => x.s);
}

/** Paints mask pixels that touch the background (or the tile edge) onto an RGB tile. */
export function drawOutline(rgb: Uint8Array, mask: Uint8Array, size: number): void {
  const fg = (x: number, y: number) => x >= 0 && y >= 0 && x < size && y < size && mask[y * size + x] > 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!fg(x, y) || (fg(x - 1, y) && fg(x + 1, y) && fg(x, y - 1) && fg(x, y + 1))) continue;
      rgb.set(OUTLINE, (y * size + x) * 3);
    }
  }
}

async function tile(sharp: typeof SharpConstructor, sample: Sample, size: number): Promise<Uint8Array | undefined> {
  try {
    const image = await sharp(sample.imagePath)
      .resize(size, size, { fit: 'fill' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    const mask = await sharp(sample.maskPath)
      .resize(size, size, { fit: 'fill', kernel: 'nearest' })
      .toColourspace('b-w')
      .extractChannel(0)
      .raw()
      .toBuffer();
    const rgb = new Uint8Array(image.data);
    drawOutline(rgb, new Uint8Array(mask), size);
    return rgb;
  } catch {
    // A sample that does not decode is left out of the picture; `medbank validate` reports it.
    return undefined;
  }
}

/** The montage PNG and the samples it shows, in grid order. */
export async function renderMontage(samples: Sample[], o: MontageOptions = DEFAULT_MONTAGE): Promise<{ png: Buffer; shown: Sample[] }> {
  const { default: sharp } = await import('../io/image/sharp.js');
  const shown: Sample[] = [];
  const tiles: Uint8Array[] = [];
  for (const s of pickSamples(samples, samples.length, o.seed)) {
    if (tiles.length === o.count) break;
    const t = await tile(sharp, s, o.tile);
    if (!t) continue;
    tiles.push(t);
    shown.push(s);
  }
  const columns = Math.max(1, Math.min(o.columns, tiles.length));
  const rows = Math.max(1, Math.ceil(tiles.length / columns));
  const width = columns * o.tile + (columns + 1) * GAP;
  const height = rows * o.tile + (rows + 1) * GAP;
  const canvas = new Uint8Array(width * height * 3).fill(BACKGROUND);
  tiles.forEach((t, i) => {
    const left = GAP + (i % columns) * (o.tile + GAP);
    const top = GAP + Math.floor(i / columns) * (o.tile + GAP);
    for (let y = 0; y < o.tile; y++) canvas.set(t.subarray(y * o.tile * 3, (y + 1) * o.tile * 3), ((top + y) * width + left) * 3);
  });
  const png = await sharp(canvas, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
  return { png, shown };
}
