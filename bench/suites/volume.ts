/**
 * Volumes: a synthetic 512x512x300 int16 CT (.nii.gz, LiTS layout) through `medbank build`
 * against nibabel + Pillow doing the same window (level 40, width 400), resize and PNG save of the
 * slices whose liver mask is non-empty. Runs once a volumetric source has a converter; until then
 * it says so and measures nothing.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { catalog } from '../../src/catalog/registry.js';
import { textTable } from '../../src/cli/format.js';
import { rng } from '../../src/fixtures/draw.js';
import { checked, CLI, outputBytes, PYTHON, timed } from '../measure.js';
import { ensurePython } from '../python.js';
import type { Suite } from '../suite.js';

const [NX, NY, NZ] = [512, 512, 300];

/** A NIfTI-1 single file: 348-byte header, 4 bytes of extension flag, then the voxels. */
function nifti(data: Int16Array | Uint8Array, datatype: 4 | 2): Buffer {
  const h = Buffer.alloc(352);
  h.writeInt32LE(348, 0);
  h.writeInt16LE(3, 40);
  [NX, NY, NZ, 1, 1, 1, 1].forEach((v, i) => h.writeInt16LE(v, 42 + 2 * i));
  h.writeInt16LE(datatype, 70);
  h.writeInt16LE(datatype === 4 ? 16 : 8, 72);
  [1, 0.8, 0.8, 1.5, 1, 1, 1, 1].forEach((v, i) => h.writeFloatLE(v, 76 + 4 * i));
  h.writeFloatLE(352, 108);
  h.writeFloatLE(1, 112);
  h.writeInt16LE(1, 254); // sform: scanner
  [-0.8, 0, 0, 0].forEach((v, i) => h.writeFloatLE(v, 280 + 4 * i));
  [0, -0.8, 0, 0].forEach((v, i) => h.writeFloatLE(v, 296 + 4 * i));
  [0, 0, 1.5, 0].forEach((v, i) => h.writeFloatLE(v, 312 + 4 * i));
  h.write('n+1\0', 344, 'latin1');
  return Buffer.concat([h, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

async function writeVolume(raw: string): Promise<void> {
  const rand = rng(42);
  const ct = new Int16Array(NX * NY * NZ);
  const seg = new Uint8Array(NX * NY * NZ);
  for (let z = 0; z < NZ; z++)
    for (let y = 0; y < NY; y++)
      for (let x = 0; x < NX; x++) {
        const i = (z * NY + y) * NX + x;
        const body = ((x - 256) / 200) ** 2 + ((y - 256) / 160) ** 2 < 1;
        const liver = ((x - 320) / 70) ** 2 + ((y - 240) / 55) ** 2 + ((z - 150) / 90) ** 2 < 1;
        ct[i] = (body ? (liver ? 60 : 30) : -1000) + Math.round((rand() - 0.5) * 40);
        seg[i] = liver ? 1 : 0;
      }
  const dir = path.join(raw, 'LiTS', 'Training Batch 1');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'volume-0.nii.gz'), gzipSync(nifti(ct, 4), { level: 1 }));
  await writeFile(path.join(dir, 'segmentation-0.nii.gz'), gzipSync(nifti(seg, 2), { level: 1 }));
}

const REFERENCE = `
import os, sys, numpy as np, nibabel as nib
from PIL import Image
src, out = sys.argv[1], sys.argv[2]
os.makedirs(os.path.join(out, 'images'), exist_ok=True); os.makedirs(os.path.join(out, 'masks'), exist_ok=True)
ct = nib.load(os.path.join(src, 'volume-0.nii.gz')).get_fdata()
seg = nib.load(os.path.join(src, 'segmentation-0.nii.gz')).get_fdata()
lo, hi = 40 - 200, 40 + 200
for z in range(ct.shape[2]):
    m = seg[:, :, z] > 0
    if not m.any(): continue
    s = (np.clip(ct[:, :, z], lo, hi) - lo) / (hi - lo) * 255
    Image.fromarray(np.round(s).astype(np.uint8).T).convert('RGB').resize((1024, 1024), Image.BILINEAR).save(os.path.join(out, 'images', f'{z:04d}.png'))
    Image.fromarray((m * 255).astype(np.uint8).T).resize((1024, 1024), Image.NEAREST).save(os.path.join(out, 'masks', f'{z:04d}.png'))
`;

const suite: Suite = {
  name: 'volume',
  async run(ctx) {
    const volumetric = (await catalog()).filter((s) => s.dimension === '3d' && s.scan);
    if (!volumetric.some((s) => s.id === 'LiTS'))
      return { skipped: 'volume conversion not available (no volumetric converter in this build)' };
    const missing = ensurePython({ nibabel: 'python3-nibabel', PIL: 'python3-pil', numpy: 'python3-numpy' });
    if (missing) return { skipped: `nibabel reference not run: ${missing}` };
    const raw = path.join(ctx.cache, 'volume-raw');
    await rm(raw, { recursive: true, force: true });
    ctx.log('writing a 512x512x300 int16 CT volume');
    await writeVolume(raw);
    const refOut = path.join(ctx.work, 'volume-reference');
    const buildOut = path.join(ctx.work, 'volume-build');
    await rm(refOut, { recursive: true, force: true });
    await rm(buildOut, { recursive: true, force: true });
    const ref = await checked(
      'nibabel + Pillow',
      timed(PYTHON, ['-c', REFERENCE, path.join(raw, 'LiTS', 'Training Batch 1'), path.join(refOut, 'Liver')]),
    );
    const build = await checked(
      'medbank build (volume)',
      timed(process.execPath, [CLI, 'build', '--raw', raw, '--out', buildOut, '--sources', 'LiTS', '--quiet']),
    );
    const [refBytes, buildBytes] = await Promise.all([outputBytes(refOut), outputBytes(buildOut)]);
    const slices = refBytes.files / 2;
    const uncompressedMiB = (NX * NY * NZ * 2) / 2 ** 20;
    const rows = [
      {
        pipeline: 'nibabel + Pillow',
        seconds: ref.seconds,
        bytes: refBytes.images + refBytes.masks,
        peakRssMiB: ref.peakRssMiB,
        files: refBytes.files,
      },
      {
        pipeline: 'medbank build',
        seconds: build.seconds,
        bytes: buildBytes.images + buildBytes.masks,
        peakRssMiB: build.peakRssMiB,
        files: buildBytes.files,
      },
    ];
    const table = textTable(
      ['pipeline', 'wall s', 'slices/s', 'speed', 'output MB', 'bytes vs ref', 'peak RSS MiB', 'RSS / volume'],
      rows.map((r) => [
        r.pipeline,
        r.seconds.toFixed(1),
        (slices / r.seconds).toFixed(1),
        `${(ref.seconds / r.seconds).toFixed(2)}x`,
        (r.bytes / 1e6).toFixed(1),
        (r.bytes / rows[0].bytes).toFixed(3),
        r.peakRssMiB === null ? '-' : r.peakRssMiB.toFixed(0),
        r.peakRssMiB === null ? '-' : (r.peakRssMiB / uncompressedMiB).toFixed(2),
      ]),
    );
    return { figures: { slices, uncompressedMiB, rows }, table };
  },
};

export default suite;
