/**
 * Measures the difference-hash distances that the build's thresholds rest on (splits.ts): between
 * each real 2D sample of ../shared/samples and copies made of it (re-saved JPEG, re-scaled,
 * cropped: the copies BUSI holds; shifted and zoomed windows: neighbouring video frames), and
 * between distinct images of one source.
 *
 *   npm run build && node dist/bench/dhash-threshold.js [samples-dir]
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sharp } from 'sharp';
import sharp from '../src/io/image/sharp.js';
import { hammingDistance, pixelDifferenceHash } from '../src/io/image/perceptual-hash.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const samples = process.argv[2] ?? path.resolve(here, '..', '..', '..', 'shared', 'samples');
if (!existsSync(samples)) {
  console.error(`no samples at ${samples}: pass the folder of the shared samples`);
  process.exit(1);
}

/** Raw images of the 2D sources with several images (masks and labels left out). */
function images(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) {
      if (!/masks?$|labels|GroundTruth/i.test(entry)) out.push(...images(full));
    } else if (/\.(png|jpe?g|tif)$/i.test(entry) && !/_mask|_label/i.test(entry)) out.push(full);
  }
  return out.sort();
}

async function hashOf(img: Sharp): Promise<string> {
  const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return pixelDifferenceHash(data, info.width, info.height, info.channels);
}

/** A window of `w`×`h` of the image, its corner at (`x`, `y`) as shares of the size. */
function window(file: string, width: number, height: number, x: number, y: number, w: number, h: number): Sharp {
  const rect = { left: Math.round(x * width), top: Math.round(y * height), width: Math.round(w * width), height: Math.round(h * height) };
  return sharp(file).extract(rect);
}

/** A copy and what it is compared with: the whole image, or for a video frame its neighbour's window. */
type Copy = [string, (file: string, width: number, height: number) => Promise<Sharp>, Base?];
type Base = [number, number, number, number];
const CENTRE: Base = [0.05, 0.05, 0.9, 0.9];
const COPIES: Copy[] = [
  ['JPEG q90', async (f) => sharp(await sharp(f).jpeg({ quality: 90 }).toBuffer())],
  ['JPEG q50', async (f) => sharp(await sharp(f).jpeg({ quality: 50 }).toBuffer())],
  [
    'scaled 0.5',
    async (f, w, h) =>
      sharp(
        await sharp(f)
          .resize(Math.round(w / 2), Math.round(h / 2))
          .png()
          .toBuffer(),
      ),
  ],
  [
    'scaled 1.6',
    async (f, w, h) =>
      sharp(
        await sharp(f)
          .resize(Math.round(w * 1.6), Math.round(h * 1.6))
          .png()
          .toBuffer(),
      ),
  ],
  ['crop 1% each side', async (f, w, h) => window(f, w, h, 0.01, 0.01, 0.98, 0.98)],
  ['crop 2% each side', async (f, w, h) => window(f, w, h, 0.02, 0.02, 0.96, 0.96)],
  ['crop 3% one side', async (f, w, h) => window(f, w, h, 0.03, 0, 0.97, 1)],
  ['crop 5% one side', async (f, w, h) => window(f, w, h, 0.05, 0, 0.95, 1)],
  ['frame: shift 1%', async (f, w, h) => window(f, w, h, 0.06, 0.055, 0.9, 0.9), CENTRE],
  ['frame: shift 2%', async (f, w, h) => window(f, w, h, 0.07, 0.06, 0.9, 0.9), CENTRE],
  ['frame: shift 4%', async (f, w, h) => window(f, w, h, 0.09, 0.07, 0.9, 0.9), CENTRE],
  ['frame: zoom 4%', async (f, w, h) => window(f, w, h, 0.068, 0.068, 0.864, 0.864), CENTRE],
];

const sources = readdirSync(samples).filter((s) => ['BUSI', 'COVID-QU-Ex', 'Kvasir-SEG', 'CellSeg'].includes(s));
const rows = new Map<string, string[]>(COPIES.map(([name]) => [name, []]));
const distinct: string[] = [];
for (const source of sources) {
  const files = images(path.join(samples, source));
  const hashes: string[] = [];
  const worst = new Map<string, number>();
  for (const file of files) {
    const { width, height } = await sharp(file).metadata();
    const hash = await hashOf(sharp(file));
    hashes.push(hash);
    for (const [name, make, base] of COPIES) {
      const reference = base ? await hashOf(window(file, width!, height!, ...base)) : hash;
      const bits = hammingDistance(reference, await hashOf(await make(file, width!, height!)));
      worst.set(name, Math.max(worst.get(name) ?? 0, bits));
    }
  }
  for (const [name, bits] of worst) rows.get(name)!.push(String(bits).padStart(12));
  let closest = Infinity;
  for (let i = 0; i < hashes.length; i++)
    for (let j = i + 1; j < hashes.length; j++) closest = Math.min(closest, hammingDistance(hashes[i], hashes[j]));
  distinct.push(String(closest).padStart(12));
  console.log(`${source}: ${files.length} images`);
}
console.log(`bits of 256 that differ; copies: the largest distance, distinct images: the smallest`);
console.log(`${''.padEnd(22)}${sources.map((s) => s.padStart(12)).join('')}`);
for (const [name, cells] of rows) console.log(`${name.padEnd(22)}${cells.join('')}`);
console.log(`${'distinct images'.padEnd(22)}${distinct.join('')}`);
