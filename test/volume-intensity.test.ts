// Intensity: CT windows map known HU to known grey; percentiles of non-zero voxels follow numpy; header scaling only when usable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nonZeroPercentiles, rampGrey, windowBounds } from '../src/pipeline/convert/volume-intensity.js';
import { usableScaling } from '../src/io/volume/volume.js';
import { python } from './helpers.js';

const grey = (hu: number, level: number, width: number) => {
  const { lo, hi } = windowBounds(level, width);
  return rampGrey(hu, lo, hi);
};

test('soft-tissue window (level 40, width 400): known HU give known grey, clipped', () => {
  assert.deepEqual(
    [-1000, -160, 0, 40, 100, 240, 1000].map((hu) => grey(hu, 40, 400)),
    [0, 0, 102, 128, 166, 255, 255],
  );
});

test('lung window (level -600, width 1500): air, lung, soft tissue and bone', () => {
  assert.deepEqual(
    [-1024, -1350, -850, -600, 0, 150, 700].map((hu) => grey(hu, -600, 1500)),
    [55, 0, 85, 128, 230, 255, 255],
  );
});

test('percentiles of non-zero voxels equal numpy for int16 (histogram), uint8, float32 and scaled data', (t) => {
  const values = Array.from({ length: 5000 }, (_, i) => ((i * 7919) % 3001) - 1000).map((v, i) => (i % 5 === 0 ? 0 : v));
  const ref = python(
    t,
    'import sys, json, numpy as np\nv = np.array(json.loads(sys.argv[1]), dtype=np.float64)\nnz = v[v != 0]\nprint(json.dumps(np.percentile(nz, [0.5, 99.5, 37.3]).tolist()))',
    [JSON.stringify(values)],
  ) as number[] | undefined;
  if (!ref) return;
  const close = (a: number[], b: number[]) => a.every((x, i) => Math.abs(x - b[i]) < 1e-9 * (1 + Math.abs(b[i])));
  const ps = [0.5, 99.5, 37.3];
  assert.ok(close(nonZeroPercentiles({ data: Int16Array.from(values), slope: 1, inter: 0 }, ps), ref), 'int16');
  assert.ok(close(nonZeroPercentiles({ data: Float32Array.from(values), slope: 1, inter: 0 }, ps), ref), 'float32');
  // Stored +1000 with an intercept of -1000: the same values once scaled; stored zeros are not "zero voxels".
  assert.ok(
    close(nonZeroPercentiles({ data: Uint16Array.from(values, (v) => v + 1000), slope: 1, inter: -1000 }, ps), ref),
    'uint16 + inter',
  );
  const small = values.map((v) => Math.abs(v) % 256);
  const refSmall = python(
    t,
    'import sys, json, numpy as np\nv = np.array(json.loads(sys.argv[1]), dtype=np.float64)\nprint(json.dumps(np.percentile(v[v != 0], [0.5, 99.5, 37.3]).tolist()))',
    [JSON.stringify(small)],
  ) as number[];
  assert.ok(close(nonZeroPercentiles({ data: Uint8Array.from(small), slope: 1, inter: 0 }, ps), refSmall), 'uint8');
});

test('scl_slope applies only when finite and non-zero', () => {
  assert.deepEqual(usableScaling(NaN, 5), { slope: 1, inter: 0 });
  assert.deepEqual(usableScaling(0, -1024), { slope: 1, inter: 0 });
  assert.deepEqual(usableScaling(2, -1024), { slope: 2, inter: -1024 });
  assert.deepEqual(usableScaling(1, NaN), { slope: 1, inter: 0 });
});
