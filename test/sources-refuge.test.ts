// REFUGE: official 400/400/400 folders and the Kaggle mirror; disc and cup from one 0/128/255 mask by thresholds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { python } from './helpers.js';
import { buildFixture, pillowMasks, rowsOf } from './source-helpers.js';

const PY_BY_VALUE = `
import sys, json, numpy as np
from PIL import Image
raw = np.array(Image.open(sys.argv[1]).convert('L'))
disc = np.array(Image.open(sys.argv[2]))
cup = np.array(Image.open(sys.argv[3]))
print(json.dumps({str(int(v)): [sorted(set(int(x) for x in disc[raw == v])), sorted(set(int(x) for x in cup[raw == v]))] for v in np.unique(raw)}))
`;

test('REFUGE challenge layout: official splits, AMD and renderings ignored, glaucoma label recorded', async (t) => {
  const { rows, record, expected } = await buildFixture(t, 'REFUGE', { variant: 'challenge', size: 64 });
  assert.deepEqual(record.problems, []);
  for (const task of ['OpticDisc_OC_1', 'OpticCup_OC_2']) {
    const got = rowsOf(rows, task);
    assert.equal(got.length, expected[task]);
    assert.deepEqual(
      got.map((r) => `${r.name}:${r.split}`),
      [
        'refuge_g0001:train',
        'refuge_n0001:train',
        'refuge_n0002:train',
        'refuge_t0001:test',
        'refuge_t0002:test',
        'refuge_v0001:val',
        'refuge_v0002:val',
      ],
    );
  }
  const meta = Object.fromEntries(rowsOf(rows, 'OpticDisc_OC_1').map((r) => [r.name, r.meta.glaucoma]));
  assert.deepEqual(meta, {
    refuge_g0001: true,
    refuge_n0001: false,
    refuge_n0002: false,
    refuge_t0001: true,
    refuge_t0002: false,
    refuge_v0001: undefined,
    refuge_v0002: undefined,
  });
  assert.ok(rows.every((r) => !r.raw.some((f) => /AMD|Illustration/.test(f))));
});

test('REFUGE anti-aliased mask values go to the nearest class: 254 background, 191/129/127 disc, 63 cup, 127/64 not cup', async (t) => {
  // Validation masks are 64x64 like the output: no resampling, every raw pixel maps to one output pixel.
  const { rows, raw, out } = await buildFixture(t, 'REFUGE', { variant: 'challenge', size: 64 });
  const disc = rowsOf(rows, 'OpticDisc_OC_1').find((r) => r.name === 'refuge_v0001')!;
  const cup = rowsOf(rows, 'OpticCup_OC_2').find((r) => r.name === 'refuge_v0001')!;
  const byValue = python(t, PY_BY_VALUE, [path.join(raw, disc.raw[1]), path.join(out, disc.mask), path.join(out, cup.mask)]) as
    Record<string, [number[], number[]]> | undefined;
  if (!byValue) return;
  assert.deepEqual(byValue, {
    '0': [[255], [255]],
    '63': [[255], [255]],
    '64': [[255], [0]],
    '127': [[255], [0]],
    '128': [[255], [0]],
    '129': [[255], [0]],
    '191': [[255], [0]],
    '254': [[0], [0]],
    '255': [[0], [0]],
  });
});

for (const variant of ['challenge', 'kaggle']) {
  test(`REFUGE ${variant}: every mask equals Pillow's threshold of the raw BMP/PNG resized with nearest`, async (t) => {
    const { rows, raw, out, record } = await buildFixture(t, 'REFUGE', { variant, size: 48 });
    assert.deepEqual(record.problems, []);
    assert.deepEqual(
      record.tasks.map((x) => [x.id, x.counts.train, x.counts.val, x.counts.test]),
      [
        ['OpticDisc_OC_1', 3, 2, 2],
        ['OpticCup_OC_2', 3, 2, 2],
      ],
    );
    const checks = rows.map((r) => ({
      raw: path.join(raw, r.raw[1]),
      ours: path.join(out, r.mask),
      size: 48,
      rule: { kind: 'luma-below' as const, below: r.task === 'OpticDisc_OC_1' ? 192 : 64 },
    }));
    const result = pillowMasks(t, checks);
    if (!result) return;
    for (const [i, r] of result.entries()) {
      assert.equal(r.diff, 0, `${rows[i].task}/${rows[i].name}: ${r.diff} pixels differ from Pillow`);
      assert.ok(r.ours > 0);
      assert.deepEqual(r.values, [0, 255]);
    }
    if (variant === 'kaggle') assert.ok(rows.some((r) => r.raw[1].endsWith('.png') && r.split === 'val'));
  });
}
