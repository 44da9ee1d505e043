// Resampling must match Pillow's centre convention so images and masks stay aligned (PERFORMANCE.md pitfall 3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resampleImage, resampleNearest, contentBox } from '../src/io/image/resize.js';
import { bilinearResample } from '../src/io/image/pillow-bilinear.js';
import { nativeAddon } from '../src/io/native-addon.js';
import { python } from './helpers.js';

const PIL_RESIZE = `
import sys, json, numpy as np
from PIL import Image
w, h, ow, oh, mode = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
a = np.frombuffer(bytes.fromhex(sys.stdin.read() if False else sys.argv[6]), dtype=np.uint8).reshape(h, w)
im = Image.fromarray(a).resize((ow, oh), Image.BILINEAR if mode == 'bilinear' else Image.NEAREST)
print(json.dumps(np.array(im).flatten().tolist()))
`;

function pattern(w: number, h: number, seed: number): Uint8Array {
  const out = new Uint8Array(w * h);
  let s = seed;
  for (let i = 0; i < out.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = (s >>> 16) & 255;
  }
  return out;
}

test('an 8-pixel bar upsampled 2x gives Pillow 0 64 191 255 255 191 64 0', async () => {
  const bar = new Uint8Array([0, 0, 0, 255, 255, 0, 0, 0]);
  const out = await resampleImage({ pixels: bar, width: 8, height: 1, channels: 1 }, { width: 8, height: 1 }, 16, 1, 1);
  assert.deepEqual([...out], [0, 0, 0, 0, 0, 64, 191, 255, 255, 191, 64, 0, 0, 0, 0, 0]);
});

for (const [w, h, ow, oh] of [
  [7, 5, 16, 12],
  [23, 17, 64, 64],
  [40, 30, 25, 64],
  [64, 48, 64, 20],
] as const) {
  test(`bilinear ${w}x${h} -> ${ow}x${oh} equals Pillow exactly, up- and downsampled axes alike`, async (t) => {
    const src = pattern(w, h, w * 31 + h);
    const ref = python(t, PIL_RESIZE, [String(w), String(h), String(ow), String(oh), 'bilinear', Buffer.from(src).toString('hex')]) as
      number[] | undefined;
    if (!ref) return;
    const out = await resampleImage({ pixels: src, width: w, height: h, channels: 1 }, { width: w, height: h }, ow, oh, 1);
    assert.deepEqual([...out], ref);
  });

  test(`nearest ${w}x${h} -> ${ow}x${oh} equals Pillow exactly`, (t) => {
    const src = pattern(w, h, w + h);
    const ref = python(t, PIL_RESIZE, [String(w), String(h), String(ow), String(oh), 'nearest', Buffer.from(src).toString('hex')]) as
      number[] | undefined;
    if (!ref) return;
    assert.deepEqual([...resampleNearest(src, w, h, ow, oh)], ref);
  });
}

test('an upsampled image and its nearest mask stay aligned: the bar centre lands on the same pixels', async () => {
  const w = 50;
  const img = new Uint8Array(w).fill(0);
  img.fill(255, 20, 30);
  const up = await resampleImage({ pixels: img, width: w, height: 1, channels: 1 }, { width: w, height: 1 }, 1024, 1, 1);
  const mask = resampleNearest(img, w, 1, 1024, 1);
  const centre = (a: ArrayLike<number>) => {
    let s = 0;
    let n = 0;
    for (let i = 0; i < a.length; i++) {
      s += i * a[i];
      n += a[i];
    }
    return s / n;
  };
  assert.ok(Math.abs(centre(up) - centre(mask)) < 0.5, `image centre ${centre(up)} vs mask centre ${centre(mask)}`);
});

test('pad mode keeps the aspect ratio of the longer side', () => {
  assert.deepEqual(contentBox(574, 500, 1024, 'pad'), { width: 1024, height: 892 });
  assert.deepEqual(contentBox(288, 384, 1024, 'pad'), { width: 768, height: 1024 });
  assert.deepEqual(contentBox(288, 384, 1024, 'stretch'), { width: 1024, height: 1024 });
});

test('the native addon resamples exactly as the TypeScript fallback: bilinear 1 and 3 channels, nearest, up and down', (t) => {
  const addon = nativeAddon();
  if (!addon) {
    t.skip('the native addon is not built (apt install gcc libdeflate-dev, then npm run build)');
    return;
  }
  const shapes = [
    [1, 1, 5, 3],
    [7, 5, 16, 12],
    [574, 500, 1024, 1024],
    [384, 288, 1024, 1024],
    [300, 200, 97, 1024],
    [1030, 40, 512, 77],
    [2124, 61, 1024, 30],
  ] as const;
  for (const [w, h, ow, oh] of shapes) {
    for (const channels of [1, 3]) {
      const src = pattern(w * channels, h, w + h + channels);
      const native = bilinearResample(src, w, h, channels, ow, oh, addon);
      const typescript = bilinearResample(src, w, h, channels, ow, oh, undefined);
      assert.equal(native.length, ow * oh * channels);
      assert.ok(native.equals(typescript), `bilinear ${w}x${h}x${channels} -> ${ow}x${oh}`);
    }
    const plane = pattern(w, h, w * h);
    const nearest = resampleNearest(plane, w, h, ow, oh, addon);
    assert.deepEqual(
      Buffer.from(nearest),
      Buffer.from(resampleNearest(plane, w, h, ow, oh, undefined)),
      `nearest ${w}x${h} -> ${ow}x${oh}`,
    );
  }
  assert.throws(
    () => addon.resampleVertical(new Uint8Array(12), 4, 3, 1, new Int32Array([2]), new Int32Array([2]), new Int32Array([1, 1]), 2),
    /coefficient tables do not fit the image/,
  );
  assert.throws(
    () => addon.resampleNearest(new Uint8Array(6), 3, 2, new Int32Array([3]), new Int32Array([0])),
    /column index outside the image/,
  );
});
