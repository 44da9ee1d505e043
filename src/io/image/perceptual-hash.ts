/**
 * Near-duplicate detection with a 256-bit difference hash (dHash): the grey image is box-averaged
 * into 17×16 cells and each bit says whether a cell is darker than its right neighbour. The hash
 * ignores size, compression and small brightness changes, so a resized, re-encoded or slightly
 * edited copy keeps nearly all bits.
 *
 * Threshold: two images are near-identical when at most NEAR_DUPLICATE_BITS = 12 of the 256 bits
 * differ (under 5%). Measured on the real Kvasir-SEG samples (256²): a JPEG q75 copy differs in
 * 0-3 bits, a +3 grey-level copy in 0-1, a down-and-up resized copy in 0; distinct real images
 * differ in 78 or more, distinct fixture images in 17 or more.
 *
 * Search: split each hash into NEAR_DUPLICATE_BITS + 1 bands; two hashes within the threshold
 * agree exactly on at least one band (pigeonhole), so only images sharing a band value are
 * compared. Band values shared by more than MAX_BUCKET images (flat black borders hash to runs of
 * zeros) carry no information and are skipped, which keeps the search near-linear.
 */
import { nativeAddon, type MedbankAddon } from '../native-addon.js';

export const DHASH_COLUMNS = 17;
export const DHASH_ROWS = 16;
export const HASH_BITS = (DHASH_COLUMNS - 1) * DHASH_ROWS;
export const NEAR_DUPLICATE_BITS = 12;
const MAX_BUCKET = 256;

/**
 * Hash of interleaved 8-bit pixels (1 to 4 channels; alpha ignored): ITU-R 601 luma, box-averaged
 * into DHASH_COLUMNS × DHASH_ROWS cells. `validate` hashes output PNGs with it and the build hashes
 * each decoded raw image, so both find the same copies.
 */
export function pixelDifferenceHash(data: Uint8Array, width: number, height: number, channels: number): string {
  const addon = nativeAddon();
  return differenceHash(addon ? nativeCells(addon, data, width, height, channels).means : cellMeans(data, width, height, channels));
}

/**
 * The cell means from the addon's loop (native/pixel-facts.c: the same sums, a sixth of the time),
 * and whether every pixel is grey with at most two levels, which the same pass finds.
 */
export function nativeCells(
  addon: MedbankAddon,
  data: Uint8Array,
  width: number,
  height: number,
  channels: number,
): { means: Float64Array; looksLikeMask: boolean } {
  const cellSum = new Float64Array(DHASH_COLUMNS * DHASH_ROWS);
  const looksLikeMask = addon.imageCells(data, width, height, channels, cellSum, DHASH_COLUMNS, DHASH_ROWS);
  return { means: meansOfSums(cellSum, width, height), looksLikeMask };
}

/** Cell means from the luma sums of a DHASH_COLUMNS × DHASH_ROWS grid over a `width`×`height` image. */
export function meansOfSums(cellSum: Float64Array, width: number, height: number): Float64Array {
  // A cell's pixel count follows from the grid: the columns of its x range times the rows of its y range.
  const across = new Uint32Array(DHASH_COLUMNS);
  const down = new Uint32Array(DHASH_ROWS);
  for (let x = 0; x < width; x++) across[Math.floor((x * DHASH_COLUMNS) / width)]++;
  for (let y = 0; y < height; y++) down[Math.floor((y * DHASH_ROWS) / height)]++;
  return cellSum.map((sum, c) => {
    const count = down[Math.floor(c / DHASH_COLUMNS)] * across[c % DHASH_COLUMNS];
    return count ? sum / count : 0;
  });
}

function cellMeans(data: Uint8Array, width: number, height: number, channels: number): Float64Array {
  const colour = channels >= 3 ? 1 : 0;
  const cellSum = new Float64Array(DHASH_COLUMNS * DHASH_ROWS);
  const cellCount = new Uint32Array(DHASH_COLUMNS * DHASH_ROWS);
  const columnCell = new Uint32Array(width);
  for (let x = 0; x < width; x++) columnCell[x] = Math.floor((x * DHASH_COLUMNS) / width);
  for (let y = 0; y < height; y++) {
    const rowCell = Math.floor((y * DHASH_ROWS) / height) * DHASH_COLUMNS;
    let i = y * width * channels;
    for (let x = 0; x < width; x++, i += channels) {
      const cell = rowCell + columnCell[x];
      // Luma in 1/256 steps, in integers (exact in a double for any image size).
      cellSum[cell] += 77 * data[i] + 150 * data[i + colour] + 29 * data[i + 2 * colour];
      cellCount[cell]++;
    }
  }
  const means = new Float64Array(cellSum.length);
  for (let c = 0; c < means.length; c++) means[c] = cellCount[c] ? cellSum[c] / cellCount[c] : 0;
  return means;
}

/** Hex hash from cell means laid out row by row, DHASH_COLUMNS per row. */
export function differenceHash(means: Float64Array): string {
  let hex = '';
  let nibble = 0;
  let bits = 0;
  for (let y = 0; y < DHASH_ROWS; y++) {
    for (let x = 0; x < DHASH_COLUMNS - 1; x++) {
      const i = y * DHASH_COLUMNS + x;
      nibble = (nibble << 1) | (means[i] < means[i + 1] ? 1 : 0);
      if (++bits === 4) {
        hex += nibble.toString(16);
        nibble = 0;
        bits = 0;
      }
    }
  }
  return hex;
}

function popcount32(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) as number;
}

function words(hex: string): Uint32Array {
  const out = new Uint32Array(hex.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 8, i * 8 + 8), 16);
  return out;
}

function wordDistance(a: Uint32Array, b: Uint32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += popcount32(a[i] ^ b[i]);
  return d;
}

export function hammingDistance(a: string, b: string): number {
  return wordDistance(words(a), words(b));
}

/** A pair sharing several bands is reported once: in the first band it shares. */
function sharesEarlierBand(bands: Int32Array, bandCount: number, x: number, y: number, band: number): boolean {
  for (let e = 0; e < band; e++) if (bands[x * bandCount + e] === bands[y * bandCount + e]) return true;
  return false;
}

export interface HashedItem {
  hash: string;
}

/** Every pair of items within `maxBits` of each other that `wanted` accepts, with its distance. */
export function nearPairs<T extends HashedItem>(
  items: T[],
  wanted: (a: T, b: T) => boolean,
  maxBits = NEAR_DUPLICATE_BITS,
): { a: T; b: T; bits: number }[] {
  const bandCount = maxBits + 1;
  const digits = HASH_BITS / 4;
  const cuts = Array.from({ length: bandCount + 1 }, (_, b) => Math.floor((b * digits) / bandCount));
  const bands = new Int32Array(items.length * bandCount);
  items.forEach((item, i) => {
    for (let b = 0; b < bandCount; b++) bands[i * bandCount + b] = parseInt(item.hash.slice(cuts[b], cuts[b + 1]), 16);
  });
  const hashes = items.map((item) => words(item.hash));
  const pairs: { a: T; b: T; bits: number }[] = [];
  for (let band = 0; band < bandCount; band++) {
    const buckets = new Map<number, number[]>();
    for (let i = 0; i < items.length; i++) {
      const value = bands[i * bandCount + band];
      const list = buckets.get(value);
      if (list) list.push(i);
      else buckets.set(value, [i]);
    }
    for (const members of buckets.values()) {
      if (members.length < 2 || members.length > MAX_BUCKET) continue;
      for (let i = 0; i < members.length; i++) {
        const x = members[i];
        for (let j = i + 1; j < members.length; j++) {
          const y = members[j];
          const bits = wordDistance(hashes[x], hashes[y]);
          if (bits > maxBits || sharesEarlierBand(bands, bandCount, x, y, band) || !wanted(items[x], items[y])) continue;
          pairs.push({ a: items[x], b: items[y], bits });
        }
      }
    }
  }
  return pairs;
}
