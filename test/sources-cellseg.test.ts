// NeurIPS-22 CellSeg: official folders, many image formats and depths, percentile stretch, 16/32-bit instance labels, whole-slide shrinking, real samples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { python, sharedSamples, tempDir } from './helpers.js';
import { buildFixture, buildRaw, pillowMasks, rowsOf } from './source-helpers.js';
import { writeImage } from '../src/fixtures/draw.js';
import type { ManifestRow } from '../src/contract/manifest.js';

/**
 * The reference stretch: numpy's linear percentiles per channel (first three; grey repeated),
 * compared with the padded output's content region. Uncompressed TIFFs are parsed here because
 * Pillow cannot open 16-bit files with more than one channel.
 */
const PY_STRETCH = `
import sys, json, struct, numpy as np
from PIL import Image
def read_tiff(path):
    b = open(path, 'rb').read()
    if b[:2] != b'II': return None
    off = struct.unpack_from('<I', b, 4)[0]
    tags = {}
    for i in range(struct.unpack_from('<H', b, off)[0]):
        tag, typ, count, value = struct.unpack_from('<HHII', b, off + 2 + i * 12)
        if typ == 3 and count == 1: value = value & 0xffff
        tags[tag] = (typ, count, value)
    if tags.get(259, (0, 0, 1))[2] != 1: return None
    w, h, spp = tags[256][2], tags[257][2], tags.get(277, (0, 0, 1))[2]
    bits = tags[258][2] if tags[258][1] <= 2 else struct.unpack_from('<H', b, tags[258][2])[0]
    dtype = {8: '<u1', 16: '<u2', 32: '<u4'}[bits]
    return np.frombuffer(b, dtype=dtype, count=w * h * spp, offset=tags[273][2]).reshape(h, w, spp)
out = []
for src, ours, width, height in json.loads(sys.argv[1]):
    a = read_tiff(src) if src.lower().endswith(('.tif', '.tiff')) else None
    if a is None: a = np.array(Image.open(src))
    a = a.astype(np.float64)
    if a.ndim == 2: a = a[..., None]
    used = 1 if a.shape[2] == 2 else min(a.shape[2], 3)
    planes = []
    for c in range(used):
        v = a[..., c]
        lo, hi = np.percentile(v, [1, 99])
        p = np.zeros_like(v) if hi <= lo else np.clip((v - lo) / (hi - lo) * 255, 0, 255)
        planes.append(np.floor(p + 0.5))
    ref = np.stack([planes[min(c, used - 1)] for c in range(3)], axis=-1)
    got = np.array(Image.open(ours).convert('RGB')).astype(np.float64)[:height, :width]
    out.append({'shape': list(a.shape), 'maxdiff': float(np.abs(ref - got).max()), 'meandiff': float(np.abs(ref - got).mean())})
print(json.dumps(out))
`;

function labelChecks(rows: ManifestRow[], raw: string, out: string, size: number) {
  return rows.map((r) => ({ raw: path.join(raw, r.raw[1]), ours: path.join(out, r.mask), size, rule: { kind: 'labels' as const } }));
}

test('CellSeg: Training-labeled / Tuning / Testing/Public become train / val / test; unlabelled folders are ignored', async (t) => {
  const { rows, record, expected, raw, out } = await buildFixture(t, 'CellSeg', { size: 32 });
  assert.deepEqual(record.problems, []);
  const cells = rowsOf(rows, 'Cell_MI_11');
  assert.equal(cells.length, expected.Cell_MI_11);
  assert.deepEqual(
    cells.map((r) => `${r.name}:${r.split}`),
    [
      'cellseg_test_00001:test',
      'cellseg_train_00001:train',
      'cellseg_train_00002:train',
      'cellseg_train_00003:train',
      'cellseg_train_00004:train',
      'cellseg_train_00005:train',
      'cellseg_tuning_00001:val',
    ],
  );
  assert.ok(cells.every((r) => r.intensity.kind === 'percentile' && r.intensity.low === 1 && r.intensity.high === 99));
  assert.ok(record.sources[0].notes.some((n) => n.includes('2 files of unlabelled archives or Testing/Hidden are ignored')));
  // 16-bit and 32-bit label TIFFs: foreground = label > 0, as Pillow reads them. The 32-bit labels
  // are multiples of 65536, so a 16-bit truncation would leave them empty.
  const result = pillowMasks(t, labelChecks(cells, raw, out, 32));
  if (!result) return;
  for (const [i, c] of result.entries()) {
    assert.ok(c.ref > 0);
    assert.equal(c.diff, 0, `${cells[i].name}: ${c.diff} pixels differ`);
  }
});

test('CellSeg: 8/16-bit, grey/RGB/4-channel images are stretched per channel from the 1st to 99th percentile', async (t) => {
  // Padding a 48x40 image into 48x48 keeps its pixels unresampled in the top rows.
  const { rows, raw, out } = await buildFixture(t, 'CellSeg', { size: 48, resize: 'pad' });
  const cells = rowsOf(rows, 'Cell_MI_11');
  assert.ok(cells.every((r) => r.resize.content.width === 48 && r.resize.content.height === 40));
  const result = python(t, PY_STRETCH, [JSON.stringify(cells.map((r) => [path.join(raw, r.raw[0]), path.join(out, r.image), 48, 40]))]) as
    { shape: number[]; maxdiff: number; meandiff: number }[] | undefined;
  if (!result) return;
  const shapes = Object.fromEntries(cells.map((r, i) => [r.name, result[i].shape]));
  assert.deepEqual(shapes.cellseg_train_00002, [40, 48, 1]);
  assert.deepEqual(shapes.cellseg_train_00003, [40, 48, 4]);
  for (const [i, r] of result.entries()) {
    // JPEG decoders differ by a few grey levels; every lossless format must match within rounding.
    const jpeg = cells[i].raw[0].endsWith('.jpg');
    assert.ok(r.maxdiff <= (jpeg ? 12 : 1), `${cells[i].name}: max difference ${r.maxdiff}`);
    assert.ok(r.meandiff <= (jpeg ? 2 : 0.05), `${cells[i].name}: mean difference ${r.meandiff}`);
  }
});

test('CellSeg: an image wider than 8192 px is shrunk while decoding, labels with nearest, and still lines up', async (t) => {
  const dir = await tempDir(t);
  const raw = path.join(dir, 'raw');
  const [w, h] = [9000, 30];
  const image = new Uint16Array(w * h);
  const labels = new Uint32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const cell = x >= 3000 && x < 6000;
      image[y * w + x] = (cell ? 3000 : 200) + ((x * 7 + y * 13) % 50);
      labels[y * w + x] = cell ? 131072 + (x >= 4500 ? 1 : 0) : 0;
    }
  const base = path.join(raw, 'CellSeg', 'Testing', 'Public');
  await writeImage(path.join(base, 'images', 'cell_00042.tif'), image, w, h, 1, 'tif');
  await writeImage(path.join(base, 'labels', 'cell_00042_label.tiff'), labels, w, h, 1, 'tif');
  const { rows, record } = await buildRaw(raw, path.join(dir, 'out'), 'CellSeg', { size: 64 });
  assert.deepEqual(record.problems, []);
  assert.equal(rows.length, 1);
  const [row] = rows;
  assert.deepEqual(row.original, { width: 9000, height: 30 });
  assert.equal(row.meta.decodedAt, '2048x7');
  // Pillow's direct nearest resize keeps columns 21..42 (22 of 64) on every row; one column of slack for the two-step shrink.
  assert.ok(Math.abs(row.foreground - 22 * 64) <= 64, `foreground ${row.foreground}`);
  assert.ok(row.bbox![0] >= 20 && row.bbox![0] <= 22 && row.bbox![2] >= 41 && row.bbox![2] <= 43, `bbox ${row.bbox}`);
});

test('CellSeg real samples: RGB PNG and uint16 TIFF with 16-bit labels keep the source foreground', async (t) => {
  const samples = await sharedSamples(t);
  if (!samples) return;
  for (const size of [200, 128]) {
    const out = path.join(await tempDir(t), 'out');
    const { rows, record } = await buildRaw(samples, out, 'CellSeg', { size });
    assert.deepEqual(record.problems, []);
    // Only the official training part is present: one of its two images is carved (seeded) as test.
    assert.deepEqual(
      rows.map((r) => `${r.name}:${r.split}:${r.original.width}x${r.original.height}`),
      ['cellseg_train_00225:train:1024x1024', 'cellseg_train_00528:test:200x200'],
    );
    const result = pillowMasks(t, labelChecks(rows, samples, out, size));
    if (!result) return;
    for (const [i, c] of result.entries()) {
      assert.ok(c.ref > 0);
      assert.equal(rows[i].foreground, c.ref, `${rows[i].name} at ${size}: manifest foreground`);
      assert.equal(c.diff, 0, `${rows[i].name} at ${size}`);
    }
  }
});
