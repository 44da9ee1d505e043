// Independent reference: nibabel (as_closest_canonical, then the radiological view) slices the real sample volumes; MedBank must agree pixel for pixel.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import sharp from 'sharp';
import type { JobVolume, VolumeIntensity } from '../src/catalog/types.js';
import { readVolume } from '../src/io/volume/read-volume.js';
import { sliceGeometry } from '../src/io/volume/orientation.js';
import { greySampler, labelSampler, resolveIntensity } from '../src/pipeline/convert/volume-intensity.js';
import { convertVolume } from '../src/pipeline/convert/convert-volume.js';
import { python, sharedSamples, tempDir } from './helpers.js';

const NIBABEL_SLICES = `
import sys, json, base64, numpy as np, nibabel as nib
from nibabel.orientations import io_orientation
from PIL import Image
img_path, lab_path, kind, a, b, every, size = sys.argv[1:8]
a, b, every, size = float(a), float(b), int(every), int(size)
img, lab = nib.load(img_path), nib.load(lab_path)
ornt = io_orientation(img.affine)
# Scaled lazily per slice: a float64 copy of a whole 512x512x261 volume would cost the reference 550 MB.
can = nib.as_closest_canonical(img)
data = can.dataobj
# The label is read on the image's voxel grid, so it is reoriented with the image's orientation.
labels = nib.orientations.apply_orientation(np.asanyarray(lab.dataobj), ornt)
if labels.ndim == 4: labels = labels[..., 0]
if kind == 'window':
    lo, hi = a - b / 2, a + b / 2
else:
    full = can.get_fdata()
    lo, hi = np.percentile(full[full != 0], [a, b])
axis = int(np.where(ornt[:, 0] == 2)[0][0])
n = data.shape[2]
out = {}
for kc in range(0, n, every):
    m = np.isin(np.round(labels[:, :, kc]), np.arange(1, 256)).astype(np.uint8)
    if not m.any(): continue
    v = np.asarray(data[:, :, kc], dtype=np.float64)
    g = np.clip(np.floor((v - lo) / (hi - lo) * 255 + 0.5), 0, 255).astype(np.uint8)
    raw = kc if ornt[axis, 1] > 0 else n - 1 - kc
    # Radiological view: rows run anterior to posterior, columns from the patient's right to left.
    g = np.ascontiguousarray(g.T[::-1, ::-1])
    m = np.ascontiguousarray(m.T[::-1, ::-1])
    gs = np.array(Image.fromarray(g).resize((size, size), Image.BILINEAR))
    ms = np.array(Image.fromarray(m * 255).resize((size, size), Image.NEAREST))
    enc = lambda x: base64.b64encode(x.tobytes()).decode()
    out[str(raw)] = {'w': g.shape[1], 'h': g.shape[0], 'grey': enc(g), 'mask': enc(m), 'greyResized': enc(gs), 'maskResized': enc(ms)}
print(json.dumps({'lo': float(lo), 'hi': float(hi), 'slices': out}))
`;

interface Reference {
  lo: number;
  hi: number;
  slices: Record<string, { w: number; h: number; grey: string; mask: string; greyResized: string; maskResized: string }>;
}

function hasNibabel(t: TestContext): boolean {
  const ok = python(t, 'import json\ntry:\n  import nibabel\n  print("true")\nexcept ImportError:\n  print("false")');
  if (ok === false) t.skip('python3-nibabel is not installed (apt-get install python3-nibabel): nibabel reference test skipped');
  return ok === true;
}

const ALL_LABELS = Array.from({ length: 255 }, (_, i) => i + 1);
const SIZE = 96;

async function compare(
  t: TestContext,
  image: string,
  label: string,
  intensity: VolumeIntensity,
  every: number,
  pngs = true,
): Promise<void> {
  const samples = await sharedSamples(t);
  if (!samples || !hasNibabel(t)) return;
  const [a, b] = intensity.kind === 'window' ? [intensity.level, intensity.width] : [intensity.low, intensity.high];
  const args = [path.join(samples, image), path.join(samples, label), intensity.kind, String(a), String(b), String(every), String(SIZE)];
  const ref = python(t, NIBABEL_SLICES, args) as Reference;
  const slices = Object.keys(ref.slices);
  assert.ok(slices.length > 0, 'the reference found labelled slices');

  const volume = await readVolume(path.join(samples, image), image);
  const labels = await readVolume(path.join(samples, label), label);
  const geo = sliceGeometry(volume, 'axial');
  const map = resolveIntensity(volume, intensity);
  assert.ok(
    Math.abs(map.lo - ref.lo) < 1e-6 && Math.abs(map.hi - ref.hi) < 1e-6,
    `intensity range ${map.lo}..${map.hi} vs ${ref.lo}..${ref.hi}`,
  );
  const grey = greySampler(volume, map);
  const mask = labelSampler(labels, ALL_LABELS);
  for (const k of slices) {
    const r = ref.slices[k];
    assert.deepEqual([geo.width, geo.height], [r.w, r.h], `slice ${k} size`);
    const at = {
      base: geo.base + Number(k) * geo.sliceStep,
      rowStep: geo.rowStep,
      colStep: geo.colStep,
      width: geo.width,
      height: geo.height,
    };
    const g = new Uint8Array(r.w * r.h);
    const m = new Uint8Array(r.w * r.h);
    grey(at, g);
    mask(at, m);
    assert.ok(Buffer.from(g).equals(Buffer.from(r.grey, 'base64')), `${image} grey slice ${k} differs from nibabel`);
    assert.ok(Buffer.from(m).equals(Buffer.from(r.mask, 'base64')), `${label} mask slice ${k} differs from nibabel`);
  }

  if (!pngs) return;
  // The written PNGs: masks equal Pillow's nearest resize, images its bilinear resize within one grey level.
  const out = await tempDir(t);
  const job: JobVolume = {
    kind: 'volume',
    source: 'TEST',
    name: 'case',
    group: 'case',
    image,
    label,
    slicing: 'axial',
    targets: [{ task: 'Any_CT_99', labels: ALL_LABELS, intensity }],
    meta: {},
  };
  const opts = {
    rawRoot: samples,
    outDir: out,
    size: SIZE,
    resize: 'stretch' as const,
    layout: 'medbank' as const,
    keepEmpty: 0,
    seed: 0,
    grey: true,
  };
  const { rows } = await convertVolume(job, opts);
  for (const k of slices) {
    const row = rows.find((x) => x.slice?.index === Number(k));
    assert.ok(row, `slice ${k} was written`);
    const png = await sharp(path.join(out, row.mask)).extractChannel(0).raw().toBuffer();
    assert.ok(png.equals(Buffer.from(ref.slices[k].maskResized, 'base64')), `mask PNG of slice ${k}`);
    const img = await sharp(path.join(out, row.image)).extractChannel(0).raw().toBuffer();
    const pil = Buffer.from(ref.slices[k].greyResized, 'base64');
    let worst = 0;
    let sum = 0;
    for (let i = 0; i < img.length; i++) {
      worst = Math.max(worst, Math.abs(img[i] - pil[i]));
      sum += Math.abs(img[i] - pil[i]);
    }
    // As in resize.test: within one grey level where both axes are upsampled; libvips' reduce differs slightly at edges.
    if (ref.slices[k].w < SIZE && ref.slices[k].h < SIZE)
      assert.ok(worst <= 1, `image PNG of slice ${k}: max difference ${worst} from Pillow`);
    assert.ok(sum / img.length <= 1.5, `image PNG of slice ${k}: mean difference ${sum / img.length} from Pillow`);
  }
}

test('real CT (TotalSegmentator sample): soft-tissue window and segmentation match nibabel', (t) =>
  compare(t, 'volumes/example_ct_sm.nii.gz', 'volumes/example_seg.nii.gz', { kind: 'window', level: 40, width: 400 }, 1));

test('real T1 MRI (ITK sample, uint8): 0.5-99.5 percentiles of non-zero voxels match numpy', (t) =>
  compare(
    t,
    'volumes/KmeansTest_T1UCharRaw.nii.gz',
    'volumes/KmeansTest_T1KmeansPrelimSegmentation.nii.gz',
    { kind: 'percentile', low: 0.5, high: 99.5 },
    3,
  ));

test('big-endian int16 NIfTI (nibabel anatomical.nii) reads and slices as nibabel does', (t) =>
  compare(t, 'volumes/anatomical.nii', 'volumes/anatomical.nii', { kind: 'percentile', low: 0.5, high: 99.5 }, 2));

test('the real KiTS19 label (slices on axis 0, the KiTS affine) slices as nibabel does', (t) =>
  compare(
    t,
    'KiTS19/data/case_00002/segmentation.nii.gz',
    'KiTS19/data/case_00002/segmentation.nii.gz',
    { kind: 'window', level: 1, width: 2 },
    20,
    false,
  ));
