// Instances and prompts: 8-connected components, tight boxes, the innermost point (checked against brute force), and Sample.readPrompts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectedComponents, maskPrompts, objectPrompt, openMedBank } from '../src/index.js';
import { fixtureTree } from './export-helpers.js';

function draw(rows: string[]): { mask: Uint8Array; width: number; height: number } {
  const width = rows[0].length;
  const mask = new Uint8Array(width * rows.length);
  rows.forEach((r, y) => [...r].forEach((c, x) => (mask[y * width + x] = c === '#' ? 255 : 0)));
  return { mask, width, height: rows.length };
}

/** Squared distance from (x, y) to the nearest background pixel, the outside of the image counting as background. */
function bruteDepth(mask: Uint8Array, width: number, height: number, x: number, y: number): number {
  let best = Math.min((x + 1) ** 2, (y + 1) ** 2, (width - x) ** 2, (height - y) ** 2);
  for (let j = 0; j < height; j++)
    for (let i = 0; i < width; i++) if (!mask[j * width + i]) best = Math.min(best, (i - x) ** 2 + (j - y) ** 2);
  return best;
}

test('connected components are 8-connected, numbered in raster order, with areas', () => {
  const { mask, width, height } = draw(['##....', '.#...#', '..#..#', '......', '###...']);
  const { labels, areas } = connectedComponents(mask, width, height);
  assert.deepEqual(areas, [4, 2, 3]);
  assert.equal(labels[0], 1);
  assert.equal(labels[2 * width + 2], 1, 'diagonal neighbour joins the first component');
  assert.equal(labels[width + 5], 2);
  assert.equal(labels[4 * width], 3);
});

test('maskPrompts: instances with tight boxes, points inside, minArea drops small pieces, the union is the mask', () => {
  const { mask, width, height } = draw(['..........', '.#####....', '.#####...#', '.#####....', '..........', '.......##.']);
  const p = maskPrompts(mask, width, height, { minArea: 2 });
  assert.equal(p.instances.length, 2);
  assert.equal(p.smallDropped, 1);
  assert.deepEqual(p.instances[0].box, [1, 1, 5, 3]);
  assert.deepEqual(p.instances[0].point, [3, 2], 'centre of the 5×3 block');
  assert.equal(p.instances[0].area, 15);
  assert.deepEqual(p.instances[1].box, [7, 5, 8, 5]);
  assert.deepEqual(p.instances[1].point, [7, 5], 'equally deep and central: first in raster order');
  assert.deepEqual(p.object?.box, [1, 1, 9, 5], 'the whole-mask box spans every piece');
  assert.equal(p.object?.area, 18);
  for (const inst of p.instances) {
    const [x, y] = inst.point;
    assert.equal(inst.mask[y * width + x], 255);
    assert.equal(
      inst.mask.reduce((n, v) => n + (v === 255 ? 1 : 0), 0),
      inst.area,
    );
  }
  assert.equal(objectPrompt(new Uint8Array(16), 4, 4), null);
  assert.equal(maskPrompts(new Uint8Array(16), 4, 4).instances.length, 0);
});

test('the inner point is the deepest pixel by exact Euclidean distance (brute force on shapes with holes and notches)', () => {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let trial = 0; trial < 40; trial++) {
    const width = 5 + Math.floor(rand() * 20);
    const height = 5 + Math.floor(rand() * 20);
    const mask = new Uint8Array(width * height);
    const cx = rand() * width;
    const cy = rand() * height;
    const r = 2 + rand() * 8;
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) if ((x - cx) ** 2 + (y - cy) ** 2 < r * r && rand() > 0.08) mask[y * width + x] = 255;
    const p = objectPrompt(mask, width, height);
    if (!p) continue;
    const [px, py] = p.point;
    assert.equal(mask[py * width + px], 255, `trial ${trial}: point outside the object`);
    let deepest = 0;
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) if (mask[y * width + x]) deepest = Math.max(deepest, bruteDepth(mask, width, height, x, y));
    assert.equal(bruteDepth(mask, width, height, px, py), deepest, `trial ${trial}: not the deepest pixel`);
  }
});

test('openMedBank: readPrompts gives the manifest box, instances whose union is the mask', async () => {
  const { out, rows } = await fixtureTree();
  const bank = await openMedBank(out);
  let checked = 0;
  for await (const s of bank.task('Myocardium_MR_14').samples('test')) {
    const p = await s.readPrompts({ minArea: 1 });
    const mask = await s.readMask();
    assert.deepEqual(p.object?.box, rows.find((r) => r.task === s.task && r.name === s.name)?.bbox);
    const union = new Uint8Array(mask.data.length);
    for (const inst of p.instances) inst.mask.forEach((v, i) => (union[i] |= v));
    assert.deepEqual(union, mask.data);
    checked++;
  }
  assert.ok(checked > 0);
});
